// The bridge to the training workers (worker.js). A run goes to one worker, or, when it has
// controls and the machine has cores to spare, is split (split.js): one worker trains the ticket
// and posts each new mask, which is forwarded to the workers that train the controls. The page
// sees one stream of the worker's messages and one results object, as if one worker had run it:
// pause, resume and stop go to every worker; an error in one stops the others; the run ends when
// every worker has ended. Progress comes as {type:'progress', parts, done, segments, samples_per_second},
// with each worker's latest progress in `parts`. A resumed run gives every worker the checkpoint,
// and its results hold the rounds kept from before the interruption too. MNIST is downloaded
// once (mnist.js) by an MnistCourier, which the Trainers of trials training side by side share,
// with its progress as {type:'loading', file, loaded, total, cached} messages, and each worker is
// handed a copy of the bytes; once a worker has accepted them they are kept in Cache Storage for
// the next visit. The page's questions to a worker (a ticket's
// settings, what a config means, a ticket file, a classification, a test image, the summary over
// trials, the curves' CSV) are rpc.js requests:
// each method returns a promise of the answer.
import { connect } from './rpc.js';
import { planWorkers } from './split.js';
import { downloadMnist } from './mnist.js';

const WORKER_URL = new URL('../worker.js', import.meta.url);

/**
 * Hands MNIST to workers: downloads it (or reads it from the browser's cache) and decompresses it
 * once for all the workers asking in the same turn of the event loop (every lane's of a run), and
 * hands each a copy; the last is given the page's own (transferred), so the page then holds none.
 * Each worker's core keeps its copy for all its runs; a worker started later gets the files afresh,
 * from the cache. A failed download is reported to the workers, whose runs then fail with its
 * message, and tried again on the next run.
 */
export class MnistCourier {
  constructor() {
    this.handed = new Set(); // the workers that have been handed the files, or are being
    this.queue = []; // the workers waiting for this turn's download
    this.remember = null; // keeps the last download's files for the next visit (mnist.js), once a worker has accepted them
  }

  /** Gives `workers` the files, those that do not have them; `onLoading(message)` hears the download's progress. */
  hand(workers, onLoading) {
    const needing = workers.filter((w) => !this.handed.has(w));
    if (!needing.length) return;
    for (const worker of needing) this.handed.add(worker);
    const first = !this.queue.length;
    this.queue.push(...needing);
    if (first) queueMicrotask(() => this.deliver(onLoading));
  }

  /** A worker accepted the files: keep them for the next visit. */
  accepted() {
    this.remember?.();
  }

  /** A worker that ended: a new one in its place is handed the files afresh. */
  forget(worker) {
    this.handed.delete(worker);
  }

  deliver(onLoading) {
    const needing = this.queue;
    this.queue = [];
    downloadMnist((file, loaded, total, cached) => onLoading({ type: 'loading', file, loaded, total, cached })).then(({ files, remember }) => {
      this.remember = remember;
      needing.forEach((worker, index) => {
        const last = index === needing.length - 1;
        worker.post('mnist', { files }, last ? [...new Set(files.map((file) => file.buffer))] : []);
      });
    }, (error) => {
      for (const worker of needing) {
        this.handed.delete(worker);
        worker.post('mnist', { error: error.message });
      }
    });
  }
}

export class Trainers {
  /**
   * `onMessage(message)` receives the run's messages; `cores` caps the number of workers; `courier`
   * hands them MNIST (shared by the Trainers of trials that train side by side).
   */
  constructor(onMessage, cores, courier = new MnistCourier()) {
    this.onMessage = onMessage;
    this.cores = cores;
    this.courier = courier;
    this.workers = []; // started on first use and kept for later runs (each keeps its MNIST bytes)
    this.parts = []; // the current run's workers, the ticket's first
    // No worker yet: the first is started (and loads the core) when the page first asks something
    // of it, so an embed that only shows a finished run loads no WebAssembly.
  }

  /** How many workers the current (or last) run uses. */
  get workerCount() {
    return this.parts.length;
  }

  /**
   * Starts a run; `ticket` (a safetensors file's bytes) starts it from an imported ticket, in every
   * worker. `resume` ({checkpoint: {level, bytes}, rounds}) resumes one at the level after the
   * checkpoint's; `rounds` are the rounds kept from before, which the results then hold too.
   */
  run(config, ticket = null, resume = null) {
    // Not `resume`: that is the method that resumes a paused run.
    Object.assign(this, { config, settings: config, segments: null, order: null, error: null, pausing: false, pausedShown: false, resumedFrom: resume });
    this.parts = planWorkers(config, this.cores).map((plan, index) => ({
      ...plan, worker: this.workerAt(index), progress: null, waiting: false, paused: false, ended: false, results: null,
    }));
    const checkpoint = resume?.checkpoint.bytes;
    for (const { worker, share, config: shareConfig } of this.parts) worker.post('run', { config: shareConfig, share, ticket, checkpoint });
    this.courier.hand(this.parts.map((part) => part.worker), this.onMessage);
  }

