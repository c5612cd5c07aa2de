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
//
// A run of several trials is kept trial by trial, each under its one-seed link (a trial is the
// run of its seed alone, bit for bit): describeKeptTrials reads the records of seeds seed,
// seed + 1, … in trial order, and a resume goes on from the first trial that did not finish.
// A run that diverged is not offered a resume: it would diverge again at the same point.
//
// Which rounds a run has, and in which order, is the core's word (`order`: the run's segments as
// [{branch, level}], sent with the 'started' message; src/experiment/schedule.rs, run_order), kept
// in each record beside its rounds. A record kept by an earlier version of the page has none: it
// can be shown, but not resumed.
import { keepRounds } from './kept-runs.js';
import { inWords } from './wording.js';

const isSegment = (round, segment) => round.branch === segment.branch && round.level === segment.level;
const hasFinished = (rounds, segment) => rounds.some((round) => round.complete && isSegment(round, segment));

/**
 * The latest of `checkpoints` ({level, bytes}) from which every segment of `order` before its resume
 * level is in `rounds`, finished; or null (also without an order).
 */
export function usableCheckpoint(checkpoints, rounds, order) {
  if (!order) return null;
  const usable = checkpoints.filter(({ level }) => order.filter((segment) => segment.level <= level).every((segment) => hasFinished(rounds, segment)));
  return usable.reduce((latest, checkpoint) => (latest && latest.level > checkpoint.level ? latest : checkpoint), null);
}

/** Whether `rounds` hold every segment of the run's `order`, finished: it needs no resume. */
export const finishedAll = (rounds, order) => Boolean(order?.length) && order.every((segment) => hasFinished(rounds, segment));

/** `rounds` in the run's `order` (as they were kept, without one); a round not in it comes last. */
export function inRunOrder(rounds, order) {
  if (!order) return rounds;
  const rank = (round) => {
    const index = order.findIndex((segment) => isSegment(round, segment));
    return index < 0 ? order.length : index;
  };
  return [...rounds].sort((a, b) => rank(a) - rank(b));
}

/**
 * The kept rounds a resume from `checkpoint` keeps: those of the levels before it resumes at, as
 * the core reports rounds (kept as the workers' round_done messages, with their `type`).
 */
export const roundsBefore = (rounds, checkpoint) => rounds.filter((r) => r.level <= checkpoint.level).map(({ type, ...round }) => round);

/** Whether a kept run ended in a divergence (a NaN or infinite loss): its `ended` results say so. */
const diverged = (record) => record?.ended?.status === 'diverged';

/** The highest level the ticket of a kept run finished (-1: none). */
const ticketReached = (rounds) => Math.max(-1, ...rounds.filter((r) => r.branch === 'ticket').map((r) => r.level));

const NOTHING_TO_RESUME_FROM = 'It cannot be resumed (nothing to resume from was kept); Train runs it again.';
const KEPT_BY_AN_EARLIER_PAGE = 'It was kept by an earlier version of this page, which did not keep what resuming needs: Show draws its rounds, and Train runs it again.';

/** A diverged run's offer: the core's message names the setting to change. */
const divergedText = (record) => `It diverged (${record.ended.error}), so resuming would diverge again at the same point: change that setting and press Train.`;

/**
 * A finished kept run as its results: those kept when it ended (without their rounds; a record kept
 * before it could say so is a run that finished) with its finished rounds, in run order.
 */
export const keptResults = (record) => ({
  status: 'done', error: null, ...record.ended, config: record.config, rounds: inRunOrder(record.rounds.map(({ type, ...round }) => round), record.order),
});

/**
 * What the offer after a reload says of a kept record, and whether it can resume: {text, checkpoint}
 * (checkpoint null when the run finished or diverged, or when none was kept).
 */
