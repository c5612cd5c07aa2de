// The page: settings form ⇄ URL hash, the worker bridge, and the live views.
import { SETTINGS, fromHash, toHash, toConfig, iterationsFor } from './settings.js';
import { LineChart, PALETTE } from './charts.js';

const $ = (id) => document.getElementById(id);
const form = $('settings');
const percent = (fraction) => `${(fraction * 100).toFixed(2)}%`;
const worker = new Worker(new URL('../worker.js', import.meta.url), { type: 'module' });

const accuracyChart = new LineChart($('accuracy-chart'), {
  yLabel: 'accuracy',
  // From 1 down to just below the lowest accuracy after iteration 0 (the untrained network's
  // chance-level point would squash the part worth seeing, 90–100%, into a sliver).
  yRange: (plot) => {
    const trained = plot.data.slice(1).flatMap((values) => values.slice(1)).filter((v) => v != null);
    const lowest = trained.length ? Math.min(...trained) : 0;
    return [Math.min(0.9, Math.floor(lowest * 20) / 20), 1];
  },
  format: (v) => `${(v * 100).toFixed(1)}%`,
  series: [
    { label: 'validation', colour: PALETTE.blue },
    { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
  ],
});
const lossChart = new LineChart($('loss-chart'), {
  yLabel: 'loss (log scale)',
  logScale: true,
  format: (v) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)),
  series: [
    { label: 'training', colour: PALETTE.green },
    { label: 'validation', colour: PALETTE.blue },
    { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
  ],
});

// --- settings ------------------------------------------------------------------------------

function showFieldError(name, message) {
  $(`${name}-error`).textContent = message ?? '';
  $(name).setAttribute('aria-invalid', message ? 'true' : 'false');
}

/** Checks every field; returns the values, or null after showing each problem beside its field. */
function readForm() {
  const values = {};
  let valid = true;
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const { value, error } = setting.check($(name).value);
    showFieldError(name, error);
    if (error) valid = false;
    else values[name] = value;
  }
  return valid ? values : null;
}

function writeForm(values) {
  for (const name of Object.keys(SETTINGS)) $(name).value = values[name];
  updateIterationsHint(values);
}

function updateIterationsHint(values) {
  $('iterations-hint').textContent = values ? `= ${iterationsFor(values).toLocaleString('en')} iterations` : '';
}

function onSettingsChanged() {
  const values = readForm();
  updateIterationsHint(values);
  if (values) history.replaceState(null, '', toHash(values) || location.pathname + location.search);
}

function loadFromUrl() {
  const { values, problems } = fromHash(location.hash);
  writeForm(values);
  const notice = $('url-notice');
  notice.hidden = problems.length === 0;
  notice.textContent = problems.length ? `Some settings in the link were not used: ${problems.join('; ')}.` : '';
}

form.addEventListener('input', onSettingsChanged);
window.addEventListener('hashchange', loadFromUrl);
$('new-seed').addEventListener('click', () => {
  $('seed').value = crypto.getRandomValues(new Uint32Array(1))[0];
  onSettingsChanged();
});

// --- run state -----------------------------------------------------------------------------

let running = false;
let paused = false;
let totalIterations = 0;
let lastResults = null;

function setRunning(isRunning) {
  running = isRunning;
  paused = false;
  $('train').disabled = isRunning;
  $('pause').disabled = !isRunning;
  $('stop').disabled = !isRunning;
  $('pause').textContent = 'Pause';
  for (const name of Object.keys(SETTINGS)) $(name).disabled = isRunning;
  $('new-seed').disabled = isRunning;
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message ? `Error: ${message}` : '';
}

function offerDownload(results) {
  lastResults = results;
  const link = $('download');
  if (!results) {
    link.hidden = true;
    return;
  }
  URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([JSON.stringify(results, null, 2)], { type: 'application/json' }));
  link.download = `ticketlab-${results.config.model}-seed${results.config.seed}.json`;
  link.hidden = false;
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

