// A run split over workers: which worker trains which share of it (the page's own plan, for the
// cores of the machine it runs on). The core merges their results (src/parts.rs, asked through a
// worker). segmentsOf and inRunOrder serve the runs kept in storage, read when the page opens and
// before any worker loads the core (resume.js); the core's Config::segments and
// parts::in_run_order are the same rules, and the page tests check a kept run against a live one.
// Pure functions (no workers, no DOM), so node tests them directly.

/** The segments of a whole run: the dense ticket, then per round the ticket and each control. */
export const segmentsOf = (config) => 1 + config.rounds * (1 + config.controls.length);

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

/** `rounds` in the order one worker trains them: by level, the ticket first, then each control in `config.controls` order. */
export function inRunOrder(rounds, config) {
  const rank = (round) => (round.branch === 'ticket' ? -1 : config.controls.indexOf(round.branch));
  return [...rounds].sort((a, b) => a.level - b.level || rank(a) - rank(b));
}

