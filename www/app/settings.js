// The page's settings: their defaults, how each is checked, and their life in the URL hash
// (#seed=3&epochs=5&...), so that a link reproduces a run. Every check returns a message a person
// can act on; a bad value in a URL falls back to its default, for that field only.

const MNIST_TRAIN_IMAGES = 55_000; // 60,000 minus the 5,000 held out for validation

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
export const MAX_ROUNDS = 40;

export const CONTROLS = ['random_reinit', 'random_prune'];

/** A comma-separated list of control names (empty for none); kept in a fixed order. */
const controlList = (raw) => {
  const names = String(raw).split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.find((name) => !CONTROLS.includes(name));
  if (unknown) return { error: `unknown control "${unknown}"; the controls are ${CONTROLS.join(', ')}` };
  return { value: CONTROLS.filter((name) => names.includes(name)).join(',') };
};

/**
 * The models on offer. `learning_rate` and `prune_rate_conv` are the core's defaults for the
 * model (Config::defaults_for: the paper's figure 2 for Conv-2/4/6; a page test checks that they
 * agree). "custom" trains the network written in the architecture field.
 */
export const MODELS = {
  'lenet-300-100': { label: 'LeNet-300-100' },
  'lenet-5': { label: 'LeNet-5' },
  'conv-2-quarter': { label: 'Conv-2, ¼ width', learning_rate: 2e-4, paper_iterations: 20000 },
  'conv-4-quarter': { label: 'Conv-4, ¼ width', learning_rate: 3e-4, paper_iterations: 25000 },
  'conv-6-quarter': { label: 'Conv-6, ¼ width', learning_rate: 3e-4, prune_rate_conv: 0.15, paper_iterations: 30000 },
  'conv-2': { label: 'Conv-2', learning_rate: 2e-4, paper_iterations: 20000 },
  'conv-4': { label: 'Conv-4', learning_rate: 3e-4, paper_iterations: 25000 },
  'conv-6': { label: 'Conv-6', learning_rate: 3e-4, prune_rate_conv: 0.15, paper_iterations: 30000 },
  custom: { label: 'custom network' },
};

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
  model: { default: 'lenet-300-100', check: choice(Object.keys(MODELS)) },
  architecture: { default: 'conv:32x3,pool,fc:100,fc:10', check: architecture },
  // Seed 0: the precomputed run's (www/precomputed/quick-seed0.json), so Train with the defaults
  // computes live the picture a first visit is shown.
  seed: { default: 0, check: integer(0, Number.MAX_SAFE_INTEGER) },
  // The page's own: trial t trains seed + t, one trial after another (as `lth imp --trials`).
  trials: { default: 1, check: integer(1, 10) },
  // defaults() puts the default preset's epochs, eval_every and rounds over these.
  epochs: { default: 5, check: positive(200) },
  optimizer: { default: 'adam', check: choice(['adam', 'sgd']) },
  learning_rate: { default: 0.0012, check: positive(1e6) },
  batch_size: { default: 60, check: integer(1, 10_000) },
  train_size: { default: 0, check: integer(0, MNIST_TRAIN_IMAGES) },
  eval_every: { default: 100, check: integer(1, 1_000_000) },
  rounds: { default: 0, check: orNull(integer(0, MAX_ROUNDS)) },
  target_remaining: { default: null, check: orNull(percentage) },
  prune_rate: { default: 0.2, check: fraction },
  prune_rate_output: { default: 0.1, check: fraction },
  prune_rate_conv: { default: 0.1, check: fraction },
  prune_scope: { default: 'layer', check: choice(['layer', 'global']) },
  prune_schedule: { default: 'iterative', check: choice(['iterative', 'one_shot']) },
  reset: { default: 'init', check: choice(['init', 'rewind', 'continue']) },
  rewind_step: { default: 0, check: integer(0, 100_000_000) },
  controls: { default: 'random_reinit', check: controlList },
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
 * The CLI's presets (`lth imp --preset`), as page settings: iterations a round (as epochs, to 4
 * decimals, that round to exactly those iterations at batch 60 on all 55,000 images), evaluation
 * interval, rounds and the control. "paper" takes the model's own iterations (50,000 for
 * LeNet-300-100; the Conv models' are in MODELS).
 */
