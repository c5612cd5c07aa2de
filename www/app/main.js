// The page: settings form ⇄ URL hash, and the live views; the training workers are behind trainers.js.
import { SETTINGS, CONTROLS, MODELS, MODEL_SETTINGS, defaults, fromHash, toHash, toConfig, iterationsFor, withPreset, presetOf, fromConfig } from './settings.js';
import { LineChart, PALETTE } from './charts.js';
import { Trainers } from './trainers.js';
import { FilterView } from './filters.js';
import { ConnectionView } from './connections.js';
import { WeightsView } from './weights.js';
import { ConfusionView } from './confusion.js';
import { keptRounds } from './kept-runs.js';
import { RunKeeper, describeKept, roundsBefore } from './resume.js';
import { segmentsOf } from './split.js';

const $ = (id) => document.getElementById(id);
const form = $('settings');
const percent = (fraction) => `${(fraction * 100).toFixed(2)}%`;

const accuracyChart = new LineChart($('accuracy-chart'), {
  y: {
    label: 'accuracy',
    // From 1 down to just below the lowest accuracy after iteration 0 (the untrained network's
    // chance-level point would squash the part worth seeing, 90–100%, into a sliver).
    range: (plot) => {
      const trained = plot.data.slice(1).flatMap((values) => values.slice(1)).filter((v) => v != null);
      const lowest = trained.length ? Math.min(...trained) : 0;
      return [Math.min(0.9, Math.floor(lowest * 20) / 20), 1];
    },
    format: (v) => `${(v * 100).toFixed(1)}%`,
  },
  series: [
    { label: 'validation', colour: PALETTE.blue },
    { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
  ],
});
const lossChart = new LineChart($('loss-chart'), {
  y: { label: 'loss (log scale)', log: true, format: (v) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)) },
  series: [
    { label: 'training', colour: PALETTE.green },
    { label: 'validation', colour: PALETTE.blue },
    { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
  ],
});
const BRANCHES = [
  { branch: 'ticket', label: 'ticket', colour: PALETTE.blue },
  { branch: 'random_reinit', label: 'random re-init', colour: PALETTE.orange, dash: [6, 3] },
  { branch: 'random_prune', label: 'random pruning', colour: PALETTE.vermillion, dash: [2, 3] },
];
const WEIGHTS_REMAINING_AXIS = { label: 'weights remaining (log scale)', log: true, reversed: true, format: (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)}%` };
const BRANCH_SERIES = BRANCHES.map(({ label, colour, dash }) => ({ label, colour, dash, points: { size: 7 } }));
const ticketsChart = new LineChart($('tickets-chart'), {
  x: WEIGHTS_REMAINING_AXIS,
  y: { label: 'test accuracy at early stop', format: (v) => `${(v * 100).toFixed(1)}%` },
  series: BRANCH_SERIES,
});
const earlyStopChart = new LineChart($('early-stop-chart'), {
  x: WEIGHTS_REMAINING_AXIS,
  y: { label: 'early-stop iteration', format: (v) => Math.round(v).toLocaleString('en') },
  series: BRANCH_SERIES,
});

const filterView = new FilterView({
  panel: $('filters-panel'),
  layers: $('filters-layers'),
  choices: [...document.querySelectorAll('input[name="filters-weights"]')],
  note: $('filters-note'),
  scale: document.querySelector('#filters-panel .filter-scale'),
  prunedSwatch: document.querySelector('#filters-panel .filter-pruned-swatch'),
});
const weightsView = new WeightsView({
  panel: $('weights-panel'),
  layer: $('weights-layer'),
  histogram: $('weights-histogram'),
  scatter: $('weights-scatter'),
  count: $('weights-count'),
  perLayer: $('weights-per-layer'),
});
const confusionView = new ConfusionView({
  panel: $('confusion-panel'),
  table: $('confusion-table'),
  count: $('confusion-count'),
});
const connectionView = new ConnectionView({
  panel: $('connections-panel'),
  heatmap: $('connections-heatmap'),
  units: $('connections-units'),
  count: $('connections-count'),
});

// --- settings ------------------------------------------------------------------------------

function showFieldError(name, message) {
  $(`${name}-error`).textContent = message ?? '';
  $(name).setAttribute('aria-invalid', message ? 'true' : 'false');
}

/** The core names the setting it refuses ('setting "rewind_step": ...'): show it there too. */
function showCoreErrorBesideField(message) {
  let field = /^setting "(\w+)"/.exec(message ?? '')?.[1];
  // A custom network's shapes are checked by the core; its "model" is the architecture field.
  if (field === 'model' && $('model').value === 'custom') field = 'architecture';
  if (field && SETTINGS[field]) showFieldError(field, message.replace(/^setting "\w+": /, ''));
}

// Controls are checkboxes; every other setting is one input or select with the setting's id.
function fieldValue(name) {
  if (name === 'controls') return CONTROLS.filter((control) => $(`control-${control}`).checked).join(',');
  return $(name).value;
}

function setFieldValue(name, value) {
  if (name === 'controls') {
    const chosen = String(value).split(',');
    for (const control of CONTROLS) $(`control-${control}`).checked = chosen.includes(control);
  } else {
    $(name).value = value;
  }
}

function setFieldDisabled(name, disabled) {
  if (name === 'controls') for (const control of CONTROLS) $(`control-${control}`).disabled = disabled;
  else $(name).disabled = disabled;
}

/** Checks every field; returns the values, or null after showing each problem beside its field. */
function readForm() {
  const values = {};
  let valid = true;
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const { value, error } = setting.check(fieldValue(name));
    showFieldError(name, error);
    if (error) valid = false;
    else values[name] = value;
  }
  return valid ? values : null;
}

function writeForm(values) {
  for (const name of Object.keys(SETTINGS)) setFieldValue(name, values[name]);
  $('preset').value = presetOf(values);
  showModelFields(values.model);
  updateIterationsHint(values);
}

/** The architecture field for a custom network only; the conv rate for networks with convolutions. */
function showModelFields(model) {
  $('architecture-field').hidden = model !== 'custom';
  $('prune_rate_conv-field').hidden = model === 'lenet-300-100';
}

/** A newly chosen model brings its own defaults (learning rate, conv rate, epochs). */
function onModelChosen() {
  const model = $('model').value;
  const standard = defaults(model);
  for (const name of MODEL_SETTINGS) setFieldValue(name, standard[name]);
  showModelFields(model);
}

function updateIterationsHint(values) {
  $('iterations-hint').textContent = values ? `= ${iterationsFor(values).toLocaleString('en')} iterations${values.rounds ? ' per round' : ''}` : '';
}

function onSettingsChanged() {
  const values = readForm();
  updateIterationsHint(values);
  $('preset').value = values ? presetOf(values) : 'custom';
  if (values) history.replaceState(null, '', toHash(values) || location.pathname + location.search);
  updateEmbedCode();
}

function loadFromUrl() {
  const { values, problems } = fromHash(location.hash);
  writeForm(values);
  const notice = $('url-notice');
  notice.hidden = problems.length === 0;
  notice.textContent = problems.length ? `Some settings in the link were not used: ${problems.join('; ')}.` : '';
}

form.addEventListener('input', (event) => {
  if (event.target.id === 'model') onModelChosen();
  if (event.target.id === 'preset') onPresetChosen();
  onSettingsChanged();
});

/** A preset fills in its settings (over the form's others, which must be valid). */
function onPresetChosen() {
  const values = readForm();
  if (values && $('preset').value !== 'custom') writeForm(withPreset(values, $('preset').value));
}
window.addEventListener('hashchange', loadFromUrl);
$('new-seed').addEventListener('click', () => {
  $('seed').value = crypto.getRandomValues(new Uint32Array(1))[0];
  onSettingsChanged();
});

// --- run state -----------------------------------------------------------------------------

let running = false;
let paused = false;
let lastResults = null;
let startTime = 0;
let currentSegment = null; // "branch/level" of the learning curves on show
const roundsDone = []; // RoundResult objects, for the tickets chart

function setRunning(isRunning) {
  running = isRunning;
  paused = false;
  $('train').disabled = isRunning;
  $('pause').disabled = !isRunning;
  $('stop').disabled = !isRunning;
  $('pause').textContent = 'Pause';
  for (const name of Object.keys(SETTINGS)) setFieldDisabled(name, isRunning);
  $('preset').disabled = isRunning;
  $('import-ticket').disabled = isRunning;
  $('new-seed').disabled = isRunning;
}

function setStatus(text) {
  $('status').textContent = text;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message ? `Error: ${message}` : '';
}

/**
 * Every evaluation of every round, one row each: the columns of `lth imp`'s curves.csv
 * (src/report.rs), so that one script plots both.
 */
function curvesCsv(results) {
  const fixed = (value) => (value == null ? '' : value.toFixed(6));
  const rows = results.rounds.flatMap((round) => round.evaluations.map((e) => [
    results.config.seed, round.branch, round.level, round.percent_remaining.toFixed(4), e.iteration,
    fixed(e.train_loss), fixed(e.validation_loss), fixed(e.validation_accuracy), fixed(e.test_loss), fixed(e.test_accuracy),
  ].join(',')));
  return ['seed,branch,level,percent_remaining,iteration,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy', ...rows].join('\n') + '\n';
}

/** Points a download link at new contents (or hides it). */
function offerFile(link, contents, type, name) {
  URL.revokeObjectURL(link.href);
  link.hidden = contents == null;
  if (contents == null) return;
  link.href = URL.createObjectURL(new Blob([contents], { type }));
  link.download = name;
}

/** The latest finished round of the ticket, offered as a safetensors file. */
function offerTicketExport() {
  const level = roundsDone.filter((r) => r.branch === 'ticket' && r.complete).map((r) => r.level).reduce((a, b) => Math.max(a, b), -1);
  $('export-ticket').parentElement.hidden = level < 0;
  $('export-ticket').dataset.level = level;
  $('export-ticket').textContent = level === 0 ? 'Export the dense network (safetensors)' : `Export the ticket of round ${level} (safetensors)`;
  $('export-ticket-hint').textContent = 'its mask, the weights it restarts from, and the settings; PyTorch and NumPy read it';
}

$('export-ticket').addEventListener('click', () => trainers.exportTicket(Number($('export-ticket').dataset.level)));

/** Saves `blob` as a file called `name`, as a download link would. */
function download(blob, name) {
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** A file name for a run's settings (a network given as text made safe). */
const fileStem = (config) => `${config.model.replace(/[^a-z0-9-]+/gi, '_')}-seed${config.seed}`;

function offerDownload(results) {
  lastResults = results;
  const has = results?.rounds?.length > 0;
  const name = has ? `ticketlab-${fileStem(results.config)}` : '';
  offerFile($('download'), has ? JSON.stringify(results, null, 2) : null, 'application/json', `${name}.json`);
  offerFile($('download-csv'), has ? curvesCsv(results) : null, 'text/csv', `${name}-curves.csv`);
}

function formatDuration(seconds) {
  if (!Number.isFinite(seconds)) return '–';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

const BRANCH_NAMES = { ticket: 'ticket', random_reinit: 'random re-init', random_prune: 'random pruning' };

function segmentLabel(branch, level, percent) {
  if (level === 0) return '— dense network';
  return `— ${BRANCH_NAMES[branch]}, round ${level}${percent ? `, ${percent.toFixed(1)}% of weights` : ''}`;
}

/**
 * The charts against weights remaining, from the rounds done: x = % remaining (ascending for
 * uPlot), one column per branch: test accuracy and iteration at early stop.
 */
function drawTickets() {
  const levels = [...new Set(roundsDone.map((r) => r.level))];
  const percentOf = (level) => roundsDone.find((r) => r.level === level).percent_remaining;
  const ordered = levels.sort((a, b) => percentOf(a) - percentOf(b));
  const columns = (measure) => BRANCHES.map(({ branch }) => ordered.map((level) => {
    // The dense network (level 0) is every branch's starting point.
    const round = roundsDone.find((r) => r.level === level && (r.branch === branch || level === 0));
    return round?.early_stop ? measure(round.early_stop) : null;
  }));
  ticketsChart.setData(ordered.map(percentOf), columns((stop) => stop.test_accuracy));
  earlyStopChart.setData(ordered.map(percentOf), columns((stop) => stop.iteration));
}

/** The run's last test accuracy, from its last round with an evaluation. */
const lastEvaluation = (results) => results?.rounds?.findLast((r) => r.last)?.last;

let replaying = false; // drawing kept or precomputed rounds, not a live run's
const keeper = new RunKeeper(); // keeps the live run's finished rounds and checkpoint for a reload
let resumedAt = null; // the level a resumed run goes on from (null: a run from the start)
let doneAtStart = 0; // the share of the run done before this session (a resumed run's kept rounds)

/** Every view emptied for a new run of `config` (live or precomputed). */
function startViews(config) {
  accuracyChart.reset();
  lossChart.reset();
  roundsDone.length = 0;
  drawTickets();
  filterView.reset();
  $('export-ticket').parentElement.hidden = true;
  connectionView.reset();
  weightsView.reset();
  confusionView.reset();
  $('tickets-panel').hidden = config.rounds === 0;
  $('early-stop-panel').hidden = config.rounds === 0;
  currentSegment = null;
  showError(null);
  offerDownload(null);
  for (const id of ['iteration', 'epoch', 'speed', 'validation-accuracy', 'test-accuracy', 'eta', 'round-eta']) $(id).textContent = '–';
  $('progress').value = 0;
  $('round-progress').value = 0;
  roundShown = null;
}

/**
 * Starts a live run of the form's `values`; `resume` ({checkpoint, rounds}, see resume.js) goes on
 * from a kept checkpoint after drawing the rounds kept from before it.
 */
function startRun(values, resume = null) {
  const config = toConfig(values);
  const ticket = importedTicket?.config && !resume ? importedTicket.bytes : null;
  if (resume) drawFinishedRounds(config, resume.rounds);
  else startViews(config);
  $('kept-offer').hidden = true;
  // A ticket's run depends on its file too: not kept.
  keeper.start(ticket ? null : toHash(values) || '#', config, resume?.checkpoint);
  resumedAt = resume ? resume.checkpoint.level + 1 : null;
  doneAtStart = resume ? segmentsOf({ ...config, rounds: resumedAt - 1 }) / segmentsOf(config) : 0;
  setRunning(true);
  setStatus(resume ? `Resuming at round ${resumedAt}…` : 'Starting…');
  trainers.run(config, ticket, resume);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) return;
  const values = readForm();
  if (!values) {
    setStatus('Fix the highlighted settings to start.');
    return;
  }
  startRun(values);
});

// A ticket file: the first worker reads its settings (or refuses it, saying why); the form takes
// them, and Train starts from the ticket until another file (or none) is chosen.
let importedTicket = null; // {name, bytes, config once read}
$('import-ticket').addEventListener('change', async () => {
  const file = $('import-ticket').files[0];
  importedTicket = null;
  $('import-ticket-status').textContent = '';
  $('import-ticket-error').textContent = '';
  if (!file) return;
  importedTicket = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), config: null };
  $('import-ticket-status').textContent = `Reading ${file.name}…`;
  trainers.readTicket(importedTicket.bytes);
});

$('pause').addEventListener('click', () => (paused ? trainers.resume() : trainers.pause()));

$('stop').addEventListener('click', () => trainers.stop());

/** The status line while training: where each worker is. */
function describeProgress(parts, segments) {
  if (parts.length === 1) {
    const { branch, level, iteration, iterations, segment, percent_remaining: percent } = parts[0].progress;
    const where = segments > 1 ? ` ${segmentLabel(branch, level, percent).replace('— ', '(')}, segment ${segment + 1} of ${segments})` : '';
    return `Training: iteration ${iteration.toLocaleString('en')} of ${iterations.toLocaleString('en')}${where}.`;
  }
  const each = parts.map(({ share, controls, progress, waiting, ended }) => {
    const name = share === 'ticket' ? 'ticket' : controls.map((control) => BRANCH_NAMES[control]).join(' and ');
    if (ended) return `${name} done`;
    if (waiting) return `${name} waiting for the ticket's next mask`;
    if (!progress) return `${name} starting`;
    return `${BRANCH_NAMES[progress.branch]}, round ${progress.level}: iteration ${progress.iteration.toLocaleString('en')} of ${progress.iterations.toLocaleString('en')}`;
  });
  return `Training on ${parts.length} workers: ${each.join('; ')}.`;
}

