// A run of several trials: trial t (from 0) trains seed + t, exactly as `lth imp --trials` does.
// On a machine with cores to spare, several trials train side by side: the run's trials are dealt
// to lanes (split.js's planLanes), each lane a Trainers with its own workers (trainers.js) that
// takes the next trial when its last one ends. A trial's numbers do not depend on its lane.
//
// The page sees the trials one after another, as if one lane had run them: Trials passes on the
// messages of the trial on show (the first that has not ended), with a second argument, the trial
// they come from ({index, seed, count}), and holds back those of the trials training beside it
// until their turn comes, when they are passed on in order. Each trial's end comes first as a
// 'trial_ended' message with that trial's results. The progress is the whole run's: its `done`
// covers every trial, its speed and memory every lane's, and `besides` lists the trials training
// beside the one on show. A run resumed after a reload starts at its interrupted trial, with the
// finished ones' kept results. The run ends once every trial started has ended: with one trial its
// results are that run's, unchanged; with more, they are lth's summary, made by the core
// (src/trials.rs: every trial's results and the spread per branch and level). Pause, resume and
// stop act on every trial in progress; stop and an error keep every trial's results so far.
//
// `trials.trainers` is the Trainers of the trial on show (or of the last one shown), which holds
// its networks: the page asks its questions of it (see trainers.js).
import { MnistCourier, Trainers } from './trainers.js';
import { planLanes } from './split.js';
import { BRANCH_ORDER } from './run-trials.js';

/** "Trial 2 of 3 (seed 6)", or '' for a run of one trial. */
export const trialLabel = (trial) => (trial?.count > 1 ? `Trial ${trial.index + 1} of ${trial.count} (seed ${trial.seed})` : '');

/** A status line, led by its trial's label when there are several: "Trial 2 of 3 (seed 6): training: …". */
export function withTrial(trial, text) {
  const label = trialLabel(trial);
  return label ? `${label}: ${text[0].toLowerCase()}${text.slice(1)}` : text;
}

/** Terminal messages: a trial's end. */
const ENDS = ['done', 'stopped', 'error'];

/** A round's place in a trial's order: level, then branch (as run-state.js ranks the curves). */
const roundRank = ({ level, branch }) => level * BRANCH_ORDER.length + BRANCH_ORDER.indexOf(branch);

/**
 * A held trial's messages without the evaluations of rounds older than the newest one begun: the
 * learning curves show only the newest round (run-state.js), so those would be drawn and replaced
 * at once, and a trial held back through the paper's schedule holds thousands of them. Its
 * rounds keep every evaluation (round_done).
 */
function withoutOlderCurves(held) {
  const newest = Math.max(...held.filter((m) => m.type === 'evaluation').map(roundRank));
  return held.filter((m) => m.type !== 'evaluation' || roundRank(m) === newest);
}

export class Trials {
  /**
   * `onMessage(message, trial)` receives the run's messages; `cores` is the machine's, which the
   * lanes share; `makeTrainers(onMessage, cores, courier)` makes a lane's Trainers (node tests
   * give it stand-ins).
   */
  constructor(onMessage, cores, makeTrainers = (...args) => new Trainers(...args)) {
    Object.assign(this, { onMessage, cores, makeTrainers });
    this.courier = new MnistCourier(); // one download of MNIST for every lane's workers
    this.lanes = [this.newLane()]; // started as runs need them, and kept (with their workers) for later runs
    this.active = []; // the current run's lanes
    this.records = []; // the current run's trials by index: {trial, lane, held (messages not passed on yet), ended, settings, order}
    this.shown = null; // the record of the trial on show
    this.running = false;
  }

  /** The trial on show (or the last one shown): {index, seed, count}. */
  get trial() {
    return this.shown?.trial ?? null;
  }

  /** The Trainers that holds the networks of the trial on show, which the page asks its questions of. */
  get trainers() {
    return (this.shown?.lane ?? this.lanes[0]).trainers;
  }

