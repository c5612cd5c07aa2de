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

export const CONTROLS = ['random_reinit', 'random_prune'];

/** A comma-separated list of control names (empty for none); kept in a fixed order. */
const controlList = (raw) => {
  const names = String(raw).split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names.find((name) => !CONTROLS.includes(name));
  if (unknown) return { error: `unknown control "${unknown}"; the controls are ${CONTROLS.join(', ')}` };
  return { value: CONTROLS.filter((name) => names.includes(name)).join(',') };
};

export const SETTINGS = {
  model: { default: 'lenet-300-100', check: choice(['lenet-300-100', 'lenet-5']) },
  seed: { default: 1, check: integer(0, Number.MAX_SAFE_INTEGER) },
  epochs: { default: 5, check: positive(200) },
  optimizer: { default: 'adam', check: choice(['adam', 'sgd']) },
  learning_rate: { default: 0.0012, check: positive(1e6) },
  batch_size: { default: 60, check: integer(1, 10_000) },
  eval_every: { default: 100, check: integer(1, 1_000_000) },
  rounds: { default: 0, check: integer(0, 40) },
  prune_rate: { default: 0.2, check: fraction },
  prune_rate_output: { default: 0.1, check: fraction },
  reset: { default: 'init', check: choice(['init', 'rewind', 'continue']) },
  rewind_step: { default: 0, check: integer(0, 100_000_000) },
  controls: { default: 'random_reinit', check: controlList },
};

export function defaults() {
  return Object.fromEntries(Object.entries(SETTINGS).map(([name, { default: value }]) => [name, value]));
}

/** Reads settings from a URL hash; returns the values and a message per rejected parameter. */
export function fromHash(hash) {
  const values = defaults();
  const problems = [];
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  for (const [name, raw] of params) {
    const setting = SETTINGS[name];
    if (!setting) {
      problems.push(`unknown parameter "${name}" ignored`);
      continue;
    }
    const { value, error } = setting.check(raw);
    if (error) problems.push(`${name}=${raw}: ${error}; using ${setting.default}`);
    else values[name] = value;
  }
  return { values, problems };
}

/** The hash for a set of values (only those that differ from the defaults, in a fixed order). */
export function toHash(values) {
  const params = new URLSearchParams();
  for (const [name, setting] of Object.entries(SETTINGS)) {
    if (values[name] !== setting.default) params.set(name, values[name]);
  }
  const text = params.toString();
  return text ? `#${text}` : '';
}

export function iterationsPerEpoch(batchSize) {
  return Math.floor(MNIST_TRAIN_IMAGES / batchSize);
}

export function iterationsFor(values) {
  return Math.max(1, Math.round(values.epochs * iterationsPerEpoch(values.batch_size)));
}

/** The core's config JSON object for these page settings. */
export function toConfig(values) {
  return {
    model: values.model,
    seed: values.seed,
    optimizer: values.optimizer,
    learning_rate: values.learning_rate,
    batch_size: values.batch_size,
    iterations: iterationsFor(values),
    eval_every: values.eval_every,
    rounds: values.rounds,
    prune_rate: values.prune_rate,
    prune_rate_output: values.prune_rate_output,
    reset: values.reset,
    rewind_step: values.rewind_step,
    controls: values.controls ? values.controls.split(',') : [],
  };
}
