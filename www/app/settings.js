// The page's settings: their defaults, how each is checked, and their life in the URL hash
// (#seed=3&epochs=5&...), so that a link reproduces a run. Every check returns a message a person
// can act on; a bad value in a URL falls back to its default, for that field only. The defaults,
// ranges, choices, model defaults and presets are the core's (core-rules.js, written by
// src/rules.rs); this module adds only what is the page's own (epochs, trials, the models' labels).
import rules from './core-rules.js';

const MNIST_TRAIN_IMAGES = rules.ranges.train_size[1]; // the training file minus the validation hold-out
const { defaults: CORE_DEFAULTS, ranges: RANGES, choices: CHOICES } = rules;
const whole = (name) => integer(...RANGES[name]);

export const integer = (min, max) => (raw) => {
  const text = String(raw).trim();
  if (!/^\d+$/.test(text)) return { error: `must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}` };
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) return { error: `must be from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}` };
  return { value };
};

const positive = (max) => (raw) => {
  const text = String(raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) return { error: 'must be a number, like 0.0012 or 1.2e-3' };
  if (value <= 0 || value > max) return { error: `must be above 0 and at most ${max}` };
  return { value };
};

const choice = (options) => (raw) => (options.includes(raw) ? { value: raw } : { error: `must be one of: ${options.join(', ')}` });

const fraction = (raw) => {
  const text = String(raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value <= 0 || value >= 1) return { error: 'must be a fraction above 0 and below 1, like 0.2' };
  return { value };
};

/** A percentage of the weights, above 0 and below 100. */
const percentage = (raw) => {
  const text = String(raw).trim();
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value <= 0 || value >= 100) return { error: 'must be a percentage of the weights above 0 and below 100, like 3.6' };
  return { value };
};

/**
 * Pruning stops after `rounds`, or at the first round that keeps at most `target_remaining`% of
 * the weights: one of the two is chosen, the other is null (`orNull` lets a form leave it out).
 */
const orNull = (check) => (raw) => (raw == null ? { value: null } : check(raw));

/** The most rounds a run may have; the core refuses a target that needs more (MAX_ROUNDS_FOR_TARGET in src/config.rs). */
export const MAX_ROUNDS = RANGES.rounds[1];

export const CONTROLS = CHOICES.controls;

/** A comma-separated list of control names (empty for none); kept in a fixed order. */
const controlList = (raw) => {
  const names = String(raw).split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.find((name) => !CONTROLS.includes(name));
  if (unknown) return { error: `unknown control "${unknown}"; the controls are ${CONTROLS.join(', ')}` };
  return { value: CONTROLS.filter((name) => names.includes(name)).join(',') };
};

/**
 * The models on offer, in the form's order, with their labels; each named one carries the core's
 * defaults for it (Settings::defaults_for: `learning_rate`, `prune_rate_conv`, `iterations`, the
 * paper's figure 2 for Conv-2/4/6). "custom" trains the network written in the architecture field.
 */
const LABELS = {
  'lenet-300-100': 'LeNet-300-100',
  'lenet-5': 'LeNet-5',
  'conv-2-quarter': 'Conv-2, ¼ width',
  'conv-4-quarter': 'Conv-4, ¼ width',
  'conv-6-quarter': 'Conv-6, ¼ width',
  'conv-2': 'Conv-2',
  'conv-4': 'Conv-4',
  'conv-6': 'Conv-6',
  custom: 'custom network',
};
export const MODELS = Object.fromEntries(Object.entries(LABELS).map(([name, label]) => [name, { label, ...rules.models[name] }]));

/** The settings whose defaults depend on the model. */
export const MODEL_SETTINGS = ['learning_rate', 'prune_rate_conv'];

// The layers of a network as text: conv:FxK[pP][sS], pool[:S], fc:N (the core checks the shapes).
const LAYER = /^(conv:[1-9]\d*x[1-9]\d*(p\d+)?(s[1-9]\d*)?|pool(:[1-9]\d*)?|fc:[1-9]\d*)$/;
const architecture = (raw) => {
  const text = String(raw).replace(/\s+/g, '');
  const layers = text.split(',');
  const bad = layers.find((layer) => !LAYER.test(layer));
  if (bad !== undefined) {
    return { error: `"${bad}" is not a layer: write layers like conv:32x3 (32 filters of 3×3; p1 pads, s2 strides), pool, fc:100, separated by commas, ending in fc:10` };
  }
  return { value: text };
};