  /** What settings a ticket file holds: a promise of {config}, from the first worker. */
  readTicket(bytes) {
    return this.ask(this.workerAt(0), 'read_ticket', { bytes });
  }

  /** The core's check of a config: a promise of {config, plan} (or its refusal), from the first worker. */
  checkSettings(config) {
    return this.ask(this.workerAt(0), 'check_settings', { config });
  }

  /**
   * The results file of a run of `count` trials of `config` (trial 0's settings), of which
   * `trials` (their results, in seed order) have run, in `wallSeconds`: lth's summary with the
   * run's status, first error and every trial's results (src/trials.rs). A promise of {results}.
   */
  trialsResults(config, count, trials, wallSeconds) {
    return this.ask(this.workerAt(0), 'trials_results', { config, count, trials, wall_seconds: wallSeconds });
  }

  /** Every evaluation of `trials` (results objects) as `lth imp`'s curves.csv: a promise of {csv}. */
  curvesCsv(trials) {
    return this.ask(this.workerAt(0), 'curves_csv', { trials });
  }

  pause() {
    this.pausing = true;
    this.tell('pause', (part) => { part.paused = false; });
  }

  resume() {
    this.pausing = false;
    this.tell('resume');
  }

  stop() {
    this.tell('stop');
  }

  /** Round `level`'s ticket file: a promise of {level, bytes}, from the worker that holds the ticket (the first). */
  exportTicket(level) {
    return this.ask(this.parts[0]?.worker, 'export_ticket', { level });
  }

  /**
   * How the dense network and the ticket of round `level` classify `pixels` (784 values in
   * [0, 1]): a promise of {level, dense, ticket}, from the worker that holds the ticket's rounds.
   */
  classify(level, pixels) {
    return this.ask(this.parts[0]?.worker, 'classify', { level, pixels });
  }

  /** MNIST's test image `index`: a promise of {index, pixels, label}, from the first worker. */
  testImage(index) {
    return this.ask(this.parts[0]?.worker, 'test_image', { index });
  }

  // --- inside ------------------------------------------------------------------------------

  workerAt(index) {
    if (!this.workers[index]) {
      const worker = connect(WORKER_URL, 'the training worker', {
        onEvent: (message) => this.receive(worker, message),
        onError: (event) => this.receive(worker, {
          type: 'error',
          message: `the training worker failed to start (${event.message ?? 'no details'}); this page needs a browser with module workers and WebAssembly SIMD`,
        }),
      });
      this.workers[index] = worker;
    }
    return this.workers[index];
  }

  /**
   * A request to `worker` (see rpc.js); a core failure in answering it retires the worker. The
   * promise rejects with the worker's words as the error's `workerMessage`.
   */
  ask(worker, type, payload) {
    const none = 'there is no run in this page: press Train first';
    if (!worker) return Promise.reject(Object.assign(new Error(`the training worker: ${none}`), { workerMessage: none }));
    return worker.call(type, payload).catch((error) => {
      if (error.internal) this.retire(worker);
      throw error;
    });
  }

  /**
   * Ends a worker whose core failed (its wasm instance cannot be loaded afresh in it): the next run
   * or request starts a new one in its place; requests about the ended run go nowhere.
   */
  retire(worker) {
    worker.terminate();
    this.workers = this.workers.map((w) => (w === worker ? undefined : w));
    this.courier.forget(worker);
  }

  /** Ends every worker, and their memory goes back (a lane the next run does not use); new ones start when asked. */
  close() {
    for (const worker of this.workers.filter(Boolean)) this.retire(worker);
    this.parts = [];
  }

  /** Posts `type` to every worker of the run that has not ended. */
  tell(type, before = () => {}) {
    for (const part of this.parts.filter((p) => !p.ended)) {
      before(part);
      part.worker.post(type);
    }
  }

