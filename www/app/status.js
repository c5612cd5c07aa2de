// The run's status: the status line, the error box, the progress bars and times left, and the
// numbers of the latest evaluation. A view of the run state (run-state.js).
import { MODELS, defaults } from './settings.js';
import { trialLabel, withTrial } from './trials.js';
import { trialsOf } from './run-trials.js';
import { lastEvaluation, renderer, showsCurvesOf } from './run-state.js';
import { $, bringIntoView } from './dom.js';
import { BRANCH_NAMES, formatDuration, inWords, percent, segmentLabel } from './wording.js';

export function setStatus(text) {
  $('status').textContent = text;
}

/** Shows (or, with null, hides) the error box, brought into view; `kind` leads its text. */
export function showError(message, kind = 'Error') {
  $('error').hidden = !message;
  $('error').textContent = message ? `${kind}: ${message}` : '';
  if (message) bringIntoView($('error'));
}

// Ten digits: chance is 10%. A dense network that ends below NEAR_CHANCE did not learn.
const NEAR_CHANCE = 0.2;
// The run's time left comes from its pace since its first progress report (not since Train:
// loading the data is no measure of training), once that pace has had PACE_SECONDS to settle.
const PACE_SECONDS = 3;

/** The status of the run in `store`; `form` shows the errors that belong beside a field. Methods named after the actions they render. */
export class StatusView {
  constructor(store, form) {
    this.form = form;
    this.runPace = null; // {started (ms), done (share of the run)} at the first progress report
    this.roundShown = null; // the round whose pace the round's bar shows: {key, started (ms), firstIteration}
    store.subscribe(renderer(this, ['views_reset', 'run', 'loading', 'started', 'progress', 'evaluation', 'paused', 'resumed', 'done', 'stopped', 'error']));
  }

  views_reset() {
    showError(null);
    for (const id of ['iteration', 'epoch', 'speed', 'memory', 'validation-accuracy', 'test-accuracy', 'eta', 'round-eta']) $(id).textContent = '–';
    for (const label of document.querySelectorAll('.branch-of')) label.textContent = '';
    $('progress').value = 0;
    $('round-progress').value = 0;
    this.roundShown = null;
    this.runPace = null;
  }

  run(state) {
    bringIntoView($('status'));
    setStatus(state.resumedAt !== null ? `Resuming at round ${state.resumedAt}…` : 'Starting…');
  }

  loading(state, { message: { file, loaded, total, cached } }) {
    if (cached) {
      setStatus(`Reading MNIST from this browser's cache: ${file} (${(loaded / 1e6).toFixed(1)} MB)`);
      return;
    }
    const share = total ? ` ${Math.round((100 * loaded) / total)}%` : '';
    setStatus(`Downloading MNIST: ${file}${share} (${(loaded / 1e6).toFixed(1)} MB)`);
  }

  started(state, { message: { config }, trial }) {
    const network = `${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}`;
    setStatus(withTrial(trial, state.resumedAt === null ? `Training ${network}: evaluating the untrained network…`
      : `Resumed ${network} at round ${state.resumedAt} (the rounds before it are from this browser's storage): evaluating its ticket before training…`));
  }

  progress(state, { message: { parts, done, segments, samples_per_second: speed, worker_memory_bytes: workers, besides = [] }, trial }) {
    // The numbers follow the first worker still training (the ticket's, while it trains).
    const { progress } = parts.find((p) => p.progress && !p.waiting && !p.ended) ?? parts.find((p) => p.progress);
    this.showRoundProgress(progress);
    $('iteration').textContent = `${progress.iteration.toLocaleString('en')} / ${progress.iterations.toLocaleString('en')}`;
    $('epoch').textContent = progress.epoch.toFixed(2);
    $('speed').textContent = `${Math.round(speed).toLocaleString('en')} images/s`;
    showMemory(workers);
    $('progress').value = done;
    $('eta').textContent = this.timeLeft(done);
    const text = describeProgress(parts, segments);
    if (state.phase !== 'paused') setStatus(withTrial(trial, besides.length ? `${text.replace(/\.$/, '')}${describeBesides(besides)}.` : text));
  }

  evaluation(state, { message: point, trial }) {
    if (!showsCurvesOf(state, point, trial)) return; // an older round's, beside the newest
    $('validation-accuracy').textContent = percent(point.validation_accuracy);
    $('test-accuracy').textContent = percent(point.test_accuracy);
    for (const label of document.querySelectorAll('.branch-of')) label.textContent = `(${segmentLabel(point.branch, point.level).replace('— ', '')})`;
  }

  paused(state, { trial }) {
    setStatus(withTrial(trial, 'Paused. Resume continues exactly where it stopped; the numbers do not change.'));
  }

  resumed() {
    setStatus('Resumed.');
  }

  done(state, { message: { results } }) {
    $('progress').value = 1;
    $('round-progress').value = 1;
    $('eta').textContent = '0 s';
    $('round-eta').textContent = '0 s';
    setStatus(describeDone(results));
    const problem = learningProblem(results);
    if (problem) {
      showError(problem, 'It did not learn');
      setStatus(`Done, but the network did not learn: ${$('status').textContent.replace(/^Done: /, '')}`);
      if (/learning rate/.test(problem)) this.form.showFieldError('learning_rate', 'the last run did not learn at this learning rate; see the message by Train');
    }
  }

