// The training worker: owns the wasm core and the MNIST bytes; the page never touches wasm. The
// page downloads MNIST once (app/mnist.js) and hands every worker the bytes ({type:'mnist'}); the
// worker checks their sha256 with the core before its first run uses them.
// A run is trained whole (share 'all'), or split over workers (app/trainers.js): share 'ticket'
// trains the ticket and posts each new mask; share 'controls' trains the controls of each mask
// it is given, and waits between masks.
//
// Messages follow app/rpc.js: requests carry an id and are answered with the same id
// ({id, type:'result', ...} or {id, type:'error', message, internal?}); events carry none.
// Requests (-> the answer's fields):
//      {type:'export_ticket', level} -> {level, bytes} (while running or after)
//      {type:'read_ticket', bytes} -> {config}   {type:'check_settings', config} -> {config, plan: {rounds, kept, total, percent}}
//      {type:'classify', level, pixels} (784 values in [0, 1]) -> {level, dense, ticket} (Float32Arrays: each network's class probabilities)
//      {type:'test_image', index} -> {index, pixels, label} (pixels as classify takes them)
//      {type:'whole_run', parts, earlier, config} -> {results} (a split run's results merged, src/parts.rs)
//      {type:'trials_results', config, count, trials, wall_seconds} -> {results} (a run of trials' file, src/trials.rs)
//      {type:'curves_csv', trials} -> {csv} (every evaluation of the trials' results as CSV, src/report.rs)
// Events in: {type:'run', config, share?, ticket?, checkpoint?} | {type:'pause'} | {type:'resume'} | {type:'stop'}
//      | {type:'mnist', files} (the four IDX files' bytes, in MNIST_FILES order; before or after the
//        first run: a run waits for them) | {type:'mnist', error} (the page could not get them: the run waiting fails)
//      controls share: {type:'rewind_params', params} | {type:'ticket_mask', level, mask} | {type:'inputs_finished'}
// Events out: {type:'started', config, segments, order} (order: the whole run's segments, [{branch, level}])
//      | {type:'progress', ..., memory_bytes} (memory_bytes: the core's WebAssembly memory) | {type:'evaluation', ...} | {type:'round_done', ...} | {type:'done', results}
//      | {type:'round_views', level, filters, connections, weights, confusion} (after a ticket's round_done)
//      | {type:'checkpoint', level, bytes} (after a ticket's round_done, but the last: what resuming at level + 1 needs)
//      | {type:'paused'} | {type:'resumed'} | {type:'stopped', results} | {type:'error', message, results?, internal?}
//      (`internal`, here or on a request's error: the core failed, and this worker cannot be used again)
//      ticket share: {type:'rewind_params', params} (θk, once) | {type:'ticket_mask', level, mask} (buffers transferred)
//      controls share: {type:'waiting'} (nothing to train until the next mask)
//
// Work is done in slices of SLICE_MS; between slices the worker yields to its message queue, so
// pause and stop are answered within one slice. Pause, stop and inputs that come while the data
// loads (the page downloads it) are kept and applied once it is in. A run given a checkpoint (as posted by an earlier
// run with the same settings) resumes at the level after the checkpoint's, in every share.
import init, {
  Experiment, MnistData, last_panic, sha256_hex, ticket_config_json, check_settings_json, whole_run_json, trials_results_json, curves_csv,
} from './pkg/ticketlab.js';
import { MNIST_FILES, MNIST_SHA256 } from './app/mnist.js';
import { canGunzip } from './app/gzip.js';
import { serve, transferables } from './app/rpc.js';

const SLICE_MS = 25;
// Progress goes to the page at most every PROGRESS_MS (the latest, and before any other event):
// one per slice would have the page redraw its status 40 times a second per worker, which on a
// 2-core machine takes a third of a core from training.
const PROGRESS_MS = 200;