  /** The settings in force of the trial on show (the core's, defaults filled in), once it has started (else undefined). */
  get settings() {
    return this.shown?.settings;
  }

  /** The segments of the trial on show in order, [{branch, level}], once it has started (else undefined). */
  get order() {
    return this.shown?.order;
  }

  /** How many workers the current (or last) run uses, over every lane. */
  get workerCount() {
    return this.active.reduce((total, lane) => total + lane.trainers.workerCount, 0);
  }

  /** Each worker's core memory (bytes), lane after lane (see Trainers.workerMemory). */
  workerMemory() {
    return this.active.flatMap((lane) => lane.trainers.workerMemory());
  }

  /**
   * Starts `count` trials of `config` (and of the imported `ticket`, if any), from trial 0; or,
   * with `resume` (resume.js's describeKeptTrials), from trial `resume.trial`, after the results
   * of the trials before it (`resume.finished`), that trial resumed from `resume.checkpoint` (see
   * Trainers.run) or, without one, run from its start.
   */
  run(config, ticket = null, count = 1, resume = null) {
    const first = resume?.trial ?? 0;
    const plan = planLanes(config, this.cores, count - first);
    while (this.lanes.length < plan.lanes) this.lanes.push(this.newLane());
    for (const idle of this.lanes.slice(plan.lanes)) idle.trainers.close(); // an earlier run's, which this one does not use
    Object.assign(this, {
      base: config, ticket, count, first, resumeFrom: resume?.checkpoint ? resume : null, finished: [...(resume?.finished ?? [])],
      pauseAsked: false, pausedShown: false, stopping: false, error: null, running: true, startedAt: performance.now(),
      active: this.lanes.slice(0, plan.lanes), records: [], next: first, shown: null,
    });
    for (const lane of this.active) {
      lane.trainers.cores = plan.cores;
      this.startNext(lane);
    }
    this.shown = this.records[first];
  }

  pause() {
    this.pauseAsked = true;
    for (const lane of this.busyLanes()) lane.trainers.pause();
  }

  resume() {
    this.pauseAsked = false;
    for (const lane of this.busyLanes()) {
      lane.paused = false;
      lane.trainers.resume();
    }
  }

  /** Stops the trials in progress and starts no other. */
  stop() {
    this.stopping = true;
    for (const lane of this.busyLanes()) lane.trainers.stop();
  }

  // --- inside ------------------------------------------------------------------------------

  newLane() {
    const lane = { trainers: null, record: null, progress: null, paused: false };
    lane.trainers = this.makeTrainers((message) => this.receive(lane, message), this.cores, this.courier);
    return lane;
  }

  /** The lanes of the run training a trial now. */
  busyLanes() {
    return this.active.filter((lane) => lane.record);
  }

  /** `lane` takes the run's next trial, if one is left to start. */
  startNext(lane) {
    if (this.stopping || this.error || this.next >= this.count) return;
    const index = this.next++;
    const trial = { index, seed: this.base.seed + index, count: this.count };
    const record = { trial, lane, held: [], ended: false }; // settings and order once it has started
    this.records[index] = record;
    Object.assign(lane, { record, progress: null, paused: false });
    lane.trainers.run({ ...this.base, seed: trial.seed }, this.ticket, index === this.first ? this.resumeFrom : null);
    if (this.pauseAsked) lane.trainers.pause(); // paused as another trial ended: this one waits too
  }

