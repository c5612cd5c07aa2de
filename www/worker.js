// The training worker: owns the wasm core and the MNIST bytes; the page never touches wasm.
//
// In:  {type:'init'} | {type:'run', config} | {type:'pause'} | {type:'resume'} | {type:'stop'}
// Out: {type:'ready', simd} | {type:'loading', file, loaded, total} | {type:'started', config}
//      | {type:'progress', ...} | {type:'evaluation', ...} | {type:'round_done', ...} | {type:'done', results}
//      | {type:'paused'} | {type:'resumed'} | {type:'stopped', results} | {type:'error', message, results?}
//
// Work is done in slices of SLICE_MS; between slices the worker yields to its message queue, so
// pause and stop are answered within one slice.
import init, { Experiment } from './pkg/ticketlab.js';
import { fetchMnist } from './app/mnist.js';

const SLICE_MS = 25;

let ready = null; // memoised init
let mnist = null; // the four files' bytes, fetched once
let experiment = null;
let state = 'idle'; // idle | running | paused

const post = (message) => self.postMessage(message);

function initialise() {
  ready ??= init().catch((error) => {
    ready = null;
    throw new Error(`the WebAssembly core did not load (${error.message}); this page needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+)`);
  });
  return ready;
}

async function loadMnist() {
  mnist ??= await fetchMnist((file, loaded, total) => post({ type: 'loading', file, loaded, total }));
  return mnist;
}

// Yields to the message queue without setTimeout's 4 ms clamp.
const channel = new MessageChannel();
const pending = [];
channel.port1.onmessage = () => pending.shift()?.();
const yieldToMessages = () => new Promise((resolve) => { pending.push(resolve); channel.port2.postMessage(null); });

function results() {
  return experiment ? experiment.results() : null;
}

function fail(error) {
  state = 'idle';
  const message = error instanceof Error ? error.message : String(error);
  // A panic leaves the wasm instance unusable: start afresh on the next run.
  if (error instanceof WebAssembly.RuntimeError) {
    ready = null;
    experiment = null;
    post({ type: 'error', message: `internal error in the core (${message}); reload the page to continue` });
    return;
  }
  let partial = null;
  try { partial = results(); } catch { /* nothing to keep */ }
  post({ type: 'error', message, results: partial });
}

async function trainLoop() {
  while (state === 'running') {
    const events = experiment.step(SLICE_MS);
    for (const event of events) {
      if (event.type === 'done') {
        state = 'idle';
        post({ ...event, results: results() });
      } else if (event.type === 'diverged') {
        state = 'idle';
        post({ type: 'error', message: event.message, results: results() });
      } else {
        post(event);
      }
    }
    await yieldToMessages();
  }
}

async function run(config) {
  state = 'loading';
  await initialise();
  const next = new Experiment(JSON.stringify(config));
  const files = await loadMnist();
  next.load_data(...files);
  experiment?.free();
  experiment = next;
  state = 'running';
  post({ type: 'started', config: JSON.parse(experiment.config_json()) });
  await trainLoop();
}

self.onmessage = async ({ data: message }) => {
  try {
    switch (message.type) {
      case 'init':
        await initialise();
        post({ type: 'ready' });
        break;
      case 'run':
        if (state === 'running' || state === 'loading') throw new Error('a run is already going: stop it first');
        await run(message.config);
        break;
      case 'pause':
        if (state === 'running') { state = 'paused'; post({ type: 'paused' }); }
        break;
      case 'resume':
        if (state === 'paused') { state = 'running'; post({ type: 'resumed' }); await trainLoop(); }
        break;
      case 'stop':
        if (experiment && (state === 'running' || state === 'paused')) {
          state = 'idle';
          experiment.stop();
          post({ type: 'stopped', results: results() });
        }
        break;
      default:
        throw new Error(`unknown message type "${message.type}"`);
    }
  } catch (error) {
    fail(error);
  }
};