let ready = null; // memoised init
let coreMemory = null; // the core's WebAssembly memory, once loaded (its size goes out with progress)
let mnist = null; // the four files' bytes as the page handed them ({files}), then the core's copy ({data}, an MnistData)
const mnistWaiters = []; // runs waiting for them: {resolve, reject}

const post = (message) => self.postMessage(message);
const json = (value) => JSON.stringify(value);

/**
 * The core's wasm as init takes it: pkg/ticketlab_bg.wasm.gz (a third of the size) decompressed as
 * it arrives, or, in a browser without DecompressionStream, nothing (init fetches the plain .wasm).
 */
async function wasmSource() {
  if (!canGunzip()) return undefined;
  const response = await fetch(new URL('./pkg/ticketlab_bg.wasm.gz', import.meta.url));
  if (!response.ok) throw new Error(`pkg/ticketlab_bg.wasm.gz: the server answered ${response.status} ${response.statusText}`);
  // A server that sends it with Content-Encoding: gzip has it decompressed on the way.
  const body = response.headers.has('Content-Encoding') ? response.body : response.body.pipeThrough(new DecompressionStream('gzip'));
  return new Response(body, { headers: { 'Content-Type': 'application/wasm' } });
}

function initialise() {
  ready ??= wasmSource().then((module_or_path) => init({ module_or_path })).then((core) => {
    coreMemory = core.memory;
    return core;
  }).catch((error) => {
    ready = null;
    throw new Error(`the WebAssembly core did not load (${error.message}); this page needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+)`);
  });
  return ready;
}

/** The page's {type:'mnist'} message: the files, or why it could not get them. */
function receiveMnist({ files, error }) {
  if (files && !mnist?.data) mnist = { files };
  for (const { resolve, reject } of mnistWaiters.splice(0)) {
    if (files) resolve();
    else reject(new Error(error));
  }
}

/**
 * The core's copy of MNIST (an MnistData, after `initialise`), made once the page has handed the
 * files and their sha256 matches. Every run of this worker reads it, and the worker lets go of its
 * own copy of the files (55 MB).
 */
async function loadMnist() {
  if (!mnist) await new Promise((resolve, reject) => mnistWaiters.push({ resolve, reject }));
  if (!mnist.data) {
    MNIST_FILES.forEach((name, index) => {
      if (sha256_hex(mnist.files[index]) !== MNIST_SHA256[name]) {
        throw new Error(`data/${name}.gz is damaged (its sha256 does not match); reload to download it again`);
      }
    });
    mnist = { data: new MnistData(...mnist.files) };
  }
  return mnist.data;
}

// Yields to the message queue without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const pending = [];
channel.port1.onmessage = () => pending.shift()?.();
const yieldToMessages = () => new Promise((resolve) => { pending.push(resolve); channel.port2.postMessage(null); });

/**
 * This worker's run: its experiment and where it stands. Everything a run changes is here and
 * changed only by its methods; Train makes a new Run (`current`), and the last one's experiment is
 * freed. Between runs the last one stays, ended, for the requests about it (export, classify).
 */
class Run {
  constructor(share = 'all') {
    this.share = share;
    this.experiment = null;
    this.state = 'idle'; // idle | loading | running | waiting | paused
    this.sendRewind = false; // a ticket share still has θk to send (reset = rewind, rewind_step > 0)
    this.checkpointsBefore = 0; // the ticket's rounds below this level are followed by a checkpoint (0: none)
    this.pendingInputs = []; // masks and θk that came while loading
    this.request = null; // 'pause' or 'stop', asked for while loading
    this.doing = 'starting the run'; // what the worker was asked to do, for the message if the core fails in it
    this.kept = null; // what the run keeps if the core fails: its results as it started, and each round finished since
    this.looping = false; // at most one training loop at a time
    this.heldProgress = null; // the latest progress not yet posted (see PROGRESS_MS)
    this.progressPostedAt = -Infinity;
  }