export const SETTINGS = {
  model: { default: CORE_DEFAULTS.model, check: choice(Object.keys(MODELS)) },
  architecture: { default: 'conv:32x3,pool,fc:100,fc:10', check: architecture },
  // Seed 0: the precomputed run's (www/precomputed/quick-seed0.json), so Train with the defaults
  // computes live the picture a first visit is shown.
  seed: { default: CORE_DEFAULTS.seed, check: whole('seed') },
  // The page's own: trial t trains seed + t, one trial after another (as `lth imp --trials`).
  trials: { default: 1, check: integer(1, 10) },
  // defaults() puts the default preset's epochs, eval_every and rounds over these.
  epochs: { default: 5, check: positive(200) },
  optimizer: { default: CORE_DEFAULTS.optimizer, check: choice(CHOICES.optimizer) },
  // The page's own bound: the core takes any positive rate.
  learning_rate: { default: CORE_DEFAULTS.learning_rate, check: positive(1e6) },
  batch_size: { default: CORE_DEFAULTS.batch_size, check: whole('batch_size') },
  train_size: { default: CORE_DEFAULTS.train_size, check: whole('train_size') },
  eval_every: { default: CORE_DEFAULTS.eval_every, check: whole('eval_every') },
  rounds: { default: CORE_DEFAULTS.rounds, check: orNull(whole('rounds')) },
  target_remaining: { default: null, check: orNull(percentage) },
  prune_rate: { default: CORE_DEFAULTS.prune_rate, check: fraction },
  prune_rate_output: { default: CORE_DEFAULTS.prune_rate_output, check: fraction },
  prune_rate_conv: { default: CORE_DEFAULTS.prune_rate_conv, check: fraction },
  prune_scope: { default: CORE_DEFAULTS.prune_scope, check: choice(CHOICES.prune_scope) },
  prune_schedule: { default: CORE_DEFAULTS.prune_schedule, check: choice(CHOICES.prune_schedule) },
  reset: { default: CORE_DEFAULTS.reset, check: choice(CHOICES.reset) },
  rewind_step: { default: CORE_DEFAULTS.rewind_step, check: whole('rewind_step') },
  controls: { default: CORE_DEFAULTS.controls.join(','), check: controlList },
};

/** The preset every model starts from: a lottery-ticket run short enough to watch. */
export const DEFAULT_PRESET = 'quick';

/**
 * The defaults of every setting for a model (the first one's without): the model's own learning
 * and conv pruning rates, under the default preset (15 rounds of 1,500 iterations, random
 * re-initialisation beside the ticket). `rounds: 0` trains the dense network only.
 */
export function defaults(model = SETTINGS.model.default) {
  const values = Object.fromEntries(Object.entries(SETTINGS).map(([name, { default: value }]) => [name, value]));
  for (const name of MODEL_SETTINGS) values[name] = MODELS[model]?.[name] ?? values[name];
  values.model = model;
  return withPreset(values, DEFAULT_PRESET);
}

/**
 * Reads settings from a URL hash; returns the values and a message per rejected parameter.
 * `preset=quick|paper` sets the preset's settings; any setting given beside it wins.
 */
export function fromHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  // The model first: the other settings default to its values; then the preset.
  const model = SETTINGS.model.check(params.get('model') ?? SETTINGS.model.default).value ?? SETTINGS.model.default;
  let values = defaults(model);
  const problems = [];
  const preset = params.get('preset');
  if (preset != null) {
    if (Object.hasOwn(PRESETS, preset)) values = withPreset(values, preset);
    else problems.push(`preset=${preset}: must be one of: ${Object.keys(PRESETS).join(', ')}; using ${DEFAULT_PRESET}`);
  }
  const taken = new Set();
  for (const [name, raw] of params) {
    if (name === 'preset') continue;
    // Own names only: "constructor" or "__proto__" in a link are unknown, not Object's.
    const setting = Object.hasOwn(SETTINGS, name) ? SETTINGS[name] : null;
    if (!setting) {
      problems.push(`unknown parameter "${name}" ignored`);
      continue;
    }
    const { value, error } = setting.check(raw);
    if (error) problems.push(`${name}=${raw}: ${error}; using ${values[name] ?? 'none'}`);
    else {
      values[name] = value;
      taken.add(name);
    }
  }
  // How long to prune: rounds or a target. A link with both keeps its rounds.
  if (taken.has('target_remaining') && taken.has('rounds')) {
    problems.push(`target_remaining=${values.target_remaining}: the link gives rounds too, and a run prunes for rounds or to a target, not both; using rounds=${values.rounds}`);
    values.target_remaining = null;
  } else if (values.target_remaining != null) {
    values.rounds = null;
  }
  return { values, problems };
}

/** The hash's parameters for `values`: those that differ from `base`, in a fixed order. */
function paramsOver(values, base) {
  const params = new URLSearchParams();
  for (const name of Object.keys(SETTINGS)) {
    if (name === 'architecture' && values.model !== 'custom') continue;
    if (values[name] !== base[name] && values[name] != null) params.set(name, values[name]);
  }
  return params;
}

