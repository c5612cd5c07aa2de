// How the page words what it shows: shares as percentages, the branches, a round, a duration.

export const percent = (fraction) => `${(fraction * 100).toFixed(2)}%`;

export const BRANCH_NAMES = { ticket: 'ticket', random_reinit: 'random re-init', random_prune: 'random pruning' };

/** "— dense network", or "— ticket, round 2, 51.2% of weights" (the share once known). */
export function segmentLabel(branch, level, share) {
  if (level === 0) return '— dense network';
  return `— ${BRANCH_NAMES[branch]}, round ${level}${share ? `, ${share.toFixed(1)}% of weights` : ''}`;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

/** "a", "a and b", "a, b and c". */
export function inWords(items) {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}