/** The round on show (a branch at a level): its share done and, from its pace so far, its time left. */
let roundShown = null; // {key, started (ms), firstIteration}
function showRoundProgress({ branch, level, iteration, iterations }) {
  const key = `${branch}/${level}`;
  if (roundShown?.key !== key) roundShown = { key, started: performance.now(), firstIteration: iteration };
  $('round-progress').value = iteration / iterations;
  const trained = iteration - roundShown.firstIteration;
  const seconds = (performance.now() - roundShown.started) / 1000;
  $('round-eta').textContent = trained > 0 ? formatDuration((seconds / trained) * (iterations - iteration)) : '–';
}

// --- worker messages -----------------------------------------------------------------------

const handlers = {
  ready() {},
  loading({ file, loaded, total, cached }) {
    if (cached) {
      setStatus(`Reading MNIST from this browser's cache: ${file} (${(loaded / 1e6).toFixed(1)} MB)`);
      return;
    }
    const share = total ? ` ${Math.round((100 * loaded) / total)}%` : '';
    setStatus(`Downloading MNIST: ${file}${share} (${(loaded / 1e6).toFixed(1)} MB)`);
  },
  started({ config }) {
    startTime = performance.now();
    const network = `${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}`;
    setStatus(resumedAt === null ? `Training ${network}: evaluating the untrained network…`
      : `Resumed ${network} at round ${resumedAt} (the rounds before it are from this browser's storage): evaluating its ticket before training…`);
  },
  progress({ parts, done, segments, samples_per_second: speed }) {
    // The numbers follow the first worker still training (the ticket's, while it trains).
    const { progress } = parts.find((p) => p.progress && !p.waiting && !p.ended) ?? parts.find((p) => p.progress);
    showRoundProgress(progress);
    $('iteration').textContent = `${progress.iteration.toLocaleString('en')} / ${progress.iterations.toLocaleString('en')}`;
    $('epoch').textContent = progress.epoch.toFixed(2);
    $('speed').textContent = `${Math.round(speed).toLocaleString('en')} images/s`;
    $('progress').value = done;
    const elapsed = (performance.now() - startTime) / 1000;
    $('eta').textContent = formatDuration((elapsed / (done - doneAtStart)) * (1 - done));
    if (!paused) setStatus(describeProgress(parts, segments));
  },
  evaluation(point) {
    const segment = `${point.branch}/${point.level}`;
    if (segment !== currentSegment) {
      currentSegment = segment;
      accuracyChart.reset();
      lossChart.reset();
      const label = segmentLabel(point.branch, point.level, roundsDone.find((r) => r.branch === 'ticket' && r.level === point.level)?.percent_remaining);
      $('segment-label').textContent = label;
      $('segment-label-loss').textContent = label;
    }
    accuracyChart.add(point.iteration, [point.validation_accuracy, point.test_accuracy]);
    lossChart.add(point.iteration, [point.train_loss, point.validation_loss, point.test_loss]);
    $('validation-accuracy').textContent = percent(point.validation_accuracy);
    $('test-accuracy').textContent = percent(point.test_accuracy);
  },
  round_done(round) {
    roundsDone.push(round);
    drawTickets();
    if (replaying) return; // rounds drawn again: no worker holds their tickets, and they are kept already
    offerTicketExport();
    // Kept for a reload: the rounds finished so far, under the settings' hash.
    keeper.keep(roundsDone.slice());
  },
  checkpoint(message) {
    keeper.checkpoint(message, roundsDone.slice());
  },
  ticket_read({ config, error }) {
    if (error) {
      importedTicket = null;
      $('import-ticket-status').textContent = '';
      $('import-ticket-error').textContent = error;
      return;
    }
    importedTicket.config = config;
    writeForm(fromConfig(config));
    onSettingsChanged();
    $('import-ticket-error').textContent = '';
    $('import-ticket-status').textContent = `${importedTicket.name}: ${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}. ` +
      'Train retrains this ticket (it becomes round 0); rounds above 0 prune on from it. ' +
      'Its run is not kept in this browser, so it cannot be resumed after a reload.';
  },
  ticket_file({ level, bytes, error }) {
    if (error) {
      $('export-ticket-hint').textContent = `The ticket could not be exported: ${error}`;
      return;
    }
    download(new Blob([bytes], { type: 'application/octet-stream' }), `ticketlab-${fileStem(lastResults?.config ?? trainers.settings)}-round${level}.safetensors`);
  },
  round_views({ level, filters, connections, weights, confusion }) {
    if (filters.length) filterView.add(level, filters);
    if (connections) connectionView.add(level, connections);
    weightsView.add(level, weights);
    confusionView.add(level, confusion);
  },
  done({ results }) {
    setRunning(false);
    $('progress').value = 1;
    $('round-progress').value = 1;
    $('eta').textContent = '0 s';
    $('round-eta').textContent = '0 s';
    const speed = `${Math.round(results.train_samples_per_second).toLocaleString('en')} images/s`;
    const ticket = results.rounds.findLast((r) => r.branch === 'ticket');
    if (results.config.rounds === 0) {
      setStatus(`Done: ${percent(ticket.last.test_accuracy)} test accuracy after ${ticket.last.iteration.toLocaleString('en')} iterations, ${speed}.`);
    } else {
      const dense = results.rounds[0].early_stop.test_accuracy;
      const reinit = results.rounds.find((r) => r.branch === 'random_reinit' && r.level === ticket.level);
      setStatus(`Done: with ${ticket.percent_remaining.toFixed(1)}% of its weights the ticket reaches ${percent(ticket.early_stop.test_accuracy)} ` +
        `test accuracy at early stop (dense network: ${percent(dense)}` +
        `${reinit ? `; the same mask randomly re-initialised: ${percent(reinit.early_stop.test_accuracy)}` : ''}), ${speed}.`);
    }
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
    const last = lastEvaluation(results);
    setStatus(last ? `Stopped; last test accuracy ${percent(last.test_accuracy)} at iteration ${last.iteration.toLocaleString('en')}. What was computed is kept.` : 'Stopped.');
    offerDownload(results);
  },
  error({ message, results }) {
    setRunning(false);
    showError(message);
    showCoreErrorBesideField(message);
    const kept = lastEvaluation(results);
    setStatus(kept ? 'The run ended early; the evaluations so far are kept below.' : 'The run could not start.');
    offerDownload(kept ? results : null);
  },
};

