// The benchmark page: starts three workers for LeNet-300-100 (ticketlab, TF.js on wasm, TF.js on
// cpu) and three for LeNet-5's training step (the same three; TF.js's wasm backend may be unable
// to train a CNN, which is recorded as such), runs their measurements one at a time, interleaved
// repetition by repetition, and shows the medians.
// window.bench.results() returns everything measured, for scripts/bench and the page test.
import { connect } from './rpc.js';
import { integer } from './settings.js';
import { KERNELS, withMedians } from './bench-figures.js';

// Each a whole number from 1, in the URL hash; the cpu_ ones apply to TF.js's slow cpu backend,
// the lenet5_ ones to LeNet-5's training measurements.
const SETTINGS = { repetitions: 5, steps: 200, cpu_steps: 50, passes: 10, cpu_passes: 1, lenet5_steps: 100, lenet5_cpu_steps: 6 };
const WARM_UP_STEPS = 10;
const ENGINES = [
  { name: 'ticketlab-wasm', label: 'ticketlab (wasm, SIMD)', worker: 'bench-worker.js' },
  { name: 'tfjs-wasm', label: 'TF.js, wasm backend', worker: 'tfjs-worker.js', backend: 'wasm' },
  { name: 'tfjs-cpu', label: 'TF.js, cpu backend', worker: 'tfjs-worker.js', backend: 'cpu' },
];
// LeNet-5, training only. TF.js's wasm backend lacks kernels a CNN's gradient needs (the
// architecture notes name Conv2DBackpropFilter): it is tried, and its error kept if it fails.
const LENET5_ENGINES = [
  { name: 'ticketlab-wasm', label: 'ticketlab (wasm, SIMD)', worker: 'bench-worker.js' },
  { name: 'tfjs-cpu', label: 'TF.js, cpu backend', worker: 'tfjs-worker.js', backend: 'cpu' },
  { name: 'tfjs-wasm', label: 'TF.js, wasm backend', worker: 'tfjs-worker.js', backend: 'wasm', mayFailToTrain: true },
];

const $ = (id) => document.getElementById(id);
let results = { status: 'idle' };
window.bench = { results: () => results };

/** The settings in the URL hash, each a whole number from 1; returns {settings, problems}. */
function readSettings() {
  const settings = { ...SETTINGS };
  const problems = [];
  for (const [name, raw] of new URLSearchParams(location.hash.slice(1))) {
    const checked = Object.hasOwn(SETTINGS, name) ? integer(1, 100_000)(raw) : { error: `is not a setting (${Object.keys(SETTINGS).join(', ')})` };
    if (checked.error) problems.push(`${name}=${raw} ${checked.error}`);
    else settings[name] = checked.value;
  }
  return { settings, problems };
}

const sample = () => ({ samples: [] });
const rate = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const ratio = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

function table(head, rows) {
  const element = document.createElement('table');
  element.className = 'figures';
  element.createTHead().insertRow().append(...head.map((text) => Object.assign(document.createElement('th'), { textContent: text })));
  const body = element.createTBody();
  for (const row of rows) body.insertRow().append(...row.map((text) => Object.assign(document.createElement('td'), { textContent: text })));
  return element;
}

/** The figures as plain data: every sample, medians, and the ratios the speed issue sets targets for. */
function summary(state) {
  const engines = state.engines.map(({ spec, info, steps, passes, training, evaluation, scores }) => ({
    name: spec.name, label: spec.label, backend: info?.backend ?? null, steps, passes,
    training: { samples: [...training.samples] },
    evaluation: { samples: [...evaluation.samples], ...scores },
  }));
  const ladder = state.ladder.map(({ level, percent_remaining, kernels }) => ({
    level, percent_remaining, ...Object.fromEntries(KERNELS.map((k) => [k, { samples: [...kernels[k].samples] }])),
  }));
  return withMedians({
    status: state.status, error: state.error ?? null, seconds: state.seconds, settings: state.settings,
    environment: { user_agent: navigator.userAgent, hardware_concurrency: navigator.hardwareConcurrency, cross_origin_isolated: self.crossOriginIsolated },
    config: state.info?.config ?? null, evaluation_chunk: state.info?.evaluation_chunk ?? null,
    tfjs: state.tfjs ?? null,
    engines, ladder,
    lenet5: {
      config: state.lenet5Info?.config ?? null,
      engines: state.lenet5.map(({ spec, info, steps, training, cannotTrain }) => ({
        name: spec.name, label: spec.label, backend: info?.backend ?? null, steps,
        training: { samples: [...training.samples] }, cannot_train: cannotTrain ?? null,
      })),
    },
  });
}

