// A run split over workers: which worker trains which share of it, and the one results object
// made from theirs. Pure functions (no workers, no DOM), so node tests them directly.

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

const STATUS_ORDER = ['diverged', 'stopped', 'running', 'waiting', 'done'];

/** The worst of several runs' statuses (a diverged part makes the whole diverged, and so on). */
export const worstStatus = (statuses) => STATUS_ORDER.find((status) => statuses.includes(status)) ?? statuses[0];

/**
 * The results of a whole run from its workers' (`parts`, the ticket's first; null where a worker
 * had none), as one worker would have made them: the rounds in its order (the ticket at level 0,
 * then per level the ticket and each control in `config.controls` order), the whole run's
 * settings, the worst status and the first error, and throughput over all the workers' time.
 */
export function mergeResults(parts, config) {
  const present = parts.filter(Boolean);
  if (present.length <= 1) return present[0] ?? null;
  const rounds = inRunOrder(present.flatMap((part) => part.rounds), config);
  const sum = (values) => values.reduce((total, value) => total + value, 0);
  // Each part's examples and seconds, training and evaluation apart (a round's seconds are both).
  const trainSeconds = present.map((part) => part.train_seconds);
  const evaluationSeconds = present.map((part) => Math.max(0, sum(part.rounds.map((r) => r.seconds)) - part.train_seconds));
  const trained = present.map((part, i) => part.train_samples_per_second * trainSeconds[i]);
  const evaluated = present.map((part, i) => part.evaluation_samples_per_second * evaluationSeconds[i]);
  const perSecond = (count, seconds) => (seconds > 0 ? count / seconds : 0);
  return {
    ...present[0],
    status: worstStatus(present.map((part) => part.status)),
    error: present.find((part) => part.error)?.error ?? null,
    config,
    rounds,
    train_seconds: sum(trainSeconds),
    train_samples_per_second: perSecond(sum(trained), sum(trainSeconds)),
    evaluation_samples_per_second: perSecond(sum(evaluated), sum(evaluationSeconds)),
  };
}