export function describeKept(record) {
  const { config, rounds, checkpoint } = record;
  const when = new Date(record.saved).toLocaleString();
  const last = `Your last run with these settings (${when})`;
  // Rounds are counted one way: pruning rounds (levels), the ticket's; round 0 is the dense network.
  const reached = ticketReached(rounds);
  const where = reached < 0 ? 'before its first round ended' : `after round ${reached} of ${config.rounds}`;
  if (diverged(record)) return { text: `${last} ended ${where}. ${divergedText(record)}`, checkpoint: null };
  if (!record.order) return { text: `${last} ended ${where}. ${KEPT_BY_AN_EARLIER_PAGE}`, checkpoint: null };
  if (finishedAll(rounds, record.order)) return { text: `${last} finished all ${config.rounds} round${config.rounds === 1 ? '' : 's'}.`, checkpoint: null };
  const progress = `${last} was interrupted ${where}.`;
  if (!checkpoint) return { text: `${progress} ${NOTHING_TO_RESUME_FROM}`, checkpoint: null };
  return { text: `${progress} Resume continues it from round ${checkpoint.level + 1}, with the numbers an uninterrupted run gives.`, checkpoint };
}

/** "1", "1 and 2", "1, 2 and 3": trial numbers (from 1) in words. */
const numbersInWords = (count) => inWords(Array.from({ length: count }, (_, index) => index + 1));

/**
 * What the offer after a reload says of a run of `count` trials from `seed`, given the kept record
 * of each trial's seed (`records`, null where none; with one trial, describeKept's words), and
 * what it can do: {text, trials, resume}.
 * The run is read in trial order up to the first trial that did not finish (later records are of
 * another run); `trials` lists the kept rounds of each trial read, for Show them. `resume` (null
 * when the run finished or diverged) is what Trials.run resumes: {trial, finished (the results of
 * the trials before it), checkpoint ({level, bytes}, or null to run that trial again from its
 * start), rounds and views (its kept rounds and panel views before the checkpoint's next level),
 * drawn (see resumeOf)}. Each of `trials` is {rounds, views}.
 */
export function describeKeptTrials(records, count, seed) {
  if (count === 1) {
    const [record] = records;
    const { text, checkpoint } = describeKept(record);
    return { text, trials: [keptViews(record)], resume: checkpoint && resumeOf([], record, checkpoint) };
  }
  if (records.some((record) => record && !record.order)) {
    const missing = records.findIndex((record) => !record);
    const trials = (missing < 0 ? records : records.slice(0, missing)).map(keptViews); // up to the first trial not kept
    return { text: `Your last run of ${count} trials with these settings: ${KEPT_BY_AN_EARLIER_PAGE}`, trials, resume: null };
  }
  const done = records.findIndex((record) => !record || diverged(record) || !finishedAll(record.rounds, record.order));
  const finishedCount = done === -1 ? count : done;
  const read = records.slice(0, Math.min(finishedCount + 1, count));
  const trials = read.map(keptViews);
  const when = new Date(Math.max(...read.map((record) => record?.saved ?? 0))).toLocaleString();
  const finished = finishedCount ? `Trial${finishedCount === 1 ? '' : 's'} ${numbersInWords(finishedCount)} of ${count} finished` : `No trial of ${count} finished`;
  const lead = `Your last run of ${count} trials with these settings (${when}): ${finished}`;
  if (finishedCount === count) return { text: `${lead}: the whole run.`, trials, resume: null };
  const interrupted = records[finishedCount];
  const name = `trial ${finishedCount + 1} (seed ${seed + finishedCount})`;
  const rounds = interrupted?.rounds ?? [];
  const reached = ticketReached(rounds);
  const progress = reached < 0 ? `${name} had not finished a round` : `${name} reached round ${reached} of ${interrupted.config.rounds}`;
  if (diverged(interrupted)) return { text: `${lead}; ${progress}. ${divergedText(interrupted)}`, trials, resume: null };
  const checkpoint = interrupted?.checkpoint ?? null;
  if (!checkpoint && !finishedCount) return { text: `${lead}; ${progress}. ${NOTHING_TO_RESUME_FROM}`, trials, resume: null };
  const from = checkpoint ? `continues it from round ${checkpoint.level + 1}` : 'runs it again from its start';
  const rest = finishedCount + 1 < count ? ', then the trials after it' : '';
  return {
    text: `${lead}; ${progress}. Resuming ${from}${rest}, with the numbers an uninterrupted run gives.`,
    trials,
    resume: resumeOf(records.slice(0, finishedCount), interrupted, checkpoint),
  };
}