function render() {
  const { engines, ladder, lenet5, ratios, tfjs } = results;
  $('engines').replaceChildren(table(
    ['', 'training images/s', 'evaluation images/s', 'training vs TF.js wasm', 'evaluation vs TF.js wasm'],
    engines.map((e) => [e.label, rate(e.training.median), rate(e.evaluation.median),
      ratio(e.training.median / engines[1].training.median), ratio(e.evaluation.median / engines[1].evaluation.median)]),
  ));
  const [lenet5Ticketlab] = lenet5.engines;
  $('lenet5').replaceChildren(table(
    ['', 'training images/s', 'ticketlab ÷ this row'],
    lenet5.engines.map((e) => [e.label, e.cannot_train ? `cannot train: ${e.cannot_train}` : rate(e.training.median),
      e.cannot_train ? '–' : ratio(lenet5Ticketlab.training.median / e.training.median)]),
  ));
  $('ladder').replaceChildren(table(
    ['weights remaining', 'dense kernels', 'sparse kernels', 'automatic', 'automatic / dense network'],
    ladder.map((l) => [`${l.percent_remaining.toFixed(2)}%`, rate(l.dense.median), rate(l.sparse.median), rate(l.auto.median), ratio(l.auto_over_dense_network)]),
  ));
  const wasm = tfjs?.wasm;
  $('environment').textContent = [
    `ticketlab trains ${ratio(ratios.training_ticketlab_over_tfjs_wasm)} as fast as TF.js on wasm and evaluates ${ratio(ratios.evaluation_ticketlab_over_tfjs_wasm)} as fast.`,
    tfjs && `TensorFlow.js ${tfjs.version}; its wasm backend runs ${wasm.variant}${wasm.file ? ` (${wasm.file})` : ''}.`,
    `Batch ${results.config?.batch_size}, Adam; ${navigator.hardwareConcurrency} logical cores.`,
  ].filter(Boolean).join(' ');
}

function showError(message) {
  $('error').hidden = false;
  $('error').textContent = message;
}