// One worker, or (with controls, on a machine with cores to spare) one for the ticket and more for
// the controls: see trainers.js.
const trainers = new Trainers((message) => handlers[message.type]?.(message), navigator.hardwareConcurrency || 1);

loadFromUrl();

// --- plots as images --------------------------------------------------------------------------
// Each chart panel's "PNG" button downloads the chart as drawn (axes included; the legend is
// the panel's text).

const CHARTS = { tickets: ticketsChart, 'early-stop': earlyStopChart, accuracy: accuracyChart, loss: lossChart };
for (const [name, chart] of Object.entries(CHARTS)) {
  $(`${name}-png`).addEventListener('click', async () => download(await chart.toPng(), `ticketlab-${name}.png`));
}

// --- a precomputed run ---------------------------------------------------------------------
// The quick preset, seed 0, made by lth (scripts/precompute): drawn at once, as if the run had
// just finished, for a reader who wants the result before computing it live.

/** Draws finished rounds (from a file or from the browser's storage) as if they had just run. */
function drawFinishedRounds(config, rounds) {
  startViews(config);
  replaying = true;
  for (const round of rounds) {
    for (const evaluation of round.evaluations) handlers.evaluation({ branch: round.branch, level: round.level, ...evaluation });
    handlers.round_done(round);
  }
  replaying = false;
}

