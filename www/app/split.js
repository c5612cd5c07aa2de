// A run split over workers: which worker trains which share of it (the page's own plan, for the
// cores of the machine it runs on). The core merges their results (src/parts.rs, asked through a
// worker). A pure function (no workers, no DOM), so node tests it directly.

/**
 * The workers for a run on a machine with `cores` cores: [{share, config}], the ticket's first.
 * One worker trains the whole run when it has no controls or there is no core to spare;
 * otherwise one trains the ticket, and the controls are dealt out over up to `cores - 1` more
 * (each of those trains the controls that its config lists).
 */
export function planWorkers(config, cores) {
  // A target (target_remaining) always takes one round or more; the core resolves how many.
  const prunes = config.rounds > 0 || config.target_remaining != null;
  const controls = prunes ? config.controls : [];
  const controlWorkers = Math.min(controls.length, cores - 1);
  if (controlWorkers < 1) return [{ share: 'all', config }];
  const groups = Array.from({ length: controlWorkers }, (_, worker) => controls.filter((_, index) => index % controlWorkers === worker));
  return [{ share: 'ticket', config }, ...groups.map((group) => ({ share: 'controls', config: { ...config, controls: group } }))];
}

/**
 * One trial's critical path on `cores` cores, in segments (one branch's training at one level),
 * for `rounds` rounds. The ticket's worker trains levels 0 to `rounds` one after another; a
 * controls worker can start a control's level L once the ticket has trained level L - 1 (that
 * gives L's mask), and trains its controls level by level in the order its config lists them;
 * one worker alone trains every segment. Segments count as equally long: a level costs the same
 * in every branch, though a sparse level costs less than a dense one.
 */
function trialSegments(config, cores, rounds) {
  const [ticket, ...controlWorkers] = planWorkers({ ...config, rounds }, cores);
  if (ticket.share === 'all') return rounds + 1 + (rounds > 0 ? ticket.config.controls.length * rounds : 0);
  const ends = controlWorkers.map(({ config: { controls } }) => {
    let free = 0;
    for (let level = 1; level <= rounds; level++) {
      for (let i = 0; i < controls.length; i++) free = Math.max(free, level) + 1;
    }
    return free;
  });
  return Math.max(rounds + 1, ...ends);
}

/**
 * How a run of `trials` trials shares `cores` cores: {lanes, cores, segments}. `lanes` trials
 * train at once, each on `cores` of the machine's (its workers: planWorkers), and a lane takes the
 * next trial when its last one ends; `segments` is the run's planned critical path. The lane count
 * is the one whose plan is shortest (on a tie, the fewest lanes: fewer workers hold less memory).
 * A target's rounds (config.rounds null) are the core's to resolve: planned as 10, and any count
 * beyond a few gives the same lanes.
 */
export function planLanes(config, cores, trials = 1, rounds = config.rounds ?? (config.target_remaining != null ? 10 : 0)) {
  let best = null;
  for (let lanes = 1; lanes <= Math.max(1, Math.min(trials, cores)); lanes++) {
    const share = Math.max(1, Math.floor(cores / lanes));
    const segments = Math.ceil(trials / lanes) * trialSegments(config, share, rounds);
    if (!best || segments < best.segments) best = { lanes, cores: share, segments };
  }
  return best;
}

/** The planner's estimate of a run's critical path on `cores` cores, in segments (see planLanes). */
export function plannedSegments(config, cores, rounds = config.rounds, trials = 1) {
  return planLanes(config, cores, trials, rounds).segments;
}