/** What a kept trial draws: its finished rounds and its ticket rounds' panel views (none kept: empty). */
const keptViews = (record) => ({ rounds: record?.rounds ?? [], views: record?.views ?? [] });

/**
 * A resume (see describeKeptTrials) after the `finished` trials' records, of the `interrupted`
 * trial's record (or null) from `checkpoint` (or, null, from its start); `drawn` is what it
 * draws first: each finished trial, and the interrupted one's kept rounds and views before the
 * level it resumes at.
 */
function resumeOf(finished, interrupted, checkpoint) {
  const before = (items) => (checkpoint ? roundsBefore(items ?? [], checkpoint) : []);
  const resumed = { rounds: before(interrupted?.rounds), views: before(interrupted?.views) };
  return { trial: finished.length, finished: finished.map(keptResults), checkpoint, ...resumed, drawn: [...finished.map(keptViews), resumed] };
}

/**
 * Keeps a live run's finished rounds, its latest usable checkpoint and its ticket rounds' panel
 * views (the round_views messages) under its settings' hash, replacing what was kept before.
 * `start` with a null key keeps nothing (a run from an imported ticket depends on its file too);
 * a resumed run starts from its checkpoint and the views kept before it. `config` is the settings
 * in force (the core's: a target's rounds resolved).
 */
export class RunKeeper {
  /** `onFailure(message)` hears of a write that did not reach the disk (once a run). */
  constructor(onFailure = () => {}) {
    this.onFailure = onFailure;
  }

  start(key, resumedFrom = null, views = []) {
    this.failed = false;
    Object.assign(this, { key, checkpoints: resumedFrom ? [resumedFrom] : [], kept: resumedFrom, views: [...views], rounds: null, config: null, order: null, ended: null });
  }

  /** A checkpoint from the ticket's worker ({level, bytes}); kept with the rounds once usable. */
  checkpoint({ level, bytes }, rounds, config, order) {
    this.checkpoints.push({ level, bytes });
    this.keep(rounds, config, order);
  }

  /**
   * Keeps `rounds` (the run's finished rounds, kept ones included) and the latest usable checkpoint;
   * `config` and `order` are the core's (the settings in force, the run's segments in order).
   */
  keep(rounds, config, order) {
    if (this.key == null) return;
    this.kept = usableCheckpoint(this.checkpoints, rounds, order) ?? this.kept;
    // The ones before it are of no more use.
    this.checkpoints = this.checkpoints.filter(({ level }) => level >= (this.kept?.level ?? 0));
    Object.assign(this, { rounds, config, order });
    this.write();
  }

  /** A finished ticket round's panel views (a round_views message, after its round_done), kept beside it. */
  view({ type, ...views }) {
    this.views.push(views);
    this.write();
  }

  /**
   * The run ended (done, stopped or diverged) with these `results`: they are kept beside its rounds
   * (without them: the rounds are kept already), so that a reload knows how it ended.
   */
  end(results) {
    if (!results) return;
    const { rounds, ...ended } = results;
    this.ended = ended;
    this.write();
  }

  write() {
    if (this.key == null || !this.rounds) return; // no round kept yet: the last run's record stays
    const { config, order, rounds, kept: checkpoint, views, ended } = this;
    keepRounds(this.key, { config, order, rounds, checkpoint, views, ended }).catch((error) => {
      if (!this.failed) this.onFailure(error.message);
      this.failed = true;
    });
  }
}