$('show-precomputed').addEventListener('click', async () => {
  if (running) return;
  let results;
  try {
    const response = await fetch(new URL('../precomputed/quick-seed0.json', import.meta.url));
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    results = await response.json();
  } catch (error) {
    showError(`the precomputed run could not be loaded (${error.message})`);
    return;
  }
  drawFinishedRounds(results.config, results.rounds);
  handlers.done({ results });
  setStatus(`Precomputed (lth imp --preset quick --trials 1 --seed 0): ${$('status').textContent.replace(/^Done: /, '')} ` +
    'Press Train to compute it live: the same settings are in the form.');
  writeForm(withPreset({ ...defaults(), seed: 0 }, 'quick'));
  onSettingsChanged();
});

// --- rounds kept from an earlier visit ------------------------------------------------------

async function offerKeptRounds() {
  const values = readForm();
  const record = values ? await keptRounds(toHash(values) || '#') : null;
  $('kept-offer').hidden = !record?.rounds?.length || running;
  if (!record?.rounds?.length) return;
  const { text, checkpoint } = describeKept(record);
  $('kept-text').textContent = text;
  $('resume-kept').hidden = !checkpoint;
  $('resume-kept').onclick = () => {
    const now = readForm();
    if (!running && now) startRun(now, { checkpoint, rounds: roundsBefore(record.rounds, checkpoint) });
  };
  $('show-kept').onclick = () => {
    if (running) return;
    drawFinishedRounds(record.config, record.rounds);
    $('kept-offer').hidden = true;
    setStatus(`Shown from this browser's storage: the ${record.rounds.length} finished round${record.rounds.length === 1 ? '' : 's'} of your last run with these settings. Press Train to run it again.`);
  };
}
window.addEventListener('hashchange', offerKeptRounds);
offerKeptRounds();

