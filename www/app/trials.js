// A run of several trials: trial t (from 0) trains seed + t, exactly as `lth imp --trials` does,
// one trial after another through the same workers (one or two each). Trials wraps a Trainers
// (`trials.trainers`, which the page also asks its questions of: see trainers.js): it runs one
// trial on it at a time and passes the Trainers' messages on with a second argument, the trial
// they come from ({index, seed, count}), and the progress's `done` covers the whole run.
// Each trial's end comes first as a 'trial_ended' message with that trial's results. A run
// resumed after a reload starts at its interrupted trial, with the finished ones' kept results.
// One done, stopped or error ends the run: with one trial its results are that run's, unchanged;
// with more, they are lth's summary, made by the core (src/trials.rs: every trial's results and the
// spread per branch and level). Pause, resume and stop act on the trial in progress; stop and an error keep every
// trial's results so far.
import { Trainers } from './trainers.js';

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
    this.trainers = new Trainers((message) => this.receive(message), cores);
    this.onMessage = onMessage;
    this.trial = null; // the trial in progress (or the last one), {index, seed, count}
    this.running = false;
  }

  /**
   * Starts `count` trials of `config` (and of the imported `ticket`, if any), from trial 0; or,
   * with `resume` (resume.js's describeKeptTrials), from trial `resume.trial`, after the results
   * of the trials before it (`resume.finished`), that trial resumed from `resume.checkpoint` (see
   * Trainers.run) or, without one, run from its start.
   */
  run(config, ticket = null, count = 1, resume = null) {
    const first = resume?.trial ?? 0;
    Object.assign(this, {
      base: config, ticket, count, first, resumeFrom: resume?.checkpoint ? resume : null, finished: [...(resume?.finished ?? [])],
      pauseAsked: false, stopping: false, running: true, startedAt: performance.now(),
    });
    this.start(first);
  }

  pause() {
    this.pauseAsked = true;
    this.trainers.pause();
  }

  resume() {
    this.pauseAsked = false;
    this.trainers.resume();
  }

  /** Stops the trial in progress and starts no other. */
  stop() {
    this.stopping = true;
    this.trainers.stop();
  }

  // --- inside ------------------------------------------------------------------------------

  start(index) {
    this.trial = { index, seed: this.base.seed + index, count: this.count };
    this.trainers.run({ ...this.base, seed: this.trial.seed }, this.ticket, index === this.first ? this.resumeFrom : null);
    if (this.pauseAsked) this.trainers.pause(); // paused as the last trial ended: the next one waits too
  }

  receive(message) {
    const { trial } = this;
    if (!this.running) {
      this.onMessage(message, null); // before any run: a failed start
      return;
    }
    switch (message.type) {
      case 'progress':
        this.onMessage({ ...message, done: (trial.index + message.done) / trial.count }, trial);
        break;
      case 'done':
        this.finished.push(message.results);
        this.onMessage({ type: 'trial_ended', results: message.results }, trial);
        if (trial.index + 1 < trial.count && !this.stopping) this.start(trial.index + 1);
        else this.finish(this.stopping ? 'stopped' : 'done', message);
        break;
      case 'stopped':
      case 'error':
        if (message.results) this.finished.push(message.results);
        this.onMessage({ type: 'trial_ended', results: message.results ?? null }, trial);
        this.finish(message.type, message);
        break;
      default:
        this.onMessage(message, trial);
    }
  }

  /** The run's last message: with several trials, their results together (the core's summary). */
  async finish(type, message) {
    this.running = false;
    const { trial, finished, startedAt } = this;
    if (trial.count === 1 || !finished.length) {
      this.onMessage({ ...message, type, results: trial.count === 1 ? message.results ?? null : null }, trial);
      return;
    }
    const wallSeconds = (performance.now() - startedAt) / 1000;
    try {
      const { results } = await this.trainers.trialsResults(finished[0].config, trial.count, finished, wallSeconds);
      this.onMessage({ ...message, type, results }, trial);
    } catch (error) {
      // No summary, but nothing computed is lost: every trial's results, and why the rows are missing.
      const why = `the summary over the trials could not be made (${error.workerMessage ?? error.message}); every trial's results are kept`;
      const results = { config: finished[0].config, trials: trial.count, seeds: finished.map((t) => t.config.seed), wall_seconds: wallSeconds, results: finished };
      this.onMessage({ type: 'error', message: message.message ? `${message.message}; ${why}` : why, results }, trial);
    }
  }
}
