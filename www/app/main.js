// The page: settings form ⇄ URL hash, and the live views; the training workers are behind trials.js and trainers.js.
import {
  SETTINGS, CONTROLS, MODELS, MODEL_SETTINGS, defaults, fromHash, toHash, toConfig, iterationsFor, withPreset, presetOf, fromConfig,
  keptAfterRounds, roundsForTarget, percentText,
} from './settings.js';
import { LineChart, PALETTE } from './charts.js';
import { Trials, trialLabel, withTrial } from './trials.js';
import { BRANCH_ORDER, chartColumns, trialsOf } from './summary.js';
import { FilterView } from './filters.js';
import { ConnectionView } from './connections.js';
import { WeightsView } from './weights.js';
import { ConfusionView } from './confusion.js';
import { DigitView } from './digit.js';
import { keptRounds, DAMAGED } from './kept-runs.js';
import { TrialPicker } from './trial-picker.js';
import { RunKeeper, describeKeptTrials } from './resume.js';
import { applyEmbedMode, embedCode, postHeight, viewsNeverFilled } from './embed.js';
import { Tour } from './tour.js';
import { canGunzip, gunzipped } from './gzip.js';
import { MNIST_DOWNLOAD_BYTES, mnistNeedsDownload } from './mnist.js';

const $ = (id) => document.getElementById(id);
// ?embed=views: the page inside a blog post's iframe (see applyEmbedMode).
const EMBEDDED = new URLSearchParams(location.search).has('embed');
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
// The branches, then the dense network's value as a reference line across the chart.
const DENSE_REFERENCE = { label: 'dense network', colour: '#8a8a8a', dash: [2, 4], points: { show: false } };
const BRANCH_SERIES = [...BRANCHES.map(({ label, colour, dash }) => ({ label, colour, dash, points: { size: 7 } })), DENSE_REFERENCE];
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
const digitView = new DigitView({
  panel: $('digit-panel'),
  body: $('digit-body'),
  unavailable: $('digit-unavailable'),
  pad: $('digit-pad'),
  preview: $('digit-preview'),
  clear: $('digit-clear'),
  testDigit: $('digit-test'),
  dense: $('digit-dense'),
  ticket: $('digit-ticket'),
  source: $('digit-source'),
  // The trainers are made below; the panel asks only once a round has finished.
  ask: { classify: (level, pixels) => trainers.classify(level, pixels), testImage: (index) => trainers.testImage(index) },
});
const connectionView = new ConnectionView({
  panel: $('connections-panel'),
  heatmap: $('connections-heatmap'),
  units: $('connections-units'),
  count: $('connections-count'),
});

