// A run of several trials: trial t (from 0) trains seed + t, exactly as `lth imp --trials` does,
// one trial after another through the same Trainers (one or two workers each). It has the
// Trainers' interface, and passes their messages on with a second argument, the trial they come
// from: {index, seed, count}. The progress's `done` covers the whole run. One done, stopped or
// error ends the run: with one trial its results are that run's, unchanged; with more, they are
// lth's summary (summary.js: every trial's results and the spread per branch and level).
// Pause, resume and stop act on the trial in progress; stop and an error keep every trial's
// results so far. The per-round panels' data (round_views) come from the first trial only.
import { Trainers } from './trainers.js';
import { trialsResults } from './summary.js';

/** "Trial 2 of 3 (seed 6)", or '' for a run of one trial. */
export const trialLabel = (trial) => (trial?.count > 1 ? `Trial ${trial.index + 1} of ${trial.count} (seed ${trial.seed})` : '');

/** A status line, led by its trial's label when there are several: "Trial 2 of 3 (seed 6): training: …". */
export function withTrial(trial, text) {
  const label = trialLabel(trial);
  return label ? `${label}: ${text[0].toLowerCase()}${text.slice(1)}` : text;
}

export class Trials {
  /** `onMessage(message, trial)` receives the run's messages; `cores` caps the number of workers per trial. */
  constructor(onMessage, cores) {
    this.onMessage = onMessage;
    this.trainers = new Trainers((message) => this.receive(message), cores);
    this.trial = null; // the trial in progress (or the last one), {index, seed, count}
    this.running = false;
  }

  /** How many workers the current (or last) trial uses. */
  get workerCount() {
    return this.trainers.workerCount;
  }

  /** The settings in force of the trial in progress (or the last one): its seed, defaults filled in. */
  get settings() {
    return this.trainers.settings;
  }

  /** Starts `count` trials of `config` (and of the imported `ticket`, if any), from trial 0. */
  run(config, ticket = null, count = 1) {
    Object.assign(this, { config, ticket, count, finished: [], pausing: false, stopping: false, running: true, started: performance.now() });
    this.start(0);
  }

  readTicket(bytes) {
    this.trainers.readTicket(bytes);
  }

  pause() {
    this.pausing = true;
    this.trainers.pause();
  }

  resume() {
    this.pausing = false;
    this.trainers.resume();
  }

  /** Stops the trial in progress and starts no other. */
  stop() {
    this.stopping = true;
    this.trainers.stop();
  }

  /** The ticket file of round `level` of the trial the workers hold (the one in progress, or the last). */
  exportTicket(level) {
    this.trainers.exportTicket(level);
  }

  // --- inside ------------------------------------------------------------------------------

  start(index) {
    this.trial = { index, seed: this.config.seed + index, count: this.count };
    this.trainers.run({ ...this.config, seed: this.trial.seed }, this.ticket);
    if (this.pausing) this.trainers.pause(); // paused as the last trial ended: the next one waits too
  }

  receive(message) {
    const { trial } = this;
    if (!this.running) {
      this.onMessage(message, null); // before any run (ready, a failed start), or a ticket read or file after one
      return;
    }
    switch (message.type) {
      case 'progress':
        this.onMessage({ ...message, done: (trial.index + message.done) / trial.count }, trial);
        break;
      case 'round_views':
        if (trial.index === 0) this.onMessage(message, trial);
        break;
      case 'done':
        this.finished.push(message.results);
        if (trial.index + 1 < trial.count && !this.stopping) this.start(trial.index + 1);
        else this.end(this.stopping ? 'stopped' : 'done', message);
        break;
      case 'stopped':
      case 'error':
        if (message.results) this.finished.push(message.results);
        this.end(message.type, message);
        break;
      default:
        this.onMessage(message, trial);
    }
  }

  /** The run's last message: with several trials, their results together. */
  end(type, message) {
    this.running = false;
    const { trial, finished } = this;
    const results = trial.count === 1 ? message.results ?? null
      : finished.length ? trialsResults(finished[0].config, trial.count, finished, (performance.now() - this.started) / 1000) : null;
    this.onMessage({ ...message, type, results }, trial);
  }
}
