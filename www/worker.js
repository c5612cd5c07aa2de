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
// Events in: {type:'run', config, share?, ticket?, checkpoint?} | {type:'pause'} | {type:'resume'} | {type:'stop'}
//      | {type:'mnist', files} (the four IDX files' bytes, in MNIST_FILES order; before or after the
//        first run: a run waits for them) | {type:'mnist', error} (the page could not get them: the run waiting fails)
//      controls share: {type:'rewind_params', params} | {type:'ticket_mask', level, mask} | {type:'inputs_finished'}
// Events out: {type:'started', config, segments}
//      | {type:'progress', ...} | {type:'evaluation', ...} | {type:'round_done', ...} | {type:'done', results}
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
import init, { Experiment, last_panic, sha256_hex, ticket_config_json, check_settings_json, whole_run_json } from './pkg/ticketlab.js';
import { MNIST_FILES, MNIST_SHA256 } from './app/mnist.js';
import { canGunzip } from './app/gzip.js';
import { serve, transferables } from './app/rpc.js';

const SLICE_MS = 25;

let ready = null; // memoised init
let mnist = null; // the four files' bytes, as the page handed them: {files, checked}
let mnistWaiters = []; // runs waiting for them: {resolve, reject}
let experiment = null;
let state = 'idle'; // idle | loading | running | waiting | paused
let sendRewind = false; // a ticket share still has θk to send (reset = rewind, rewind_step > 0)
let checkpointsBefore = 0; // the ticket's rounds below this level are followed by a checkpoint (0: none)
let pendingInputs = []; // masks and θk that came while loading
let request = null; // 'pause' or 'stop', asked for while loading
let doing = 'starting'; // what the worker was asked to do, for the message if the core fails in it
let kept = null; // what a run keeps if the core fails: its results as it started, and each round finished since

const post = (message) => self.postMessage(message);

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
  ready ??= wasmSource().then((module_or_path) => init({ module_or_path })).catch((error) => {
    ready = null;
    throw new Error(`the WebAssembly core did not load (${error.message}); this page needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+)`);
  });
  return ready;
}

/** The page's {type:'mnist'} message: the files, or why it could not get them. */
function receiveMnist({ files, error }) {
  if (files) mnist = { files, checked: false };
  for (const { resolve, reject } of mnistWaiters.splice(0)) {
    if (files) resolve();
    else reject(new Error(error));
  }
}

/** The four files' bytes, once the page has handed them and their sha256 matches. */
async function loadMnist() {
  if (!mnist) await new Promise((resolve, reject) => mnistWaiters.push({ resolve, reject }));
  if (!mnist.checked) {
    MNIST_FILES.forEach((name, index) => {
      if (sha256_hex(mnist.files[index]) !== MNIST_SHA256[name]) {
        throw new Error(`data/${name}.gz is damaged (its sha256 does not match); reload to download it again`);
      }
    });
    mnist.checked = true;
  }
  return mnist.files;
}

// Yields to the message queue without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const pending = [];
channel.port1.onmessage = () => pending.shift()?.();
const yieldToMessages = () => new Promise((resolve) => { pending.push(resolve); channel.port2.postMessage(null); });

function results() {
  return experiment ? experiment.results() : null;
}

/**
 * A panic in the core (a trap: a bug, not a setting) leaves its wasm instance unusable, and this
 * worker cannot load another: its message says `internal`, and the page replaces the worker.
 * Says what the user was doing, what failed and what to try; undefined for an ordinary error.
 */
function coreFailure(error, during = doing) {
  if (!(error instanceof WebAssembly.RuntimeError)) return undefined;
  let panic = null;
  try { panic = last_panic(); } catch { /* the instance is past answering */ }
  experiment = null;
  // A trap without a panic: an abort, such as an allocation the tab's memory could not give.
  const what = panic?.replace(/\s+/g, ' ').trim() ?? `${error.message} (a trap in the WebAssembly code, which can also mean the tab ran out of memory)`;
  return `the core hit an internal error while ${during}: ${what}. This is a bug in ticketlab, not a problem with your settings. ` +
    'Press Train to start again; if it happens again, try other settings, and please report it with this page\'s link';
}