  receive(lane, message) {
    const { record } = lane;
    if (!this.running || !record || message.type === 'loading') {
      this.onMessage(message, record?.trial ?? null); // MNIST's download, or before any run: a failed start
      return;
    }
    switch (message.type) {
      case 'progress':
        lane.progress = message;
        this.showProgress();
        return;
      case 'paused':
        lane.paused = true;
        this.checkPaused();
        return;
      case 'resumed':
        if (this.pausedShown) {
          this.pausedShown = false;
          this.onMessage(message, this.trial);
        }
        return;
      case 'started':
        record.settings = lane.trainers.settings;
        record.order = lane.trainers.order;
        break;
      default:
    }
    if (ENDS.includes(message.type)) {
      record.ended = true;
      Object.assign(lane, { record: null, progress: null });
      if (message.type === 'error' && !this.error) {
        this.error = { message, trial: record.trial };
        for (const other of this.busyLanes()) other.trainers.stop();
      }
      if (message.type === 'done') this.startNext(lane);
      this.checkPaused();
    }
    if (record === this.shown) this.pass(record, message);
    else record.held.push(message);
  }

  /** Passes on a message of the trial on show; at its end, the next trial's held ones follow. */
  pass(record, message) {
    if (!ENDS.includes(message.type)) {
      this.onMessage(message, record.trial);
      return;
    }
    if (message.results) this.finished.push(message.results);
    this.onMessage({ type: 'trial_ended', results: message.results ?? null }, record.trial);
    const next = this.records[record.trial.index + 1];
    if (!next) {
      this.finish(message, record.trial);
      return;
    }
    this.shown = next;
    next.held = withoutOlderCurves(next.held);
    while (next.held.length && this.shown === next) this.pass(next, next.held.shift());
  }

  /** Paused once every lane still training has paused. */
  checkPaused() {
    const busy = this.busyLanes();
    if (this.pauseAsked && !this.pausedShown && busy.length && busy.every((lane) => lane.paused)) {
      this.pausedShown = true;
      this.onMessage({ type: 'paused' }, this.trial);
    }
  }

  /** The whole run's progress, shown with the parts of the trial on show (once it has reported). */
  showProgress() {
    const shownLane = this.shown?.lane;
    if (!shownLane?.progress || shownLane.record !== this.shown) return;
    const reporting = this.busyLanes().filter((lane) => lane.progress);
    const ended = this.first + this.records.filter((record) => record?.ended).length;
    const done = (ended + reporting.reduce((total, lane) => total + lane.progress.done, 0)) / this.count;
    this.onMessage({
      ...shownLane.progress,
      done,
      samples_per_second: reporting.reduce((total, lane) => total + lane.progress.samples_per_second, 0),
      worker_memory_bytes: this.workerMemory(),
      besides: this.busyLanes().filter((lane) => lane !== shownLane).map((lane) => lane.record.trial).sort((a, b) => a.index - b.index),
    }, this.trial);
  }

  /**
   * The run's last message, after the last trial's end (`message`, of `trial`): with several
   * trials, their results together (the core's summary). An error anywhere ends the run as an
   * error, a stop as stopped.
   */
  async finish(message, trial) {
    this.running = false;
    const type = this.error ? 'error' : this.stopping ? 'stopped' : message.type;
    const last = this.error ? this.error.message : message;
    const about = this.error ? this.error.trial : trial;
    const { finished, startedAt, count } = this;
    if (count === 1 || !finished.length) {
      this.onMessage({ ...last, type, results: count === 1 ? last.results ?? null : null }, about);
      return;
    }
    const wallSeconds = (performance.now() - startedAt) / 1000;
    try {
      const { results } = await this.trainers.trialsResults(finished[0].config, count, finished, wallSeconds);
      this.onMessage({ ...last, type, results }, about);
    } catch (error) {
      // No summary, but nothing computed is lost: every trial's results, and why the rows are missing.
      const why = `the summary over the trials could not be made (${error.workerMessage ?? error.message}); every trial's results are kept`;
      const results = { config: finished[0].config, trials: count, seeds: finished.map((t) => t.config.seed), wall_seconds: wallSeconds, results: finished };
      this.onMessage({ type: 'error', message: last.message ? `${last.message}; ${why}` : why, results }, about);
    }
  }
}