export const PRESETS = {
  quick: { iterations: () => 1500, eval_every: 150, rounds: 15 },
  paper: { iterations: (model) => MODELS[model]?.paper_iterations ?? 50_000, eval_every: 100, rounds: 18 },
};

/** The settings preset `name` sets, for `model`. */
function presetSettings(name, model) {
  const preset = PRESETS[name];
  const [batch_size, train_size] = [60, 0];
  const epochs = epochsFor(preset.iterations(model), batch_size, train_size);
  return { epochs, eval_every: preset.eval_every, rounds: preset.rounds, target_remaining: null, controls: 'random_reinit', batch_size, train_size };
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

// --- The pruning ladder: what rounds and a target mean for a model --------------------------
// The core's arithmetic (src/prune/mod.rs kept_after, src/config.rs rounds_for_target), step for
// step in the same doubles, so the page's numbers are the core's; a page test checks them. `layers`
// are the core's (weight_layers_json): [{name, size, rate_setting}].

/** How many of `remaining` weights one round at `fraction` removes (rounded half away from zero). */
const prunedCount = (remaining, fraction) => Math.min(remaining, Math.round(remaining * fraction));

/**
 * The ladder from the dense network: a generator of {rounds, kept: [...]} for rounds 0, 1, 2, ...,
 * where kept counts weights per layer (layer-wise, each layer at its rate setting's value) or in
 * all (global, at prune_rate).
 */
function* ladder(layers, values) {
  const global = values.prune_scope === 'global';
  let kept = global ? [layers.reduce((total, layer) => total + layer.size, 0)] : layers.map((layer) => layer.size);
  const rates = global ? [values.prune_rate] : layers.map((layer) => values[layer.rate_setting]);
  for (let rounds = 0; ; rounds += 1) {
    yield { rounds, kept };
    kept = kept.map((count, index) => count - prunedCount(count, rates[index]));
  }
}

/** A share of the weights as text: two decimals, or three significant digits below 1%. */
export const percentText = (percent) => `${percent < 1 ? percent.toPrecision(3) : percent.toFixed(2)}%`;

const sum = (counts) => counts.reduce((total, count) => total + count, 0);
const ROUNDS_COUNTED = 10_000; // beyond this many rounds a target's count is not worked out

/** What `rounds` rounds keep: {rounds, kept, total, percent}. */
export function keptAfterRounds(layers, values, rounds) {
  const total = sum(layers.map((layer) => layer.size));
  for (const step of ladder(layers, values)) {
    if (step.rounds === rounds) return { rounds, kept: sum(step.kept), total, percent: (100 * sum(step.kept)) / total };
  }
}

/**
 * The fewest rounds whose ticket keeps at most `target`% of the weights, as the core resolves
 * target_remaining: {rounds, kept, total, percent}, or {error} when the core would refuse it.
 */
export function roundsForTarget(layers, values, target) {
  const total = sum(layers.map((layer) => layer.size));
  let previous = null;
  for (const { rounds, kept } of ladder(layers, values)) {
    const remaining = sum(kept);
    // kept / total <= target / 100, in the core's form (the same doubles).
    if (remaining * 100 <= target * total) {
      if (rounds > MAX_ROUNDS) return { error: `takes ${rounds} rounds at these rates, more than the ${MAX_ROUNDS} a run may have; aim higher, or raise the pruning rates` };
      const empty = kept.indexOf(0);
      if (empty >= 0) {
        const what = values.prune_scope === 'global' ? 'every weight is pruned' : `layer ${layers[empty].name} keeps none of its weights (${layers[empty].rate_setting} ${values[layers[empty].rate_setting]})`;
        return { error: `takes ${rounds} rounds, after which ${what}; aim higher, or lower the rates` };
      }
      return { rounds, kept: remaining, total, percent: (100 * remaining) / total };
    }
    if (previous === remaining) {
      return { error: `cannot be reached at these rates: the ticket stops at ${percentText((100 * remaining) / total)} of the weights (rounding removes no more); aim higher, or raise the pruning rates` };
    }
    if (rounds >= ROUNDS_COUNTED) return { error: `takes more than ${ROUNDS_COUNTED.toLocaleString('en')} rounds at these rates; aim higher, or raise the pruning rates` };
    previous = remaining;
  }
}