function fail(error) {
  state = 'idle';
  const internal = coreFailure(error);
  if (internal) {
    post({ type: 'error', message: internal, internal: true, results: keptResults(internal) });
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  let partial = null;
  try { partial = results(); } catch { /* nothing to keep */ }
  post({ type: 'error', message, results: partial });
}

/** The run's results rebuilt from what the worker posted, after a core failure: every finished round. */
function keptResults(error) {
  if (!kept?.rounds.length) return null;
  return { ...kept.started, status: 'stopped', error, rounds: kept.rounds, train_samples_per_second: kept.samples_per_second };
}

/** A ticket share's new mask, for the controls (θk first, the first time). */
function postTicketMask(level) {
  if (sendRewind) {
    const params = experiment.rewind_params();
    self.postMessage({ type: 'rewind_params', params }, [params.buffer]);
    sendRewind = false;
  }
  const mask = experiment.ticket_mask_bytes(level);
  self.postMessage({ type: 'ticket_mask', level, mask }, [mask.buffer]);
}

/** What the run needs to resume after the ticket's round `level`, for the page to keep; bytes transferred. */
function postCheckpoint(level) {
  const bytes = experiment.checkpoint_safetensors();
  self.postMessage({ type: 'checkpoint', level, bytes }, [bytes.buffer]);
}

/**
 * What the page's panels show of a finished ticket round: its conv filters (empty without
 * convolutions), its first layer's connections (null unless an MLP on the image), its weights
 * summarised per layer, and its test-set confusion matrix; buffers transferred.
 */
function postRoundViews(level) {
  const views = {
    filters: experiment.ticket_filters(level),
    connections: experiment.ticket_connections(level),
    weights: experiment.ticket_weights(level),
    confusion: experiment.ticket_confusion(level),
  };
  self.postMessage({ type: 'round_views', level, ...views }, transferables(views));
}

// At most one loop at a time: a resume (or a mask) that comes while the loop awaits its yield
// finds it still going, and it carries on.
let looping = false;

async function trainLoop() {
  if (looping) return;
  looping = true;
  try {
    await trainWhileRunning();
  } finally {
    looping = false;
  }
}

async function trainWhileRunning() {
  while (state === 'running') {
    const events = experiment.step(SLICE_MS);
    for (const event of events) {
      if (event.type === 'done') {
        state = 'idle';
        post({ ...event, results: results() });
      } else if (event.type === 'diverged') {
        state = 'idle';
        post({ type: 'error', message: event.message, results: results() });
      } else if (event.type === 'ticket_mask') {
        postTicketMask(event.level);
      } else {
        post(event);
        keep(event);
        if (event.type === 'round_done' && event.branch === 'ticket') {
          postRoundViews(event.level);
          if (event.level < checkpointsBefore) postCheckpoint(event.level);
        }
      }
    }
    if (state === 'running' && experiment.status() === 'waiting') {
      state = 'waiting';
      post({ type: 'waiting' });
    }
    await yieldToMessages();
  }
}

/** Notes where the run is and what it has finished, for a message and results if the core fails. */
function keep(event) {
  const segment = ({ branch, level }) => `${branch === 'ticket' ? 'the ticket' : `the ${branch.replace('_', ' ')} control`} of round ${level}`;
  if (event.type === 'progress') {
    doing = `training ${segment(event)} (iteration ${event.iteration.toLocaleString('en')} of ${event.iterations.toLocaleString('en')})`;
    kept.samples_per_second = event.samples_per_second;
  } else if (event.type === 'evaluation') {
    doing = `evaluating ${segment(event)}`;
  } else if (event.type === 'round_done') {
    doing = `going on from ${segment(event)}, which had finished`;
    const { type, ...round } = event;
    kept.rounds.push(round);
  }
}

/** A controls share's input: applied at once, or kept until the data is in. */
async function takeInput(message) {
  if (state === 'loading') {
    pendingInputs.push(message);
    return;
  }
  if (state === 'idle' || !experiment) return; // the run has ended: nothing left to feed
  applyInput(message);
  if (state === 'waiting') {
    state = 'running';
    await trainLoop();
  }
}

function applyInput(message) {
  if (message.type === 'rewind_params') experiment.set_rewind_params(message.params);
  else if (message.type === 'ticket_mask') experiment.add_ticket_mask(message.level, message.mask);
  else experiment.inputs_finished();
}

function stop() {
  if (state === 'loading') {
    request = 'stop';
  } else if (experiment && ['running', 'waiting', 'paused'].includes(state)) {
    state = 'idle';
    experiment.stop();
    post({ type: 'stopped', results: results() });
  }
}

async function run(config, share = 'all', ticket = null, checkpoint = null) {
  state = 'loading';
  pendingInputs = [];
  request = null;
  // The last run's results go with it: an error from here on must not report them as this run's.
  experiment?.free();
  experiment = null;
  await initialise();
  const next = Experiment.with_share(JSON.stringify(config), share);
  try {
    const files = await loadMnist();
    // An imported ticket is the run's level 0: its mask and the weights it restarts from.
    if (ticket) next.import_ticket(ticket);
    // A checkpoint: the run goes on from the level after it (the core refuses one that does not fit).
    if (checkpoint) next.resume_from(checkpoint);
    next.load_data(...files);
  } catch (error) {
    next.free();
    throw error;
  }
  experiment = next;
  kept = { started: results(), rounds: [], samples_per_second: 0 };
  const settings = JSON.parse(experiment.config_json());
  // A resumed controls share has θk from the checkpoint.
  sendRewind = share === 'ticket' && settings.reset === 'rewind' && settings.rewind_step > 0 && !checkpoint;
  // The controls share does not train the ticket; a run from an imported ticket cannot resume.
  checkpointsBefore = share === 'controls' || ticket ? 0 : settings.rounds;
  state = 'running';
  post({ type: 'started', config: settings, segments: experiment.segments() });
  for (const input of pendingInputs.splice(0)) applyInput(input);
  if (request === 'stop') return stop();
  if (request === 'pause') {
    state = 'paused';
    post({ type: 'paused' });
    return;
  }
  await trainLoop();
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
    fail(error);
    throw error;
  }
}