/** A finished ticket round's views, to the per-round panels. */
function showRoundViews({ level, filters, connections, weights, confusion }) {
  if (filters.length) filterView.add(level, filters);
  if (connections) connectionView.add(level, connections);
  weightsView.add(level, weights);
  confusionView.add(level, confusion);
}
// With several trials, the panels show the trial picked in the Run panel (the first by default).
const trialPicker = new TrialPicker($('panels-trial-field'), $('panels-trial'), (messages, fresh) => {
  if (fresh) for (const view of [filterView, connectionView, weightsView, confusionView]) view.reset();
  messages.forEach(showRoundViews);
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
// Rounds and target_remaining are read only when "Prune until" chooses them (the other is null).
function fieldValue(name) {
  if (name === 'controls') return CONTROLS.filter((control) => $(`control-${control}`).checked).join(',');
  if (PRUNE_UNTIL.includes(name) && $('prune_until').value !== name) return null;
  return $(name).value;
}

function setFieldValue(name, value) {
  if (name === 'controls') {
    const chosen = String(value).split(',');
    for (const control of CONTROLS) $(`control-${control}`).checked = chosen.includes(control);
  } else if (value != null) { // null: not chosen; its field keeps what was typed in it
    $(name).value = value;
  }
}

// --- how long to prune: rounds, or until a share of the weights remains -----------------------

const PRUNE_UNTIL = ['rounds', 'target_remaining'];

/** Shows the chosen one of the rounds and target fields. */
function showPruneUntil() {
  for (const name of PRUNE_UNTIL) $(`${name}-field`).hidden = $('prune_until').value !== name;
  if ($('prune_until').value === 'target_remaining' && !$('target_remaining').value.trim()) $('target_remaining').value = '3.6';
}

// A model's prunable layers, from the core (asked of the first worker once per model): what the
// pruning hints climb the ladder over. model -> layers, or null while asked for or refused.
const weightLayers = new Map();
let pruningPlan = null; // what the chosen rounds or target mean: {rounds, kept, total, percent}

function layersFor(values) {
  if (EMBEDDED) return null; // no settings shown: no hints, and no core loaded before Train
  const { model } = toConfig(values);
  if (!weightLayers.has(model)) {
    weightLayers.set(model, null);
    // Refused: null (the core says why when a run starts).
    trainers.weightLayers(model).then(({ layers }) => layers, () => null).then((layers) => {
      weightLayers.set(model, layers ?? null);
      if (!running) updateHints(readForm());
    });
  }
  return weightLayers.get(model);
}

/**
 * What rounds or a target mean for these settings; sets pruningPlan. A target the core would
 * refuse is an error for its field (null: fine, or not known yet).
 */
function planPruning(values) {
  pruningPlan = null;
  const layers = values && layersFor(values);
  $('rounds-hint').textContent = '0 trains the dense network only';
  $('target_remaining-hint').textContent = '';
  if (!layers) return null;
  if (values.target_remaining == null) {
    if (values.rounds === 0) return null;
    pruningPlan = keptAfterRounds(layers, values, values.rounds);
  } else {
    const plan = roundsForTarget(layers, values, values.target_remaining);
    if (plan.error) return plan.error;
    pruningPlan = plan;
  }
  const { rounds, kept, total, percent } = pruningPlan;
  const share = `${percentText(percent)} of the weights (${kept.toLocaleString('en')} of ${total.toLocaleString('en')})`;
  if (values.target_remaining == null) $('rounds-hint').textContent = `the last keeps ${share}`;
  else $('target_remaining-hint').textContent = `= ${rounds} round${rounds === 1 ? '' : 's'}; the last keeps ${share}`;
  return null;
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
  const targetError = planPruning(valid ? values : null);
  if (targetError) showFieldError('target_remaining', targetError);
  return valid && !targetError ? values : null;
}

function writeForm(values) {
  for (const name of Object.keys(SETTINGS)) setFieldValue(name, values[name]);
  $('prune_until').value = values.target_remaining == null ? 'rounds' : 'target_remaining';
  showPruneUntil();
  planPruning(values);
  $('preset').value = presetOf(values);
  showModelFields(values.model);
  updateHints(values);
}

/** The architecture field for a custom network only; the conv rate for networks with convolutions. */
function showModelFields(model) {
  $('architecture-field').hidden = model !== 'custom';
  $('prune_rate_conv-field').hidden = model === 'lenet-300-100';
}

/**
 * A newly chosen model brings its own defaults (learning rate, conv rate); under the paper preset,
 * its own iterations a round too.
 */
function onModelChosen() {
  const model = $('model').value;
  const standard = defaults(model);
  for (const name of MODEL_SETTINGS) setFieldValue(name, standard[name]);
  const values = readForm();
  if (values && $('preset').value !== 'custom') writeForm(withPreset(values, $('preset').value));
  showModelFields(model);
}

/** The hints that follow the settings: iterations per round, and what Train will do. */
function updateHints(values) {
  const iterations = values ? iterationsFor(values) : 0;
  $('iterations-hint').textContent = values ? `= ${iterations.toLocaleString('en')} iteration${iterations === 1 ? '' : 's'}${prunes(values) ? ' per round' : ''}` : '';
  $('train-what').textContent = values ? describeTrain(values, iterations) + downloadNote : '';
}

// What Train will download first, said before it starts: MNIST, unless this browser kept it.
let downloadNote = '';
const MNIST_MB = (MNIST_DOWNLOAD_BYTES / 1e6).toFixed(1);
const mnistNeeded = mnistNeedsDownload();
mnistNeeded.then((needed) => {
  downloadNote = needed ? ` The first run downloads MNIST once (${MNIST_MB} MB).` : '';
  if (!running) updateHints(readForm());
});

/** What Train runs, in a sentence: the network, the rounds and what they keep, the controls. */
function describeTrain(values, iterations) {
  const network = MODELS[values.model]?.label ?? values.model;
  const each = `${iterations.toLocaleString('en')} iteration${iterations === 1 ? '' : 's'}`;
  const trials = values.trials > 1 ? ` ${values.trials} trials (seeds ${values.seed}–${values.seed + values.trials - 1}),` : ` seed ${values.seed},`;
  if (!prunes(values)) return `Train: ${network},${trials} the dense network only (${each}; Rounds is 0).`;
  const rounds = pruningPlan?.rounds ?? values.rounds;
  const keeps = pruningPlan ? ` down to ${percentText(pruningPlan.percent)} of the weights` : '';
  const controls = values.controls ? `, with ${values.controls.split(',').map((c) => BRANCH_NAMES[c]).join(' and ')} beside the ticket` : '';
  return `Train: ${network},${trials} ${rounds != null ? `${rounds} pruning round${rounds === 1 ? '' : 's'}` : 'pruning rounds'} of ${each}${keeps}${controls}.`;
}
const prunes = (values) => Boolean(values.rounds || values.target_remaining != null);

function onSettingsChanged() {
  const values = readForm();
  updateHints(values);
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
  if (problems.length) bringIntoView(notice);
}

form.addEventListener('input', (event) => {
  if (event.target.id === 'model') onModelChosen();
  if (event.target.id === 'preset') onPresetChosen();
  if (event.target.id === 'prune_until') showPruneUntil();
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
let curvesShown = null; // the round of the learning curves on show: {rank: [trial, level, branch rank], branch, level, trial}

/** The curves' label: their round, and its share of weights once its ticket has finished. */
function labelCurves() {
  if (!curvesShown) return;
  const { branch, level, trial } = curvesShown;
  const label = segmentLabel(branch, level, roundsDone.find((r) => r.branch === 'ticket' && r.level === level)?.percent_remaining) +
    (trial?.count > 1 ? ` (${trialLabel(trial).toLowerCase()})` : '');
  $('segment-label').textContent = label;
  $('segment-label-loss').textContent = label;
}
/** Whether rank `a` ([trial, level, branch]) comes before rank `b` in the order of a run. */
const isOlder = (a, b) => {
  const i = a.findIndex((value, index) => value !== b[index]);
  return i >= 0 && a[i] < b[i];
};
const roundsDone = []; // RoundResult objects of the trial in progress (the run, with one trial)
let earlierTrials = []; // the finished rounds of each trial before it, for the charts' mean and spread

/** The trial in progress's rounds join the earlier trials' (the charts' spread): a new trial begins. */
function beginNextTrial() {
  earlierTrials.push(roundsDone.slice());
  roundsDone.length = 0;
}

function setRunning(isRunning) {
  running = isRunning;
  paused = false;
  $('train').disabled = isRunning;
  $('pause').disabled = !isRunning;
  $('stop').disabled = !isRunning;
  $('pause').textContent = 'Pause';
  for (const name of Object.keys(SETTINGS)) setFieldDisabled(name, isRunning);
  $('preset').disabled = isRunning;
  $('prune_until').disabled = isRunning;
  $('import-ticket').disabled = isRunning;
  $('new-seed').disabled = isRunning;
}

function setStatus(text) {
  $('status').textContent = text;
}

/** Shows (or, with null, hides) the error box, brought into view; `kind` leads its text. */
function showError(message, kind = 'Error') {
  $('error').hidden = !message;
  $('error').textContent = message ? `${kind}: ${message}` : '';
  if (message) bringIntoView($('error'));
}

/** Scrolls just enough to show `element` (a status, an error, an offer that has just appeared). */
function bringIntoView(element) {
  element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

// Ten digits: chance is 10%. A dense network that ends below NEAR_CHANCE did not learn.
const NEAR_CHANCE = 0.2;

/**
 * Why a finished run's dense network ended near chance, naming the setting to change; null when
 * every trial's learned.
 */
function learningProblem(results) {
  const denseOf = (trial) => trial.rounds.find((r) => r.branch === 'ticket' && r.level === 0)?.last;
  const trial = trialsOf(results).find((t) => denseOf(t) && denseOf(t).test_accuracy < NEAR_CHANCE);
  if (!trial) return null;
  const { learning_rate: rate, model } = trial.config;
  const standard = defaults(Object.hasOwn(MODELS, model) ? model : 'custom').learning_rate;
  const advice = rate > 3 * standard
    ? `The learning rate, ${rate}, is probably too high: try ${standard}, this model's default.`
    : `Train longer (Epochs), or check the learning rate (${rate}) and the batch size.`;
  return `the dense network ended at ${percent(denseOf(trial).test_accuracy)} test accuracy, near chance (10% for ten digits): it did not learn. ${advice}`;
}

/**
 * Every evaluation of every round, one row each: the columns of `lth imp`'s curves.csv
 * (src/report.rs), so that one script plots both.
 */
function curvesCsv(results) {
  const fixed = (value) => (value == null ? '' : value.toFixed(6));
  const rows = trialsOf(results).flatMap((trial) => trial.rounds.flatMap((round) => round.evaluations.map((e) => [
    trial.config.seed, round.branch, round.level, round.percent_remaining.toFixed(4), e.iteration,
    fixed(e.train_loss), fixed(e.validation_loss), fixed(e.validation_accuracy), fixed(e.test_loss), fixed(e.test_accuracy),
  ].join(','))));
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
  const seed = trainers.settings && trials.trial?.count > 1 ? `, seed ${trainers.settings.seed}` : ''; // the trial in progress
  $('export-ticket').textContent = `${level === 0 ? 'Export the dense network' : `Export the ticket of round ${level}`}${seed} (safetensors)`;
  $('export-ticket-hint').textContent = 'its mask, the weights it restarts from, and the settings; PyTorch and NumPy read it';
}

$('export-ticket').addEventListener('click', async () => {
  try {
    const { level, bytes } = await trainers.exportTicket(Number($('export-ticket').dataset.level));
    // The workers hold the last trial's tickets: its seed names the file.
    download(new Blob([bytes], { type: 'application/octet-stream' }), `ticketlab-${fileStem(trainers.settings)}-round${level}.safetensors`);
  } catch (error) {
    $('export-ticket-hint').textContent = `The ticket could not be exported: ${error.workerMessage ?? error.message}`;
  }
});

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
  const has = trialsOf(results).some((trial) => trial.rounds.length > 0);
  const name = has ? `ticketlab-${fileStem(results.config)}${results.results ? `-trials${results.trials}` : ''}` : '';
  offerFile($('download'), has ? JSON.stringify(results, null, 2) : null, 'application/json', `${name}.json`);
  offerFile($('download-csv'), has ? curvesCsv(results) : null, 'text/csv', `${name}-curves.csv`);
}

/**
 * The run's time left from its pace since its first progress report (not since Train: loading the
 * data is no measure of training), once that pace has had PACE_SECONDS to settle.
 */
const PACE_SECONDS = 3;
let runPace = null; // {started (ms), done (share of the run)} at the first progress report
function timeLeft(done) {
  const now = performance.now();
  runPace ??= { started: now, done };
  const seconds = (now - runPace.started) / 1000;
  if (seconds < PACE_SECONDS || done <= runPace.done) return 'estimating…';
  return formatDuration((seconds / (done - runPace.done)) * (1 - done));
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
 * The charts against weights remaining, from the rounds done: x = % remaining, one line per
 * branch: test accuracy and iteration at early stop; with several trials, their mean, and the
 * spread (min to max, and each trial's points) of those that finished each level.
 */
function drawTickets() {
  const trials = [...earlierTrials, roundsDone];
  const several = trials.length > 1;
  const branches = BRANCHES.map(({ branch }) => branch);
  for (const [chart, measure] of [[ticketsChart, (stop) => stop.test_accuracy], [earlyStopChart, (stop) => stop.iteration]]) {
    const { xs, means, spreads } = chartColumns(trials, branches, measure);
    const dense = means[0].at(-1) ?? null; // level 0 (100%) is the last x, every branch's start
    chart.setData(xs, [...means, xs.map(() => dense)], several ? [...spreads, null] : null);
    if (chart === ticketsChart) showHeadline(xs, means, several ? trials.length : 1);
  }
  for (const hint of document.querySelectorAll('.trials-hint')) {
    hint.textContent = several ? `mean of ${trials.length} trials; band: lowest to highest` : '';
  }
}

/**
 * The headline numbers, the ticket's first: its test accuracy at early stop at the sparsest level
 * it has finished, the random re-initialisation's at that level, and the dense network's; means
 * over trials. `xs` ascend, so the sparsest level is the first with a ticket value.
 */
function showHeadline(xs, [ticket, reinit], trials) {
  const sparsest = ticket.findIndex((value) => value != null);
  const pruned = sparsest >= 0 && sparsest < xs.length - 1;
  $('headline').hidden = xs.length === 0;
  $('headline-note').hidden = xs.length === 0;
  $('headline-dense').textContent = xs.length ? percent(ticket.at(-1)) : '–';
  $('headline-ticket').textContent = pruned ? percent(ticket[sparsest]) : '–';
  $('headline-ticket-share').textContent = pruned ? `${percentText(xs[sparsest])} of weights` : 'no round pruned yet';
  $('headline-reinit').textContent = pruned && reinit[sparsest] != null ? percent(reinit[sparsest]) : '–';
  $('headline-note').textContent = `test accuracy at early stop${trials > 1 ? `, mean of ${trials} trials` : ''}` +
    (pruned && reinit[sparsest] == null ? '; the random re-init of that round is still to come' : '');
}

/**
 * The status line of a finished run of several trials, from its summary rows: the ticket's
 * accuracy at its last level (mean, lowest and highest), beside the dense network's and the
 * random re-initialisation's means.
 */
function describeTrialsDone({ rows, seeds }) {
  const over = `Done: ${seeds.length} trials (seeds ${seeds[0]} to ${seeds.at(-1)})`;
  const range = ({ mean, min, max }) => `${percent(mean)} (lowest ${percent(min)}, highest ${percent(max)})`;
  const ticket = rows.findLast((row) => row.branch === 'ticket');
  if (ticket.level === 0) return `${over}: mean test accuracy ${range(ticket.final_test_accuracy)}.`;
  const dense = rows.find((row) => row.branch === 'ticket' && row.level === 0);
  const reinit = rows.find((row) => row.branch === 'random_reinit' && row.level === ticket.level);
  return `${over}: with ${ticket.percent_remaining.toFixed(1)}% of its weights the ticket reaches a mean ${range(ticket.early_stop_test_accuracy)} ` +
    `test accuracy at early stop (dense network: ${percent(dense.early_stop_test_accuracy.mean)}` +
    `${reinit ? `; the same mask randomly re-initialised: ${percent(reinit.early_stop_test_accuracy.mean)}` : ''}).`;
}

/** The run's last test accuracy, from its last round with an evaluation. */
const lastEvaluation = (results) => trialsOf(results).flatMap((trial) => trial.rounds).findLast((r) => r.last)?.last;

let replaying = false; // drawing kept or precomputed rounds, not a live run's
// Keeps the live run's finished rounds and checkpoint for a reload; says so when the browser refuses.
const keeper = new RunKeeper((message) => {
  $('storage-notice').hidden = false;
  $('storage-notice').textContent = `Not kept: ${message}. Everything computed is still in this page: download the results to keep ` +
    'them. After a reload the run can resume only from the rounds kept before.';
  bringIntoView($('storage-notice'));
});
let runValues = null; // the live run's settings
let resumedAt = null; // the level a resumed run goes on from (null: a run from the start)

/** Every view emptied for a new run of `config` (live or precomputed). */
function startViews(config) {
  accuracyChart.reset();
  lossChart.reset();
  roundsDone.length = 0;
  earlierTrials = [];
  drawTickets();
  filterView.reset();
  $('export-ticket').parentElement.hidden = true;
  connectionView.reset();
  weightsView.reset();
  confusionView.reset();
  trialPicker.reset();
  digitView.reset();
  // Only the branches this run trains, in the charts and their legends; the x axes fitted to the data.
  BRANCHES.forEach(({ branch }, index) => {
    for (const chart of [ticketsChart, earlyStopChart]) chart.showSeries(index, branch === 'ticket' || (config.controls ?? []).includes(branch));
  });
  for (const chart of [ticketsChart, earlyStopChart]) chart.holdXRange(null);
  const denseOnly = config.rounds === 0;
  $('tickets-chart').hidden = denseOnly;
  $('tickets-caption').hidden = denseOnly;
  $('tickets-empty').hidden = !denseOnly;
  $('early-stop-panel').hidden = denseOnly;
  document.querySelector('#headline .headline-reinit').hidden = !(config.controls ?? []).includes('random_reinit');
  curvesShown = null;
  showError(null);
  offerDownload(null);
  for (const id of ['iteration', 'epoch', 'speed', 'validation-accuracy', 'test-accuracy', 'eta', 'round-eta']) $(id).textContent = '–';
  for (const label of document.querySelectorAll('.branch-of')) label.textContent = '';
  $('progress').value = 0;
  $('round-progress').value = 0;
  roundShown = null;
  runPace = null;
}

/**
 * Starts a live run of the form's `values`; `resume` (describeKeptTrials's, with the kept `config`)
 * goes on from the interrupted trial (from its kept checkpoint, if any) after drawing the kept
 * rounds: the finished trials', and that trial's from before the checkpoint.
 */
function startRun(values, resume = null) {
  const config = toConfig(values);
  const ticket = importedTicket?.config && !resume ? importedTicket.bytes : null;
  if (resume) {
    drawFinishedRounds(resume.config, resume.drawn, values.trials);
    digitView.reset(); // the rounds drawn again have no networks, but the ones to come will
  } else {
    startViews(config);
  }
  $('kept-offer').hidden = true;
  $('storage-notice').hidden = true;
  $('progress-pair').hidden = false; // a live run's: a precomputed one has no progress to show
  // The charts against weights remaining span the whole run from its start: 100% down to what its
  // last round keeps, as the form worked it out.
  const xRange = pruningPlan && !ticket ? [pruningPlan.percent, 100] : null;
  for (const chart of [ticketsChart, earlyStopChart]) chart.holdXRange(xRange);
  confirmingStartOver = false;
  bringIntoView($('status'));
  // A ticket's run depends on its file too: not kept. With several trials, each is kept under its own seed.
  keeper.start(ticket ? null : toHash(values) || '#', resume?.checkpoint, resume?.views);
  runValues = values;
  resumedAt = resume?.checkpoint ? resume.checkpoint.level + 1 : null;
  setRunning(true);
  setStatus(resumedAt !== null ? `Resuming at round ${resumedAt}…` : 'Starting…');
  trials.run(config, ticket, values.trials, resume);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  if (running) return;
  const values = readForm();
  if (!values) {
    setStatus('Fix the highlighted settings to start.');
    const field = form.querySelector('[aria-invalid="true"]');
    field?.focus({ preventScroll: true });
    if (field) bringIntoView(field);
    return;
  }
  // A kept run that could resume is replaced by a new one: ask first (a second press confirms).
  if (!$('kept-offer').hidden && !$('resume-kept').hidden && !confirmingStartOver) {
    confirmingStartOver = true;
    setStatus('Train starts this run over, and its kept rounds are replaced as the new run finishes them. Press Train again to start over, or Resume the run to continue it.');
    bringIntoView($('kept-offer'));
    return;
  }
  startRun(values);
});
let confirmingStartOver = false; // Train was pressed once with a resumable run on offer

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
  const reading = importedTicket;
  let config;
  try {
    ({ config } = await trainers.readTicket(reading.bytes));
  } catch (error) {
    if (importedTicket !== reading) return; // another file was chosen meanwhile
    importedTicket = null;
    $('import-ticket-status').textContent = '';
    $('import-ticket-error').textContent = error.workerMessage ?? error.message;
    return;
  }
  if (importedTicket !== reading) return;
  importedTicket.config = config;
  writeForm(fromConfig(config));
  onSettingsChanged();
  $('import-ticket-error').textContent = '';
  $('import-ticket-status').textContent = `${importedTicket.name}: ${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}. ` +
    'Train retrains this ticket (it becomes round 0); rounds above 0 prune on from it. ' +
    'Its run is not kept in this browser, so it cannot be resumed after a reload.';
});

$('pause').addEventListener('click', () => (paused ? trials.resume() : trials.pause()));

$('stop').addEventListener('click', () => trials.stop());

/** Copies `text` to the clipboard, saying so in `status`; where the clipboard is refused, shows it to copy by hand. */
async function copyText(text, status, select = null) {
  status.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    select?.select(); // no clipboard here (an insecure page, or refused)
    status.textContent = select ? 'Selected: press Ctrl+C (⌘C) to copy.' : `Copy this link: ${text}`;
  }
}

const tour = new Tour($('tour'));
$('start-tour').addEventListener('click', () => tour.start());

$('copy-link').addEventListener('click', () => {
  const values = readForm();
  if (values) history.replaceState(null, '', toHash(values) || location.pathname + location.search);
  copyText(location.href, $('copy-link-status'));
});

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
  $('round-eta').textContent = trained > 0 && seconds >= 1 ? formatDuration((seconds / trained) * (iterations - iteration)) : 'estimating…';
}

// --- worker messages -----------------------------------------------------------------------

const handlers = {
  loading({ file, loaded, total, cached }) {
    if (cached) {
      setStatus(`Reading MNIST from this browser's cache: ${file} (${(loaded / 1e6).toFixed(1)} MB)`);
      return;
    }
    const share = total ? ` ${Math.round((100 * loaded) / total)}%` : '';
    setStatus(`Downloading MNIST: ${file}${share} (${(loaded / 1e6).toFixed(1)} MB)`);
  },
  started({ config }, trial) {
    const first = !trial || trial.index === trials.first; // the run's first trial (a resumed run's interrupted one)
    downloadNote = ''; // the data is in: the page holds it, and this browser keeps it
    if (!first) {
      // The next trial: the last one's rounds join the charts' spread, and are kept under its own seed.
      beginNextTrial();
      digitView.reset(); // the workers now hold this trial's networks, not the last one's
      resumedAt = null;
    }
    if (trial?.count > 1 && keeper.key != null) keeper.start(toHash({ ...runValues, seed: trial.seed, trials: 1 }) || '#', ...(first && trials.resumeFrom ? [trials.resumeFrom.checkpoint, trials.resumeFrom.views] : []));
    const network = `${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}`;
    setStatus(withTrial(trial, resumedAt === null ? `Training ${network}: evaluating the untrained network…`
      : `Resumed ${network} at round ${resumedAt} (the rounds before it are from this browser's storage): evaluating its ticket before training…`));
  },
  progress({ parts, done, segments, samples_per_second: speed }, trial) {
    // The numbers follow the first worker still training (the ticket's, while it trains).
    const { progress } = parts.find((p) => p.progress && !p.waiting && !p.ended) ?? parts.find((p) => p.progress);
    showRoundProgress(progress);
    $('iteration').textContent = `${progress.iteration.toLocaleString('en')} / ${progress.iterations.toLocaleString('en')}`;
    $('epoch').textContent = progress.epoch.toFixed(2);
    $('speed').textContent = `${Math.round(speed).toLocaleString('en')} images/s`;
    $('progress').value = done;
    $('eta').textContent = timeLeft(done);
    if (!paused) setStatus(withTrial(trial, describeProgress(parts, segments)));
  },
  evaluation(point, trial) {
    // The curves show the newest round begun (by trial, level, then branch: the order one worker
    // trains them in). With two workers an older round may still be training beside it; its
    // evaluations are in the results, but would make the curves flip between the two.
    const rank = [trial?.index ?? 0, point.level, BRANCH_ORDER.indexOf(point.branch)];
    if (!curvesShown || rank.some((value, index) => value !== curvesShown.rank[index])) {
      if (curvesShown && isOlder(rank, curvesShown.rank)) return;
      curvesShown = { rank, branch: point.branch, level: point.level, trial };
      accuracyChart.reset();
      lossChart.reset();
      labelCurves();
    }
    accuracyChart.add(point.iteration, [point.validation_accuracy, point.test_accuracy]);
    lossChart.add(point.iteration, [point.train_loss, point.validation_loss, point.test_loss]);
    $('validation-accuracy').textContent = percent(point.validation_accuracy);
    $('test-accuracy').textContent = percent(point.test_accuracy);
    for (const label of document.querySelectorAll('.branch-of')) label.textContent = `(${segmentLabel(point.branch, point.level).replace('— ', '')})`;
  },
  round_done(round) {
    roundsDone.push(round);
    labelCurves();
    drawTickets();
    if (replaying) {
      // Rounds drawn again: no worker holds their tickets, and they are kept already.
      digitView.unavailable();
      return;
    }
    offerTicketExport();
    // Kept for a reload: the rounds finished so far, under the settings' hash.
    keeper.keep(roundsDone.slice(), trainers.settings);
  },
  checkpoint(message) {
    keeper.checkpoint(message, roundsDone.slice(), trainers.settings);
  },
  trial_ended({ results }) {
    keeper.end(results); // how it ended: a reload offers no resume of a run that diverged
  },
  round_views(message, trial) {
    keeper.view(message);
    trialPicker.add(message, trial);
    // Draw a digit asks the worker, which holds the networks of the trial in progress only.
    const { level } = message;
    digitView.add(level, roundsDone.find((r) => r.branch === 'ticket' && r.level === level).percent_remaining);
  },
  done({ results }) {
    setRunning(false);
    $('progress').value = 1;
    $('round-progress').value = 1;
    $('eta').textContent = '0 s';
    $('round-eta').textContent = '0 s';
    const speed = `${Math.round(results.train_samples_per_second).toLocaleString('en')} images/s`;
    const ticket = results.rounds?.findLast((r) => r.branch === 'ticket');
    if (results.results) {
      setStatus(describeTrialsDone(results));
    } else if (results.config.rounds === 0) {
      setStatus(`Done: ${percent(ticket.last.test_accuracy)} test accuracy after ${ticket.last.iteration.toLocaleString('en')} iterations, ${speed}.`);
    } else {
      const dense = results.rounds[0].early_stop.test_accuracy;
      const reinit = results.rounds.find((r) => r.branch === 'random_reinit' && r.level === ticket.level);
      setStatus(`Done: with ${ticket.percent_remaining.toFixed(1)}% of its weights the ticket reaches ${percent(ticket.early_stop.test_accuracy)} ` +
        `test accuracy at early stop (dense network: ${percent(dense)}` +
        `${reinit ? `; the same mask randomly re-initialised: ${percent(reinit.early_stop.test_accuracy)}` : ''}), ${speed}.`);
    }
    const problem = learningProblem(results);
    if (problem) {
      showError(problem, 'It did not learn');
      setStatus(`Done, but the network did not learn: ${$('status').textContent.replace(/^Done: /, '')}`);
      if (/learning rate/.test(problem)) showFieldError('learning_rate', 'the last run did not learn at this learning rate; see the message by Train');
    }
    offerDownload(results);
  },
  paused(_, trial) {
    paused = true;
    $('pause').textContent = 'Resume';
    setStatus(withTrial(trial, 'Paused. Resume continues exactly where it stopped; the numbers do not change.'));
  },
  resumed() {
    paused = false;
    $('pause').textContent = 'Pause';
    setStatus('Resumed.');
  },
  stopped({ results }, trial) {
    setRunning(false);
    const last = lastEvaluation(results);
    const where = trial?.count > 1 ? ` in ${trialLabel(trial).toLowerCase()}` : '';
    const kept = trial?.count > 1 ? 'Every finished trial and the rounds of this one are kept.' : 'What was computed is kept.';
    setStatus(last ? `Stopped${where}; last test accuracy ${percent(last.test_accuracy)} at iteration ${last.iteration.toLocaleString('en')}. ${kept}` : 'Stopped.');
    offerDownload(results);
  },
  error({ message, results }, trial) {
    setRunning(false);
    showError(message);
    showCoreErrorBesideField(message);
    if (/diverged/.test(message)) showFieldError('learning_rate', 'the last run diverged at this learning rate; try a smaller one');
    const kept = lastEvaluation(results);
    const which = trial?.count > 1 ? `${trialLabel(trial)} ended early; every trial's evaluations so far are kept below.` : 'The run ended early; the evaluations so far are kept below.';
    setStatus(kept ? which : 'The run could not start.');
    offerDownload(kept ? results : null);
  },
};

// One worker, or (with controls, on a machine with cores to spare) one for the ticket and more for
// the controls: see trainers.js; several trials, one after another: see trials.js.
const trials = new Trials((message, trial) => handlers[message.type]?.(message, trial), navigator.hardwareConcurrency || 1);
const { trainers } = trials; // the workers, which also answer the page's questions

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

/**
 * Draws finished rounds (from a file or from the browser's storage) as if they had just run:
 * `trials` holds each trial's {rounds, views (its ticket rounds' panel views)} of a run of
 * `count` trials, from `config.seed`.
 */
function drawFinishedRounds(config, trials, count = 1) {
  startViews(config);
  replaying = true;
  trials.forEach(({ rounds, views }, index) => {
    const trial = count > 1 ? { index, seed: config.seed + index, count } : null;
    if (index > 0) beginNextTrial();
    for (const round of rounds) {
      for (const evaluation of round.evaluations) handlers.evaluation({ branch: round.branch, level: round.level, ...evaluation }, trial);
      handlers.round_done(round);
    }
    for (const view of views) trialPicker.add(view, trial);
  });
  replaying = false;
}

/**
 * Draws the precomputed run (the default settings' run, made by lth) as if it had just finished.
 * `why` leads the status line; with `takeSettings` the form then holds its settings, so that Train
 * computes it live.
 */
async function showPrecomputed(why, takeSettings) {
  if (running) return;
  let results;
  try {
    // Compressed where the browser can decompress it (16 KB instead of 88 KB).
    const name = `../precomputed/quick-seed0.json${canGunzip() ? '.gz' : ''}`;
    const response = await fetch(new URL(name, import.meta.url));
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    results = JSON.parse(new TextDecoder().decode(await gunzipped(new Uint8Array(await response.arrayBuffer()))));
  } catch (error) {
    showError(`the precomputed run could not be loaded (${error.message})`);
    return;
  }
  if (running) return; // Train was pressed while it loaded
  drawFinishedRounds(results.config, [{ rounds: results.rounds, views: [] }]);
  handlers.done({ results });
  const same = takeSettings || toHash(readForm() ?? {}) === '';
  setStatus(`${why}: computed ahead of time by lth (imp --preset quick --seed 0), with exactly the numbers this page gets. ` +
    (same ? 'Press Train to compute it live in your browser' : 'Press Train to run this experiment live in your browser') +
    ((await mnistNeeded) ? ` (it downloads ${MNIST_MB} MB of MNIST first).` : '.'));
  if (takeSettings) {
    writeForm(defaults());
    onSettingsChanged();
  }
}

$('show-precomputed').addEventListener('click', () => showPrecomputed('Precomputed: the quick preset, finished', true));

// The first picture at once: a visit without settings in the link (or an embed, before Train) sees
// the default run finished, computed ahead of time with exactly the numbers Train gets here.
if (EMBEDDED || location.hash.replace(/^#/, '') === '') {
  showPrecomputed(location.hash.replace(/^#/, '') === '' ? 'Precomputed: the run Train starts, finished' : 'Precomputed: the default run, finished', false);
}

// --- rounds kept from an earlier visit ------------------------------------------------------

// Each trial of a run is kept under its one-seed link (see the started handler): the records of
// seeds seed, seed + 1, … are the run's trials, each the run of its seed alone, bit for bit.
async function offerKeptRounds() {
  const values = readForm();
  const found = values ? await Promise.all(Array.from({ length: values.trials },
    (_, index) => keptRounds(toHash({ ...values, seed: values.seed + index, trials: 1 }) || '#'))) : [];
  // A damaged record is set aside, and said so: the others are offered as usual.
  $('storage-notice').hidden = !found.includes(DAMAGED);
  $('storage-notice').textContent = found.includes(DAMAGED) ? 'A run kept in this browser with these settings could not be read (its record is damaged), so it is not offered; Train runs it again.' : '';
  const records = found.map((record) => (record === DAMAGED ? null : record));
  const kept = records[0]?.rounds?.length ? describeKeptTrials(records, values.trials, values.seed) : null;
  $('kept-offer').hidden = !kept || running;
  if (!kept) return;
  bringIntoView($('kept-offer'));
  const { config } = records[0];
  $('kept-text').textContent = kept.text;
  $('resume-kept').hidden = !kept.resume;
  $('resume-kept').onclick = () => {
    const now = readForm();
    if (!running && now) startRun(now, { ...kept.resume, config });
  };
  $('show-kept').onclick = () => {
    if (running) return;
    drawFinishedRounds(config, kept.trials, values.trials);
    $('kept-offer').hidden = true;
    const count = kept.trials.flatMap((trial) => trial.rounds).length;
    const trials = values.trials > 1 ? ` (${kept.trials.length} of its ${values.trials} trials)` : '';
    setStatus(`Shown from this browser's storage: the ${count} finished round${count === 1 ? '' : 's'} of your last run with these settings${trials}. Press Train to run it again.`);
  };
}
window.addEventListener('hashchange', offerKeptRounds);
offerKeptRounds();

// --- embedding -----------------------------------------------------------------------------
// ?embed=tickets,accuracy (see embed.js) shows the run panel and those views, for an iframe in a
// blog post; the settings still come from the hash.

if (EMBEDDED) {
  const shown = applyEmbedMode(document, new URLSearchParams(location.search).get('embed'));
  $('tickets-panel').hidden = !shown.includes('tickets');
  $('open-full').hidden = false;
  const syncFullLink = () => { $('open-full').href = `${location.pathname}${location.hash}`; };
  syncFullLink();
  window.addEventListener('hashchange', syncFullLink);
  postHeight(window);
}

/**
 * The embed code for the views ticked; a view these settings would leave empty is unticked and
 * disabled, with the reason beside the boxes.
 */
function updateEmbedCode() {
  const values = readForm();
  const empty = values ? viewsNeverFilled(values) : {};
  for (const box of document.querySelectorAll('input[name="embed-view"]')) {
    box.disabled = box.value in empty;
    if (box.disabled) box.checked = false;
  }
  $('embed-empty').textContent = Object.entries(empty).map(([view, why]) => `${view}: ${why}`).join('; ');
  $('embed-empty').hidden = Object.keys(empty).length === 0;
  const views = [...document.querySelectorAll('input[name="embed-view"]:checked')].map((box) => box.value);
  $('embed-code').value = embedCode(`${location.origin}${location.pathname}`, views, location.hash);
}

for (const box of document.querySelectorAll('input[name="embed-view"]')) box.addEventListener('change', updateEmbedCode);
$('embed-box').addEventListener('toggle', updateEmbedCode);
window.addEventListener('hashchange', updateEmbedCode);
$('copy-embed').addEventListener('click', () => {
  updateEmbedCode();
  copyText($('embed-code').value, $('copy-embed-status'), $('embed-code'));
});
updateEmbedCode();

// For page tests and the curious: the latest results object, the rounds done so far (of the trial
// in progress), and how many workers the current (or last) run uses.
window.ticketlab = {
  results: () => lastResults,
  rounds: () => roundsDone.map(({ branch, level }) => `${branch}/${level}`),
  workers: () => trainers.workerCount,
  // The settings in force (the core's, once a run has started: a target's rounds resolved), and
  // what the page worked out the chosen rounds or target keep.
  settings: () => trainers.settings,
  pruningPlan: () => pruningPlan,
  // What the charts against weights remaining hold: [x, ...one column per branch].
  // With several trials, the lines are their means; *Spread: per branch {min, max, trials: [per trial]}.
  chartData: () => ({ tickets: ticketsChart.data, earlyStop: earlyStopChart.data, ticketsSpread: ticketsChart.spreads, earlyStopSpread: earlyStopChart.spreads,
    accuracy: accuracyChart.data }),
};