  /** Loads the core, the data and what the run starts from (a ticket, a checkpoint), then trains. */
  async start(config, ticket, checkpoint) {
    this.state = 'loading';
    await initialise();
    const next = Experiment.with_share(JSON.stringify(config), this.share);
    try {
      const data = await loadMnist();
      // An imported ticket is the run's level 0: its mask and the weights it restarts from.
      if (ticket) next.import_ticket(ticket);
      // A checkpoint: the run goes on from the level after it (the core refuses one that does not fit).
      if (checkpoint) next.resume_from(checkpoint);
      next.load_mnist(data);
    } catch (error) {
      next.free();
      throw error;
    }
    this.experiment = next;
    this.kept = { started: this.results(), rounds: [], samples_per_second: 0 };
    const settings = JSON.parse(next.config_json());
    // A resumed controls share has θk from the checkpoint.
    this.sendRewind = this.share === 'ticket' && settings.reset === 'rewind' && settings.rewind_step > 0 && !checkpoint;
    // The controls share does not train the ticket; a run from an imported ticket cannot resume.
    this.checkpointsBefore = this.share === 'controls' || ticket ? 0 : settings.rounds;
    this.state = 'running';
    post({ type: 'started', config: settings, segments: next.segments(), order: next.run_order() });
    for (const input of this.pendingInputs.splice(0)) this.apply(input);
    if (this.request === 'stop') return this.stop();
    if (this.request === 'pause') {
      this.state = 'paused';
      post({ type: 'paused' });
      return undefined;
    }
    return this.train();
  }

  results() {
    return this.experiment ? this.experiment.results() : null;
  }