/**
 * The hash for a set of values: the settings that differ from the model's defaults (the default
 * preset), or from another preset's when that is shorter (written `preset=paper&...`).
 */
export function toHash(values) {
  // The model is always written unless it is the first.
  const base = (preset) => ({ ...withPreset(defaults(values.model), preset), model: SETTINGS.model.default });
  let params = paramsOver(values, base(DEFAULT_PRESET));
  for (const name of Object.keys(PRESETS).filter((name) => name !== DEFAULT_PRESET)) {
    const over = paramsOver(values, base(name));
    if ([...over].length + 1 < [...params].length) params = new URLSearchParams([['preset', name], ...over]);
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

/** Batches per pass over the training images used (train_size 0: all of them). */
export function iterationsPerEpoch(batchSize, trainSize = 0) {
  return Math.max(1, Math.floor((trainSize || MNIST_TRAIN_IMAGES) / batchSize));
}

export function iterationsFor(values) {
  return Math.max(1, Math.round(values.epochs * iterationsPerEpoch(values.batch_size, values.train_size)));
}

/** Epochs (to 4 decimals) that iterationsFor turns back into exactly `iterations`. */
function epochsFor(iterations, batchSize, trainSize) {
  return Math.round((10_000 * iterations) / iterationsPerEpoch(batchSize, trainSize)) / 10_000;
}

// The settings the page and the core name and value alike.
const SHARED_WITH_CORE = ['seed', 'optimizer', 'learning_rate', 'batch_size', 'train_size', 'eval_every', 'rounds', 'prune_rate',
  'prune_rate_output', 'prune_rate_conv', 'prune_scope', 'prune_schedule', 'reset', 'rewind_step', 'target_remaining'];

/** The core's config JSON object for these page settings (rounds or target_remaining, whichever is chosen). */
export function toConfig(values) {
  const config = Object.fromEntries(SHARED_WITH_CORE.filter((name) => values[name] != null).map((name) => [name, values[name]]));
  return {
    ...config,
    model: values.model === 'custom' ? values.architecture : values.model,
    iterations: iterationsFor(values),
    controls: values.controls ? values.controls.split(',') : [],
  };
}

/**
 * The CLI's presets (`lth imp --preset`, src/rules.rs), as page settings: iterations a round (as
 * epochs, to 4 decimals, that round to exactly those iterations at the default batch on all the
 * training images), evaluation interval, rounds and the controls. "paper" takes the model's own
 * iterations (50,000 for LeNet-300-100); a custom network, the default model's.
 */
export const PRESETS = Object.fromEntries(rules.presets.map(({ name, ...preset }) => [name, {
  ...preset,
  iterations: (model) => preset.iterations[model] ?? preset.iterations[CORE_DEFAULTS.model],
}]));

/** The settings preset `name` sets, for `model`. */
function presetSettings(name, model) {
  const preset = PRESETS[name];
  const { batch_size, train_size } = CORE_DEFAULTS;
  const epochs = epochsFor(preset.iterations(model), batch_size, train_size);
  return { epochs, eval_every: preset.eval_every, rounds: preset.rounds, target_remaining: null, controls: preset.controls.join(','), batch_size, train_size };
}

/** `values` with preset `name`'s settings. */
export function withPreset(values, name) {
  return { ...values, ...presetSettings(name, values.model) };
}

/** The preset these values are (every setting a preset sets), or 'custom'. */
export function presetOf(values) {
  const matches = (name) => Object.entries(presetSettings(name, values.model)).every(([key, value]) => values[key] === value);
  return Object.keys(PRESETS).find(matches) ?? 'custom';
}

/**
 * The page's settings for a core config (an imported ticket's): its model (a network given as
 * text becomes "custom"), its training and pruning settings, its iterations as epochs (to 4
 * decimals, which round back to them), and 0 rounds: the ticket itself is trained (a target
 * counts from the whole network, not from a ticket: not taken).
 */
export function fromConfig(config) {
  const named = Object.hasOwn(MODELS, config.model) && config.model !== 'custom';
  const values = defaults(named ? config.model : 'custom');
  if (!named) values.architecture = config.model;
  for (const name of SHARED_WITH_CORE) if (name in config) values[name] = config[name];
  values.controls = (config.controls ?? []).join(',');
  values.rounds = 0;
  values.target_remaining = null;
  values.epochs = epochsFor(config.iterations, values.batch_size, values.train_size);
  return values;
}

/** A share of the weights as text: two decimals, or three significant digits below 1% (as the core's messages write it). */
export const percentText = (percent) => `${percent < 1 ? percent.toPrecision(3) : percent.toFixed(2)}%`;