  receive(worker, message) {
    if (message.internal) this.retire(worker); // its core failed: a new worker takes its place
    const part = this.parts.find((p) => p.worker === worker);
    if (!part) {
      this.onMessage(message); // before any run: a failed start
      return;
    }
    if (part.ended) return;
    const lead = part === this.parts[0];
    switch (message.type) {
      case 'started':
        this.courier.accepted(); // a worker accepted MNIST: keep it for the next visit
        if (lead) {
          this.settings = message.config; // the settings in force, defaults filled in
          this.segments = message.segments; // the core's count: a target's rounds resolved
          this.order = message.order; // the whole run's segments in order, [{branch, level}]
          this.onMessage(message);
        }
        break;
      case 'progress':
        Object.assign(part, { progress: message, waiting: false });
        this.showProgress();
        break;
      case 'waiting':
        part.waiting = true;
        this.showProgress();
        break;
      case 'evaluation':
        // Every worker's: the page's curves choose the newest round begun (main.js).
        this.onMessage(message);
        break;
      case 'ticket_mask':
      case 'rewind_params':
        this.forward(message);
        break;
      case 'paused':
        part.paused = true;
        this.checkPaused();
        break;
      case 'resumed':
        if (this.pausedShown) {
          this.pausedShown = false;
          this.onMessage(message);
        }
        break;
      case 'done':
      case 'stopped':
      case 'error':
        this.end(part, message);
        break;
      default:
        this.onMessage(message); // round_done, and the ticket worker's round_views
    }
  }

  /** A ticket's mask or θk, to every controls worker (the last one gets the buffer itself). */
  forward(message) {
    const key = message.type === 'ticket_mask' ? 'mask' : 'params';
    const targets = this.parts.filter((p) => p.share === 'controls' && !p.ended);
    targets.forEach((part, index) => {
      const { type, ...copy } = index === targets.length - 1 ? message : { ...message, [key]: message[key].slice() };
      part.worker.post(type, copy, [copy[key].buffer]);
    });
  }

  async end(part, message) {
    Object.assign(part, { ended: true, results: message.results ?? null });
    const others = this.parts.filter((p) => !p.ended);
    if (message.type === 'error' && !this.error) {
      this.error = message.message;
      for (const other of others) other.worker.post('stop');
    }
    if (message.type === 'done' && part.share === 'ticket') {
      for (const other of others) other.worker.post('inputs_finished');
    }
    if (others.length) {
      this.checkPaused();
      return;
    }
    this.report(await this.wholeRun());
  }

  /** The run's last message, once every worker has ended: its error, a stop, or done. */
  report(results) {
    if (this.error) this.onMessage({ type: 'error', message: this.error, results });
    else if (this.parts.some((p) => p.results?.status === 'stopped')) this.onMessage({ type: 'stopped', results });
    else this.onMessage({ type: 'done', results });
  }

  /**
   * The run's results: its workers' merged by the core (src/parts.rs: the rounds in run order, the
   * worst status, throughput over every worker's time), with the rounds kept from before a resume
   * and the level it resumed at. Asked of the first worker (a new one if its core failed); with no
   * core to ask, the ticket worker's own results.
   */
  async wholeRun() {
    const parts = this.parts.map((p) => p.results).filter(Boolean);
    const earlier = this.resumedFrom?.rounds ?? [];
    if (!parts.length) return null;
    let results = parts[0];
    if (parts.length > 1 || earlier.length) {
      try {
        ({ results } = await this.ask(this.workerAt(0), 'whole_run', { parts, earlier, config: this.settings }));
      } catch (error) {
        this.error ??= error.workerMessage ?? error.message;
      }
    }
    return this.resumedFrom ? { ...results, resumed_at_level: this.resumedFrom.checkpoint.level + 1 } : results;
  }

  /** Paused once every worker still running has paused. */
  checkPaused() {
    const live = this.parts.filter((p) => !p.ended);
    if (this.pausing && live.length && live.every((p) => p.paused)) {
      Object.assign(this, { pausing: false, pausedShown: true });
      this.onMessage({ type: 'paused' });
    }
  }

  showProgress() {
    const reported = this.parts.filter((p) => p.progress);
    if (!reported.length) return; // nothing trained yet
    const segmentsDone = reported.reduce((total, { progress: p }) => total + p.segment + p.iteration / p.iterations, 0);
    const training = reported.filter((p) => !p.waiting && !p.ended);
    const { segments } = this;
    this.onMessage({
      type: 'progress',
      parts: this.parts.map(({ share, config, progress, waiting, ended }) => ({ share, controls: config.controls, progress, waiting, ended })),
      done: segmentsDone / segments,
      segments,
      samples_per_second: training.reduce((total, p) => total + p.progress.samples_per_second, 0),
      worker_memory_bytes: this.workerMemory(),
    });
  }

  /** Each worker's core memory (bytes) as its latest progress said, in the order of the run's parts (0: none yet). */
  workerMemory() {
    return this.parts.map((p) => p.progress?.memory_bytes ?? 0);
  }
}