  /** Ends the run with `error`'s message and what it had computed. */
  fail(error) {
    this.state = 'idle';
    const internal = coreFailure(error, this.doing);
    if (internal) {
      post({ type: 'error', message: internal, internal: true, results: this.keptResults(internal) });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    let partial = null;
    try { partial = this.results(); } catch { /* nothing to keep */ }
    post({ type: 'error', message, results: partial });
  }

  /** The run's results rebuilt from what the worker posted, after a core failure: every finished round. */
  keptResults(error) {
    const { kept } = this;
    if (!kept?.rounds.length) return null;
    return { ...kept.started, status: 'stopped', error, rounds: kept.rounds, train_samples_per_second: kept.samples_per_second };
  }

  pause() {
    if (this.state === 'running' || this.state === 'waiting') {
      this.state = 'paused';
      this.postHeldProgress();
      post({ type: 'paused' });
    } else if (this.state === 'loading') {
      this.request = 'pause';
    }
  }

  async resume() {
    if (this.state === 'paused') {
      this.state = 'running';
      post({ type: 'resumed' });
      await this.train();
    } else if (this.state === 'loading' && this.request === 'pause') {
      this.request = null;
    }
  }

  stop() {
    if (this.state === 'loading') {
      this.request = 'stop';
    } else if (this.experiment && ['running', 'waiting', 'paused'].includes(this.state)) {
      this.state = 'idle';
      this.experiment.stop();
      this.postHeldProgress();
      post({ type: 'stopped', results: this.results() });
    }
  }

  /** A controls share's input: applied at once, or kept until the data is in. */
  async take(input) {
    if (this.state === 'loading') {
      this.pendingInputs.push(input);
      return;
    }
    if (this.state === 'idle' || !this.experiment) return; // the run has ended: nothing left to feed
    this.apply(input);
    if (this.state === 'waiting') {
      this.state = 'running';
      await this.train();
    }
  }

  apply(input) {
    if (input.type === 'rewind_params') this.experiment.set_rewind_params(input.params);
    else if (input.type === 'ticket_mask') this.experiment.add_ticket_mask(input.level, input.mask);
    else this.experiment.inputs_finished();
  }

  // A resume (or a mask) that comes while the loop awaits its yield finds it still going, and it carries on.
  async train() {
    if (this.looping) return;
    this.looping = true;
    try {
      await this.trainWhileRunning();
    } finally {
      this.looping = false;
    }
  }

  async trainWhileRunning() {
    while (this.state === 'running') {
      for (const event of this.experiment.step(SLICE_MS)) this.report(event);
      if (this.state === 'running' && this.experiment.status() === 'waiting') {
        this.state = 'waiting';
        this.postHeldProgress();
        post({ type: 'waiting' });
      }
      await yieldToMessages();
    }
  }

  /** One of the core's events, to the page (a ticket's mask to the controls' workers, through it). */
  report(event) {
    if (event.type === 'progress') {
      this.keep(event);
      this.heldProgress = event;
      if (performance.now() - this.progressPostedAt >= PROGRESS_MS) this.postHeldProgress();
      return;
    }
    this.postHeldProgress();
    if (event.type === 'done') {
      this.state = 'idle';
      post({ ...event, results: this.results() });
    } else if (event.type === 'diverged') {
      this.state = 'idle';
      post({ type: 'error', message: event.message, results: this.results() });
    } else if (event.type === 'ticket_mask') {
      this.postTicketMask(event.level);
    } else {
      post(event);
      this.keep(event);
      if (event.type === 'round_done' && event.branch === 'ticket') {
        this.postRoundViews(event.level);
        if (event.level < this.checkpointsBefore) this.postCheckpoint(event.level);
      }
    }
  }

  postHeldProgress() {
    if (!this.heldProgress) return;
    // With the core's memory: MNIST (55 MB), the networks and their optimizer, never shrinking.
    post({ ...this.heldProgress, memory_bytes: coreMemory?.buffer.byteLength ?? 0 });
    this.heldProgress = null;
    this.progressPostedAt = performance.now();
  }

  /** Notes where the run is and what it has finished, for a message and results if the core fails. */
  keep(event) {
    const segment = ({ branch, level }) => `${branch === 'ticket' ? 'the ticket' : `the ${branch.replace('_', ' ')} control`} of round ${level}`;
    if (event.type === 'progress') {
      this.doing = `training ${segment(event)} (iteration ${event.iteration.toLocaleString('en')} of ${event.iterations.toLocaleString('en')})`;
      this.kept.samples_per_second = event.samples_per_second;
    } else if (event.type === 'evaluation') {
      this.doing = `evaluating ${segment(event)}`;
    } else if (event.type === 'round_done') {
      this.doing = `going on from ${segment(event)}, which had finished`;
      const { type, ...round } = event;
      this.kept.rounds.push(round);
    }
  }

  /** A ticket share's new mask, for the controls (θk first, the first time). */
  postTicketMask(level) {
    if (this.sendRewind) {
      const params = this.experiment.rewind_params();
      self.postMessage({ type: 'rewind_params', params }, [params.buffer]);
      this.sendRewind = false;
    }
    const mask = this.experiment.ticket_mask_bytes(level);
    self.postMessage({ type: 'ticket_mask', level, mask }, [mask.buffer]);
  }

  /** What the run needs to resume after the ticket's round `level`, for the page to keep; bytes transferred. */
  postCheckpoint(level) {
    const bytes = this.experiment.checkpoint_safetensors();
    self.postMessage({ type: 'checkpoint', level, bytes }, [bytes.buffer]);
  }

  /**
   * What the page's panels show of a finished ticket round: its conv filters (empty without
   * convolutions), its first layer's connections (null unless an MLP on the image), its weights
   * summarised per layer, and its test-set confusion matrix; buffers transferred.
   */
  postRoundViews(level) {
    const { experiment } = this;
    const views = {
      filters: experiment.ticket_filters(level),
      connections: experiment.ticket_connections(level),
      weights: experiment.ticket_weights(level),
      confusion: experiment.ticket_confusion(level),
    };
    self.postMessage({ type: 'round_views', level, ...views }, transferables(views));
  }
}

let current = new Run(); // this worker's run: an idle one before the first Train

/**
 * A panic in the core (a trap: a bug, not a setting) leaves its wasm instance unusable, and this
 * worker cannot load another: the run loses its experiment, and the message says `internal`, so
 * that the page replaces the worker. Says what the user was doing (`during`), what failed and
 * what to try; undefined for an ordinary error.
 */
function coreFailure(error, during) {
  if (!(error instanceof WebAssembly.RuntimeError)) return undefined;
  let panic = null;
  try { panic = last_panic(); } catch { /* the instance is past answering */ }
  current.experiment = null;
  // A trap without a panic: an abort, such as an allocation the tab's memory could not give.
  const what = panic?.replace(/\s+/g, ' ').trim() ?? `${error.message} (a trap in the WebAssembly code, which can also mean the tab ran out of memory)`;
  return `the core hit an internal error while ${during}: ${what}. This is a bug in ticketlab, not a problem with your settings. ` +
    'Press Train to start again; if it happens again, try other settings, and please report it with this page\'s link';
}

/** Train: a new run in place of the last (whose experiment is freed), started. */
async function startRun({ config, share = 'all', ticket = null, checkpoint = null }) {
  if (['loading', 'running', 'waiting'].includes(current.state)) throw new Error('a run is already going: stop it first');
  // The last run's results go with it: an error from here on must not report them as this run's.
  current.experiment?.free();
  current = new Run(share);
  await current.start(config, ticket, checkpoint);
}

/**
 * A request's answer from `compute()`; a core failure in it (`during` names the request) is thrown
 * as the internal error rpc.js answers with, any other error as it is: a refusal, never the run's error.
 */
function answer(compute, during) {
  try {
    return compute();
  } catch (error) {
    const internal = coreFailure(error, during);
    throw internal ? Object.assign(new Error(internal), { internal: true }) : error;
  }
}

/** The core, loaded, for a request that needs no run; a core that does not load is also the run's error (the page says so at once). */
async function loaded() {
  try {
    await initialise();
  } catch (error) {
    current.fail(error);
    throw error;
  }
}

/** The run's experiment, for a request that needs one. */
function trained() {
  if (!current.experiment) throw new Error('there is no run in this worker: press Train first');
  return current.experiment;
}

// Requests (answered; see app/rpc.js) and events, routed by type. An event that fails ends the run with an error.
serve({
  export_ticket: ({ level }) => answer(() => ({ level, bytes: trained().ticket_safetensors(level) }), `exporting the ticket of round ${level}`),
  async read_ticket({ bytes }) {
    await loaded();
    return answer(() => ({ config: JSON.parse(ticket_config_json(bytes)) }), 'reading the ticket file');
  },
  classify: ({ level, pixels }) => answer(() => ({ level, ...trained().classify(level, pixels) }), 'classifying the drawing'),
  test_image: ({ index }) => answer(() => ({ index, ...trained().test_image(index) }), `showing test image ${index}`),
  async whole_run({ parts, earlier, config }) {
    await loaded();
    return answer(() => ({ results: JSON.parse(whole_run_json(json(parts), json(earlier), json(config))) }), 'merging the workers\' results');
  },
  async trials_results({ config, count, trials, wall_seconds: wallSeconds }) {
    await loaded();
    return answer(() => ({ results: JSON.parse(trials_results_json(json(config), count, json(trials), wallSeconds)) }), 'summarising the trials');
  },
  async curves_csv({ trials }) {
    await loaded();
    return answer(() => ({ csv: curves_csv(JSON.stringify(trials)) }), 'writing the learning curves as CSV');
  },
  async check_settings({ config }) {
    await loaded();
    return answer(() => JSON.parse(check_settings_json(JSON.stringify(config))), 'checking the settings');
  },
}, {
  run: startRun,
  pause: () => current.pause(),
  resume: () => current.resume(),
  stop: () => current.stop(),
  mnist: receiveMnist,
  rewind_params: (message) => current.take({ type: 'rewind_params', ...message }),
  ticket_mask: (message) => current.take({ type: 'ticket_mask', ...message }),
  inputs_finished: () => current.take({ type: 'inputs_finished' }),
}, (error) => current.fail(error));