// --- embedding -----------------------------------------------------------------------------
// ?embed=tickets,accuracy shows those views, the run's status and the Train button, for an
// iframe in a blog post; the settings still come from the hash.

const EMBED_VIEWS = { tickets: 'tickets-panel', 'early-stop': 'early-stop-panel', weights: 'weights-panel', confusion: 'confusion-panel',
  connections: 'connections-panel', filters: 'filters-panel', accuracy: 'accuracy-panel', loss: 'loss-panel' };

function applyEmbedMode() {
  const embed = new URLSearchParams(location.search).get('embed');
  if (embed === null) return;
  const chosen = embed.split(',').filter((view) => view in EMBED_VIEWS);
  document.body.classList.add('embed');
  for (const [view, id] of Object.entries(EMBED_VIEWS)) $(id).classList.toggle('not-embedded', !chosen.includes(view));
  $('open-full').hidden = false;
  const syncFullLink = () => { $('open-full').href = `${location.pathname}${location.hash}`; };
  syncFullLink();
  window.addEventListener('hashchange', syncFullLink);
}

function updateEmbedCode() {
  const views = [...document.querySelectorAll('input[name="embed-view"]:checked')].map((box) => box.value);
  const src = `${location.origin}${location.pathname}?embed=${views.join(',')}${location.hash}`;
  $('embed-code').value = `<iframe src="${src}" title="ticketlab: the Lottery Ticket Hypothesis, live" width="100%" height="760" style="border:0" loading="lazy"></iframe>`;
}

for (const box of document.querySelectorAll('input[name="embed-view"]')) box.addEventListener('change', updateEmbedCode);
$('embed-box').addEventListener('toggle', updateEmbedCode);
window.addEventListener('hashchange', updateEmbedCode);
$('copy-embed').addEventListener('click', async () => {
  updateEmbedCode();
  try {
    await navigator.clipboard.writeText($('embed-code').value);
    $('copy-embed-status').textContent = 'Copied.';
  } catch {
    $('embed-code').select(); // no clipboard here (an insecure page, or refused): select it for Ctrl+C
    $('copy-embed-status').textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
  }
});
applyEmbedMode();
updateEmbedCode();

// For page tests and the curious: the latest results object, the rounds done so far, and how
// many workers the current (or last) run uses.
window.ticketlab = {
  results: () => lastResults,
  rounds: () => roundsDone.map(({ branch, level }) => `${branch}/${level}`),
  workers: () => trainers.workerCount,
  // What the charts against weights remaining hold: [x, ...one column per branch].
  chartData: () => ({ tickets: ticketsChart.data, earlyStop: earlyStopChart.data }),
};