async function measure() {
  const { settings, problems } = readSettings();
  if (problems.length) {
    showError(`Fix the link's settings: ${problems.join('; ')}.`);
    return;
  }
  $('measure').disabled = true;
  results = { status: 'running' };
  $('error').hidden = true;
  $('download').hidden = true;
  const started = performance.now();
  const state = {
    status: 'running', settings,
    engines: ENGINES.map((spec) => ({
      spec, worker: connect(spec.worker, spec.label),
      steps: spec.backend === 'cpu' ? settings.cpu_steps : settings.steps,
      passes: spec.backend === 'cpu' ? settings.cpu_passes : settings.passes,
      training: sample(), evaluation: sample(),
    })),
    ladder: [],
    lenet5: LENET5_ENGINES.map((spec) => ({
      spec, worker: connect(spec.worker, `${spec.label} (LeNet-5)`),
      steps: spec.backend === 'cpu' ? settings.lenet5_cpu_steps : settings.lenet5_steps,
      training: sample(),
    })),
  };
  const [ticketlab, ...tfjs] = state.engines;
  const [lenet5Ticketlab, ...lenet5Tfjs] = state.lenet5;
  const status = (text) => { $('status').textContent = text; };
  try {
    status('Loading ticketlab and MNIST…');
    const { info } = await ticketlab.worker.call('init', { config: {} });
    state.info = info;
    state.ladder = info.levels.map((level) => ({ ...level, kernels: Object.fromEntries(KERNELS.map((k) => [k, sample()])) }));
    ticketlab.training = state.ladder[0].kernels.auto; // the dense network, as training runs it
    // The batches ticketlab's measurements train on, warm-up batch first: TF.js trains on them too.
    const { indices: batches } = await ticketlab.worker.call('batches', { count: Math.max(...tfjs.map((e) => e.steps)) + 1 });
    for (const engine of tfjs) {
      status(`Loading TensorFlow.js (${engine.spec.backend} backend) and MNIST…`);
      ({ info: engine.info } = await engine.worker.call('init', { backend: engine.spec.backend, config: info.config, evaluation_chunk: info.evaluation_chunk }));
    }
    status('Loading ticketlab with LeNet-5…');
    ({ info: state.lenet5Info } = await lenet5Ticketlab.worker.call('init', { config: { model: 'lenet-5' } }));
    const { indices: lenet5Batches } = await lenet5Ticketlab.worker.call('batches', { count: Math.max(...lenet5Tfjs.map((e) => e.steps)) + 1 });
    for (const engine of lenet5Tfjs) {
      status(`Loading TensorFlow.js (${engine.spec.backend} backend) with LeNet-5…`);
      ({ info: engine.info } = await engine.worker.call('init', { backend: engine.spec.backend, config: state.lenet5Info.config, evaluation_chunk: state.lenet5Info.evaluation_chunk }));
    }
    const wasm = tfjs[0].info.wasm;
    state.tfjs = { version: tfjs[0].info.version, wasm: { ...wasm, variant: wasm.threads ? 'multi-threaded SIMD' : wasm.simd ? 'SIMD, single-threaded' : 'plain (no SIMD)' } };

    // One repetition: every measurement once, each alone on the machine. A round of short
    // measurements comes first, unrecorded, so that the browser's optimising compilers have
    // finished with every code path before the clock runs.
    const steps = (engine, warmUp) => (warmUp ? Math.min(engine.steps, WARM_UP_STEPS) : engine.steps);
    const tasks = [
      ...state.ladder.flatMap(({ level, percent_remaining, kernels }) => KERNELS.map((k) => ({
        label: `ticketlab training at ${percent_remaining.toFixed(1)}% (${k} kernels)`,
        run: (warmUp) => ticketlab.worker.call('train', { level, kernels: k, steps: steps(ticketlab, warmUp) }),
        record: ({ images_per_second }) => kernels[k].samples.push(images_per_second),
      }))),
      ...tfjs.map((engine) => ({
        label: `${engine.spec.label} training`,
        run: (warmUp) => engine.worker.call('train', { batches, steps: steps(engine, warmUp) }),
        record: ({ images_per_second }) => engine.training.samples.push(images_per_second),
      })),
      ...state.engines.map((engine) => ({
        label: `${engine.spec.label} evaluation`,
        run: (warmUp) => engine.worker.call('evaluate', { passes: warmUp ? 1 : engine.passes }),
        record: ({ images_per_second, ...scores }) => {
          engine.evaluation.samples.push(images_per_second);
          engine.scores = scores;
        },
      })),
      ...state.lenet5.map((engine) => ({
        label: `${engine.spec.label} training LeNet-5`,
        run: (warmUp) => (engine === lenet5Ticketlab
          ? engine.worker.call('train', { level: 0, kernels: 'auto', steps: steps(engine, warmUp) })
          : engine.worker.call('train', { batches: lenet5Batches, steps: steps(engine, warmUp) })),
        record: ({ images_per_second }) => engine.training.samples.push(images_per_second),
        engine,
      })),
    ];
    // An engine allowed to fail (TF.js's wasm backend on a CNN) is tried in the warm-up round;
    // if it fails, its error is what the results keep, and it is not run again.
    for (const task of tasks) {
      status(`Warming up: ${task.label}…`);
      try {
        await task.run(true);
      } catch (error) {
        if (!task.engine?.spec.mayFailToTrain) throw error;
        task.engine.cannotTrain = error.workerMessage ?? error.message;
      }
    }
    const total = settings.repetitions * tasks.length;
    for (let repetition = 1; repetition <= settings.repetitions; repetition++) {
      for (const [index, task] of tasks.entries()) {
        if (task.engine?.cannotTrain) continue;
        status(`Repetition ${repetition} of ${settings.repetitions}: ${task.label}…`);
        $('progress').value = ((repetition - 1) * tasks.length + index) / total;
        task.record(await task.run(false));
      }
      state.seconds = (performance.now() - started) / 1000;
      results = summary(state);
      render();
    }
    $('progress').value = 1;
    state.status = 'done';
    results = summary(state);
    status(`Done in ${Math.round(state.seconds)} s: medians of ${settings.repetitions} repetition${settings.repetitions === 1 ? '' : 's'}.`);
  } catch (error) {
    state.status = 'error';
    state.error = error.message;
    state.seconds = (performance.now() - started) / 1000;
    results = { ...(state.info ? summary(state) : {}), status: 'error', error: error.message };
    status(`Error: ${error.message}`);
    showError(error.message);
  } finally {
    [...state.engines, ...state.lenet5].forEach((engine) => engine.worker.terminate());
    $('measure').disabled = false;
    if (results.engines) {
      $('download').href = URL.createObjectURL(new Blob([JSON.stringify(results, null, 2)], { type: 'application/json' }));
      $('download').hidden = false;
    }
  }
}

function showPlan() {
  const { settings: s, problems } = readSettings();
  $('plan').textContent = `Repetitions: ${s.repetitions}. Training steps per measurement: ${s.steps} (TF.js cpu: ${s.cpu_steps}). ` +
    `Evaluation passes over the 5,000 validation images per measurement: ${s.passes} (TF.js cpu: ${s.cpu_passes}). ` +
    `LeNet-5 training steps per measurement: ${s.lenet5_steps} (TF.js cpu: ${s.lenet5_cpu_steps}).`;
  if (problems.length) showError(`Fix the link's settings: ${problems.join('; ')}.`);
  else $('error').hidden = true;
}

$('measure').addEventListener('click', measure);
window.addEventListener('hashchange', showPlan);
showPlan();
