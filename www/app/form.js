// The settings form: its fields ⇄ the settings' values (settings.js checks each) ⇄ the URL hash;
// the errors beside fields; the hints that follow the settings (iterations per round, what the
// chosen rounds or target keep, what Train will do); presets and model defaults; the fields
// disabled while a run goes. It reads the run state (run-state.js) and never changes it.
import {
  SETTINGS, CONTROLS, MODELS, MODEL_SETTINGS, defaults, fromHash, toHash, toConfig, iterationsFor, withPreset, presetOf, percentText,
} from './settings.js';
import { $, EMBEDDED, bringIntoView, copyText } from './dom.js';
import { BRANCH_NAMES } from './wording.js';
import { MNIST_DOWNLOAD_BYTES, mnistNeedsDownload } from './mnist.js';

const PRUNE_UNTIL = ['rounds', 'target_remaining']; // how long to prune: rounds, or until a share of the weights remains
export const MNIST_MB = (MNIST_DOWNLOAD_BYTES / 1e6).toFixed(1);
const prunes = (values) => Boolean(values.rounds || values.target_remaining != null);

export class SettingsForm {
  /** `store`: the run state; `trainers`: asks the core what settings mean. */
  constructor(store, trainers) {
    Object.assign(this, { store, trainers, element: $('settings') });
    // The core's word on each set of settings the form has held (asked of the first worker):
    // config JSON -> {plan} or {error}, or null while asked for (see checked()).
    this.checks = new Map();
    this.plan = null; // what the chosen rounds or target mean: {rounds, kept, total, percent}
    this.listeners = []; // called after each change of the settings
    // What Train will download first, said before it starts: MNIST, unless this browser kept it.
    this.downloadNote = '';
    this.mnistNeeded = mnistNeedsDownload();
    this.mnistNeeded.then((needed) => {
      this.downloadNote = needed ? ` The first run downloads MNIST once (${MNIST_MB} MB).` : '';
      this.updateHintsWhileIdle();
    });
    this.element.addEventListener('input', (event) => {
      if (event.target.id === 'model') this.onModelChosen();
      if (event.target.id === 'preset') this.onPresetChosen();
      if (event.target.id === 'prune_until') this.showPruneUntil();
      this.changed();
    });
    window.addEventListener('hashchange', () => this.loadFromUrl());
    $('new-seed').addEventListener('click', () => {
      $('seed').value = crypto.getRandomValues(new Uint32Array(1))[0];
      this.changed();
    });
    $('copy-link').addEventListener('click', () => {
      const values = this.read();
      if (values) history.replaceState(null, '', toHash(values) || location.pathname + location.search);
      copyText(location.href, $('copy-link-status'));
    });
    store.subscribe((state, action, before) => {
      if (action.type === 'started') this.downloadNote = ''; // the data is in: the page holds it, and this browser keeps it
      if ((state.phase === 'idle') !== (before.phase === 'idle')) this.setDisabled(state.phase !== 'idle');
    });
  }

  /** `listener()` is called after each change of the settings. */
  onChange(listener) {
    this.listeners.push(listener);
  }