/** The run's experiment, for a request that needs one. */
function trained() {
  if (!experiment) throw new Error('there is no run in this worker: press Train first');
  return experiment;
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
    const json = (value) => JSON.stringify(value);
    return answer(() => ({ results: JSON.parse(whole_run_json(json(parts), json(earlier), json(config))) }), 'merging the workers\' results');
  },
  async check_settings({ config }) {
    await loaded();
    return answer(() => JSON.parse(check_settings_json(JSON.stringify(config))), 'checking the settings');
  },
}, {
  async run({ config, share, ticket, checkpoint }) {
    doing = 'starting the run';
    if (['loading', 'running', 'waiting'].includes(state)) throw new Error('a run is already going: stop it first');
    await run(config, share, ticket, checkpoint);
  },
  async pause() {
    if (state === 'running' || state === 'waiting') { state = 'paused'; post({ type: 'paused' }); }
    else if (state === 'loading') request = 'pause';
  },
  async resume() {
    if (state === 'paused') { state = 'running'; post({ type: 'resumed' }); await trainLoop(); }
    else if (state === 'loading' && request === 'pause') request = null;
  },
  stop,
  mnist: receiveMnist,
  rewind_params: (message) => takeInput({ type: 'rewind_params', ...message }),
  ticket_mask: (message) => takeInput({ type: 'ticket_mask', ...message }),
  inputs_finished: () => takeInput({ type: 'inputs_finished' }),
}, fail);