  stopped(state, { message: { results }, trial }) {
    const last = lastEvaluation(results);
    // Trials that trained side by side stop together.
    const stoppedTrials = (results?.results ?? []).filter((t) => t.status === 'stopped').map((t) => t.config.seed - results.config.seed + 1);
    const several = stoppedTrials.length > 1;
    const where = several ? ` in trials ${inWords(stoppedTrials)} of ${trial.count}` : trial?.count > 1 ? ` in ${trialLabel(trial).toLowerCase()}` : '';
    const kept = several ? 'Every finished trial and the rounds of those stopped are kept.'
      : trial?.count > 1 ? 'Every finished trial and the rounds of this one are kept.' : 'What was computed is kept.';
    setStatus(last ? `Stopped${where}; last test accuracy ${percent(last.test_accuracy)} at iteration ${last.iteration.toLocaleString('en')}. ${kept}` : 'Stopped.');
  }

  error(state, { message: { message, results }, trial }) {
    showError(message);
    this.form.showCoreError(message);
    if (/diverged/.test(message)) this.form.showFieldError('learning_rate', 'the last run diverged at this learning rate; try a smaller one');
    const which = trial?.count > 1 ? `${trialLabel(trial)} ended early; every trial's evaluations so far are kept below.` : 'The run ended early; the evaluations so far are kept below.';
    setStatus(lastEvaluation(results) ? which : 'The run could not start.');
  }

  // --- inside ------------------------------------------------------------------------------

  timeLeft(done) {
    const now = performance.now();
    this.runPace ??= { started: now, done };
    const seconds = (now - this.runPace.started) / 1000;
    if (seconds < PACE_SECONDS || done <= this.runPace.done) return 'estimating…';
    return formatDuration((seconds / (done - this.runPace.done)) * (1 - done));
  }

  /** The round on show (a branch at a level): its share done and, from its pace so far, its time left. */
  showRoundProgress({ branch, level, iteration, iterations }) {
    const key = `${branch}/${level}`;
    if (this.roundShown?.key !== key) this.roundShown = { key, started: performance.now(), firstIteration: iteration };
    $('round-progress').value = iteration / iterations;
    const trained = iteration - this.roundShown.firstIteration;
    const seconds = (performance.now() - this.roundShown.started) / 1000;
    $('round-eta').textContent = trained > 0 && seconds >= 1 ? formatDuration((seconds / trained) * (iterations - iteration)) : 'estimating…';
  }
}

/** "; trials 2 and 3 train beside it": the trials training beside the one on show (one or more). */
function describeBesides(besides) {
  const numbers = inWords(besides.map((trial) => trial.index + 1));
  return besides.length === 1 ? `; trial ${numbers} trains beside it` : `; trials ${numbers} train beside it`;
}

/** The status line of a finished run. */
function describeDone(results) {
  if (results.results) return describeTrialsDone(results);
  const speed = `${Math.round(results.train_samples_per_second).toLocaleString('en')} images/s`;
  const ticket = results.rounds?.findLast((r) => r.branch === 'ticket');
  if (results.config.rounds === 0) {
    return `Done: ${percent(ticket.last.test_accuracy)} test accuracy after ${ticket.last.iteration.toLocaleString('en')} iterations, ${speed}.`;
  }
  const dense = results.rounds[0].early_stop.test_accuracy;
  const reinit = results.rounds.find((r) => r.branch === 'random_reinit' && r.level === ticket.level);
  return `Done: with ${ticket.percent_remaining.toFixed(1)}% of its weights the ticket reaches ${percent(ticket.early_stop.test_accuracy)} ` +
    `test accuracy at early stop (dense network: ${percent(dense)}` +
    `${reinit ? `; the same mask randomly re-initialised: ${percent(reinit.early_stop.test_accuracy)}` : ''}), ${speed}.`;
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

/** The status line while training: where each worker is. */
function describeProgress(parts, segments) {
  if (parts.length === 1) {
    const { branch, level, iteration, iterations, segment, percent_remaining: share } = parts[0].progress;
    const where = segments > 1 ? ` ${segmentLabel(branch, level, share).replace('— ', '(')}, segment ${segment + 1} of ${segments})` : '';
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

/**
 * What the run holds in memory: each worker's core (its WebAssembly memory: MNIST, the networks,
 * the optimizer) and, where the browser tells it (Chromium's performance.memory), the page's own
 * JavaScript heap. The browser's own footprint is not counted: a page cannot see it.
 */
function showMemory(workers = []) {
  const mb = (bytes) => Math.round(bytes / 2 ** 20);
  const page = globalThis.performance?.memory?.usedJSHeapSize ?? 0;
  const total = workers.reduce((sum, bytes) => sum + bytes, page);
  const each = workers.map((bytes) => (bytes ? mb(bytes) : '…')).join(' + ');
  $('memory').textContent = total ? `${mb(total).toLocaleString('en')} MB` : '–';
  $('memory').title = `${workers.length === 1 ? 'the worker' : `${workers.length} workers`}: ${each} MB` + (page ? `; the page's JavaScript: ${mb(page)} MB` : '');
}
