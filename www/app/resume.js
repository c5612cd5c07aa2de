// Resuming an interrupted run. After each of its rounds but the last, the ticket's worker posts a
// checkpoint: what the core needs to go on from the next level (src/checkpoint.rs). The page keeps
// the finished rounds and the latest checkpoint that every kept round allows (kept-runs.js), so
// that after a reload or a crashed tab the run can resume from there, with the numbers an
// uninterrupted run gives.
//
// A checkpoint taken after the ticket's round L resumes at level L + 1 (its ticket, then its
// controls). It is kept once every round of levels up to L is done: the controls of level L may
// still be training when it comes (in the same worker after the ticket, or, split over workers, a
// level or more behind). Rounds of later levels that finished before the interruption are
// trained again on resuming, to the same numbers, and replace the kept ones.
import { keepRounds } from './kept-runs.js';
import { segmentsOf } from './split.js';

/** True when the ticket and every control of `level` (the ticket alone at level 0) are in `rounds`, complete. */
function levelDone(rounds, config, level) {
  const branches = level === 0 ? ['ticket'] : ['ticket', ...config.controls];
  return branches.every((branch) => rounds.some((r) => r.branch === branch && r.level === level && r.complete));
}

/** The latest of `checkpoints` ({level, bytes}) from which every round before its resume level is in `rounds`, or null. */
export function usableCheckpoint(checkpoints, rounds, config) {
  const usable = checkpoints.filter(({ level }) => Array.from({ length: level + 1 }, (_, l) => l).every((l) => levelDone(rounds, config, l)));
  return usable.reduce((latest, checkpoint) => (latest && latest.level > checkpoint.level ? latest : checkpoint), null);
}

/** Whether `rounds` hold every segment of a run of `config`: it finished, and needs no resume. */
export const finishedAll = (rounds, config) => rounds.filter((r) => r.complete).length >= segmentsOf(config);

/**
 * The kept rounds a resume from `checkpoint` keeps: those of the levels before it resumes at, as
 * the core reports rounds (kept as the workers' round_done messages, with their `type`).
 */
export const roundsBefore = (rounds, checkpoint) => rounds.filter((r) => r.level <= checkpoint.level).map(({ type, ...round }) => round);

/**
 * What the offer after a reload says of a kept record, and whether it can resume: {text, checkpoint}
 * (checkpoint null when the run finished, or when none was kept).
 */
export function describeKept(record) {
  const { config, rounds, checkpoint } = record;
  const when = new Date(record.saved).toLocaleString();
  const count = `${rounds.length} round${rounds.length === 1 ? '' : 's'}`;
  const finished = `Your last run with these settings (${when}) finished ${count}`;
  if (finishedAll(rounds, config)) return { text: `${finished}: the whole run.`, checkpoint: null };
  const reached = Math.max(...rounds.filter((r) => r.branch === 'ticket').map((r) => r.level));
  const progress = `${finished} before it was interrupted; its ticket had reached round ${reached} of ${config.rounds}.`;
  if (!checkpoint) return { text: `${progress} It cannot be resumed (nothing to resume from was kept); Train runs it again.`, checkpoint: null };
  return { text: `${progress} Resuming continues it from round ${checkpoint.level + 1}, with the numbers an uninterrupted run gives.`, checkpoint };
}

/**
 * Keeps a live run's finished rounds and its latest usable checkpoint under its settings' hash,
 * replacing what was kept before. `start` with a null key keeps nothing (a run from an imported
 * ticket depends on its file too). `config` is the settings in force (the core's: a target's
 * rounds resolved).
 */
export class RunKeeper {
  start(key, resumedFrom = null) {
    Object.assign(this, { key, checkpoints: resumedFrom ? [resumedFrom] : [], kept: resumedFrom });
  }

  /** A checkpoint from the ticket's worker ({level, bytes}); kept with the rounds once usable. */
  checkpoint({ level, bytes }, rounds, config) {
    this.checkpoints.push({ level, bytes });
    this.keep(rounds, config);
  }

  /** Keeps `rounds` (the run's finished rounds, kept ones included) and the latest usable checkpoint. */
  keep(rounds, config) {
    if (this.key == null) return;
    this.kept = usableCheckpoint(this.checkpoints, rounds, config) ?? this.kept;
    // The ones before it are of no more use.
    this.checkpoints = this.checkpoints.filter(({ level }) => level >= (this.kept?.level ?? 0));
    keepRounds(this.key, config, rounds, this.kept);
  }
}
