// Statistics over the trials (seeds) of a run: the summary `lth imp` writes (src/report.rs:
// mean, sample standard deviation, minimum and maximum per branch and level, the same field
// names), the results file of a run of several trials, and the columns of the charts against
// weights remaining. Pure functions (no DOM), so node tests them directly.

// The worst of several trials' statuses (a diverged trial makes the run diverged, and so on): the
// order of the core's Status::worst (src/parts.rs), for the trials the page runs one after another.
const STATUS_ORDER = ['diverged', 'stopped', 'running', 'waiting', 'done'];
const worstStatus = (statuses) => STATUS_ORDER.find((status) => statuses.includes(status)) ?? statuses[0];

export const BRANCH_ORDER = ['ticket', 'random_reinit', 'random_prune'];

const sum = (values) => values.reduce((total, value) => total + value, 0);

/** Mean, sample standard deviation (n − 1; 0 for one value), minimum and maximum: report.rs's Spread::of. */
export function spreadOf(values) {
  if (!values.length) return null;
  const mean = sum(values) / values.length;
  const variance = values.length > 1 ? sum(values.map((v) => (v - mean) * (v - mean))) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}

/** A round that counts in the statistics: finished, with an early stop (as in report::summarise). */
const isCounted = (round) => round?.complete && round.early_stop;

/**
 * lth's summary rows (report::summarise) over a list of results: for every branch and level that
 * at least one trial finished, ticket first, by level.
 */
export function summarise(trials) {
  const rows = [];
  for (const branch of BRANCH_ORDER) {
    const ofBranch = trials.flatMap((trial) => trial.rounds.filter((round) => round.branch === branch));
    const maxLevel = Math.max(0, ...ofBranch.map((round) => round.level));
    for (let level = 0; level <= maxLevel; level += 1) {
      const rounds = ofBranch.filter((round) => round.level === level && isCounted(round));
      if (!rounds.length) continue;
      rows.push({
        branch,
        level,
        percent_remaining: rounds[0].percent_remaining,
        trials: rounds.length,
        early_stop_iteration: spreadOf(rounds.map((round) => round.early_stop.iteration)),
        early_stop_test_accuracy: spreadOf(rounds.map((round) => round.early_stop.test_accuracy)),
        final_test_accuracy: spreadOf(rounds.map((round) => round.last.test_accuracy)),
      });
    }
  }
  return rows;
}

/**
 * The results file of a run of `count` trials: lth's summary.json (config, trials, seeds,
 * wall_seconds, rows) with the run's status and first error, and every trial's results in
 * `results`, in seed order (the last one perhaps unfinished).
 */
export function trialsResults(config, count, trials, wallSeconds) {
  return {
    config,
    trials: count,
    seeds: trials.map((trial) => trial.config.seed),
    wall_seconds: wallSeconds,
    // The worst status; a run that ended before its last trial began has stopped.
    status: worstStatus([...trials.map((trial) => trial.status), ...(trials.length < count ? ['stopped'] : [])]),
    error: trials.find((trial) => trial.error)?.error ?? null,
    rows: summarise(trials),
    results: trials,
  };
}

/** The results of each trial in a results object: the list of a run of trials, or the one run. */
export const trialsOf = (results) => results?.results ?? (results ? [results] : []);

/**
 * The charts against weights remaining, from each trial's finished rounds (`trials`: one list of
 * rounds per trial): x = % remaining, ascending (as uPlot wants); per branch, the mean over the
 * trials that finished that level, and its spread: min, max and each trial's value (null where a
 * trial has none), for `measure(early_stop)`. The dense network (level 0) is every branch's start.
 */
export function chartColumns(trials, branches, measure) {
  const all = trials.flat();
  const percentOf = (level) => all.find((round) => round.level === level).percent_remaining;
  const levels = [...new Set(all.map((round) => round.level))].sort((a, b) => percentOf(a) - percentOf(b));
  const valuesOf = (branch, level) => trials.map((rounds) => {
    const round = rounds.find((r) => r.level === level && (r.branch === branch || level === 0));
    return isCounted(round) ? measure(round.early_stop) : null;
  });
  // columns[branch][level][trial]: each trial's value.
  const columns = branches.map((branch) => levels.map((level) => valuesOf(branch, level)));
  const over = (values, statistic) => {
    const present = values.filter((value) => value != null);
    return present.length ? statistic(present) : null;
  };
  return {
    xs: levels.map(percentOf),
    means: columns.map((column) => column.map((values) => over(values, (present) => spreadOf(present).mean))),
    spreads: columns.map((column) => ({
      min: column.map((values) => over(values, (present) => Math.min(...present))),
      max: column.map((values) => over(values, (present) => Math.max(...present))),
      trials: trials.map((_, trial) => column.map((values) => values[trial])),
    })),
  };
}
