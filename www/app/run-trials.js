// The trials of a run as the views read them: each trial's results in a results object, the
// order of the branches, and the charts' columns against weights remaining. The statistics over
// trials (lth's summary rows) and the curves' CSV are the core's (src/report.rs, asked through the
// worker: trials.js, downloads.js). Pure functions (no DOM), so node tests them directly.

export const BRANCH_ORDER = ['ticket', 'random_reinit', 'random_prune'];

/** A round that the charts count: finished, with an early stop (as in report::summarise). */
const isCounted = (round) => round?.complete && round.early_stop;

const mean = (values) => values.reduce((total, value) => total + value, 0) / values.length;

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
    means: columns.map((column) => column.map((values) => over(values, mean))),
    spreads: columns.map((column) => ({
      min: column.map((values) => over(values, (present) => Math.min(...present))),
      max: column.map((values) => over(values, (present) => Math.max(...present))),
      trials: trials.map((_, trial) => column.map((values) => values[trial])),
    })),
  };
}