let startTime = 0;

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) return;
  const values = readForm();
  if (!values) {
    setStatus('Fix the highlighted settings to start.');
    return;
  }
  const config = toConfig(values);
  totalIterations = config.iterations;
  accuracyChart.reset();
  lossChart.reset();
  showError(null);
  offerDownload(null);
  for (const id of ['iteration', 'epoch', 'speed', 'validation-accuracy', 'test-accuracy', 'eta']) $(id).textContent = '–';
  $('progress').value = 0;
  setRunning(true);
  setStatus('Starting…');
  worker.postMessage({ type: 'run', config });
});

$('pause').addEventListener('click', () => {
  worker.postMessage({ type: paused ? 'resume' : 'pause' });
});

$('stop').addEventListener('click', () => worker.postMessage({ type: 'stop' }));

// --- worker messages -----------------------------------------------------------------------

const handlers = {
  ready() {},
  loading({ file, loaded, total }) {
    const share = total ? ` ${Math.round((100 * loaded) / total)}%` : '';
    setStatus(`Downloading MNIST: ${file}${share} (${(loaded / 1e6).toFixed(1)} MB)`);
  },
  started({ config }) {
    startTime = performance.now();
    setStatus(`Training LeNet-300-100, seed ${config.seed}: evaluating the untrained network…`);
  },
  progress({ iteration, iterations, epoch, samples_per_second: speed }) {
    $('iteration').textContent = `${iteration.toLocaleString('en')} / ${iterations.toLocaleString('en')}`;
    $('epoch').textContent = epoch.toFixed(2);
    $('speed').textContent = `${Math.round(speed).toLocaleString('en')} images/s`;
    $('progress').value = iteration / iterations;
    const elapsed = (performance.now() - startTime) / 1000;
    $('eta').textContent = formatDuration((elapsed / iteration) * (iterations - iteration));
    if (!paused) setStatus(`Training: iteration ${iteration.toLocaleString('en')} of ${iterations.toLocaleString('en')}.`);
  },
  evaluation(point) {
    accuracyChart.add(point.iteration, [point.validation_accuracy, point.test_accuracy]);
    lossChart.add(point.iteration, [point.train_loss, point.validation_loss, point.test_loss]);
    $('validation-accuracy').textContent = percent(point.validation_accuracy);
    $('test-accuracy').textContent = percent(point.test_accuracy);
  },
  done({ results }) {
    setRunning(false);
    $('progress').value = 1;
    $('eta').textContent = '0 s';
    const last = results.evaluations.at(-1);
    setStatus(`Done: ${percent(last.test_accuracy)} test accuracy after ${results.iterations_completed.toLocaleString('en')} iterations, ` +
      `${Math.round(results.train_samples_per_second).toLocaleString('en')} images/s.`);
    offerDownload(results);
  },
  paused() {
    paused = true;
    $('pause').textContent = 'Resume';
    setStatus('Paused. Resume continues exactly where it stopped; the numbers do not change.');
  },
  resumed() {
    paused = false;
    $('pause').textContent = 'Pause';
    setStatus('Resumed.');
  },
  stopped({ results }) {
    setRunning(false);
    const last = results?.evaluations.at(-1);
    setStatus(last ? `Stopped at iteration ${results.iterations_completed.toLocaleString('en')}; last test accuracy ${percent(last.test_accuracy)}. What was computed is kept.` : 'Stopped.');
    offerDownload(results);
  },
  error({ message, results }) {
    setRunning(false);
    showError(message);
    setStatus(results?.evaluations?.length ? 'The run ended early; the evaluations so far are kept below.' : 'The run could not start.');
    offerDownload(results?.evaluations?.length ? results : null);
  },
};

worker.onmessage = ({ data }) => handlers[data.type]?.(data);
worker.onerror = (event) => {
  setRunning(false);
  showError(`the training worker failed to start (${event.message ?? 'no details'}); this page needs a browser with module workers and WebAssembly SIMD`);
};

loadFromUrl();
worker.postMessage({ type: 'init' });

// For page tests and the curious: the latest results object.
window.ticketlab = { results: () => lastResults };