  /** Checks every field; returns the values, or null after showing each problem beside its field. */
  read() {
    const values = {};
    let valid = true;
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const { value, error } = setting.check(fieldValue(name));
      this.showFieldError(name, error);
      if (error) valid = false;
      else values[name] = value;
    }
    const targetError = this.planPruning(valid ? values : null);
    if (targetError) this.showFieldError('target_remaining', targetError);
    return valid && !targetError ? values : null;
  }

  write(values) {
    for (const name of Object.keys(SETTINGS)) setFieldValue(name, values[name]);
    $('prune_until').value = values.target_remaining == null ? 'rounds' : 'target_remaining';
    this.showPruneUntil();
    this.planPruning(values);
    $('preset').value = presetOf(values);
    showModelFields(values.model);
    this.updateHints(values);
  }

  /** The settings changed: hints, preset, the link (the hash), and the listeners. */
  changed() {
    const values = this.read();
    this.updateHints(values);
    $('preset').value = values ? presetOf(values) : 'custom';
    if (values) history.replaceState(null, '', toHash(values) || location.pathname + location.search);
    for (const listener of this.listeners) listener();
  }

  loadFromUrl() {
    const { values, problems } = fromHash(location.hash);
    this.write(values);
    const notice = $('url-notice');
    notice.hidden = problems.length === 0;
    notice.textContent = problems.length ? `Some settings in the link were not used: ${problems.join('; ')}.` : '';
    if (problems.length) bringIntoView(notice);
  }

  showFieldError(name, message) {
    $(`${name}-error`).textContent = message ?? '';
    $(name).setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  /** The core names the setting it refuses ('setting "rewind_step": ...'): show it there too. */
  showCoreError(message) {
    let field = /^setting "(\w+)"/.exec(message ?? '')?.[1];
    // A custom network's shapes are checked by the core; its "model" is the architecture field.
    if (field === 'model' && $('model').value === 'custom') field = 'architecture';
    if (field && SETTINGS[field]) this.showFieldError(field, message.replace(/^setting "\w+": /, ''));
  }

  /** While a run goes, the settings cannot change. */
  setDisabled(disabled) {
    for (const name of Object.keys(SETTINGS)) {
      if (name === 'controls') for (const control of CONTROLS) $(`control-${control}`).disabled = disabled;
      else $(name).disabled = disabled;
    }
    for (const id of ['preset', 'prune_until', 'import-ticket', 'new-seed']) $(id).disabled = disabled;
  }

  /** Gives the first invalid field the focus, in view. */
  focusFirstProblem() {
    const field = this.element.querySelector('[aria-invalid="true"]');
    field?.focus({ preventScroll: true });
    if (field) bringIntoView(field);
  }

  // --- inside ------------------------------------------------------------------------------

  /** Shows the chosen one of the rounds and target fields. */
  showPruneUntil() {
    for (const name of PRUNE_UNTIL) $(`${name}-field`).hidden = $('prune_until').value !== name;
    if ($('prune_until').value === 'target_remaining' && !$('target_remaining').value.trim()) $('target_remaining').value = '3.6';
  }

  /**
   * The core's check of these settings (rules::check_settings, asked of the first worker once per
   * set of settings): {plan: {rounds, kept, total, percent}}, {error}, or null until it answers
   * (the form is read again then).
   */
  checked(values) {
    if (EMBEDDED) return null; // no settings shown: no hints, and no core loaded before Train
    const key = JSON.stringify(toConfig(values));
    if (!this.checks.has(key)) {
      this.checks.set(key, null);
      this.trainers.checkSettings(JSON.parse(key)).then(({ plan }) => ({ plan }), (error) => ({ error: error.workerMessage ?? error.message }))
        .then((answer) => {
          this.checks.set(key, answer);
          if (this.store.state.phase === 'idle') this.updateHints(this.read());
        });
    }
    return this.checks.get(key);
  }

  /**
   * What rounds or a target mean for these settings, in the hints; sets this.plan. A target the
   * core refuses is an error for its field (returned; null: fine, or not known yet). The core's
   * other refusals are shown when Train starts the run.
   */
  planPruning(values) {
    this.plan = null;
    $('rounds-hint').textContent = '0 trains the dense network only';
    $('target_remaining-hint').textContent = '';
    const check = values && this.checked(values);
    if (!check) return null;
    const targetRefused = /^setting "target_remaining": (.*)/s.exec(check.error ?? '');
    if (targetRefused) return targetRefused[1];
    if (check.error || (values.target_remaining == null && values.rounds === 0)) return null;
    this.plan = check.plan;
    const { rounds, kept, total, percent } = this.plan;
    const share = `${percentText(percent)} of the weights (${kept.toLocaleString('en')} of ${total.toLocaleString('en')})`;
    if (values.target_remaining == null) $('rounds-hint').textContent = `the last keeps ${share}`;
    else $('target_remaining-hint').textContent = `= ${rounds} round${rounds === 1 ? '' : 's'}; the last keeps ${share}`;
    return null;
  }

  /**
   * A newly chosen model brings its own defaults (learning rate, conv rate); under the paper preset,
   * its own iterations a round too.
   */
  onModelChosen() {
    const model = $('model').value;
    const standard = defaults(model);
    for (const name of MODEL_SETTINGS) setFieldValue(name, standard[name]);
    const values = this.read();
    if (values && $('preset').value !== 'custom') this.write(withPreset(values, $('preset').value));
    showModelFields(model);
  }

  /** A preset fills in its settings (over the form's others, which must be valid). */
  onPresetChosen() {
    const values = this.read();
    if (values && $('preset').value !== 'custom') this.write(withPreset(values, $('preset').value));
  }

  /** The hints that follow the settings: iterations per round, and what Train will do. */
  updateHints(values) {
    const iterations = values ? iterationsFor(values) : 0;
    $('iterations-hint').textContent = values ? `= ${iterations.toLocaleString('en')} iteration${iterations === 1 ? '' : 's'}${prunes(values) ? ' per round' : ''}` : '';
    $('train-what').textContent = values ? this.describeTrain(values, iterations) + this.downloadNote : '';
  }

  updateHintsWhileIdle() {
    if (this.store.state.phase === 'idle') this.updateHints(this.read());
  }

  /** What Train runs, in a sentence: the network, the rounds and what they keep, the controls. */
  describeTrain(values, iterations) {
    const network = MODELS[values.model]?.label ?? values.model;
    const each = `${iterations.toLocaleString('en')} iteration${iterations === 1 ? '' : 's'}`;
    const trials = values.trials > 1 ? ` ${values.trials} trials (seeds ${values.seed}–${values.seed + values.trials - 1}),` : ` seed ${values.seed},`;
    if (!prunes(values)) return `Train: ${network},${trials} the dense network only (${each}; Rounds is 0).`;
    const rounds = this.plan?.rounds ?? values.rounds;
    const keeps = this.plan ? ` down to ${percentText(this.plan.percent)} of the weights` : '';
    const controls = values.controls ? `, with ${values.controls.split(',').map((c) => BRANCH_NAMES[c]).join(' and ')} beside the ticket` : '';
    return `Train: ${network},${trials} ${rounds != null ? `${rounds} pruning round${rounds === 1 ? '' : 's'}` : 'pruning rounds'} of ${each}${keeps}${controls}.`;
  }
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

/** The architecture field for a custom network only; the conv rate for networks with convolutions. */
function showModelFields(model) {
  $('architecture-field').hidden = model !== 'custom';
  $('prune_rate_conv-field').hidden = model === 'lenet-300-100';
}
