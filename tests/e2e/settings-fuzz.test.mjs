// The URL hash's settings, fuzzed: links mutated from real ones (values made extreme, names of
// settings and of Object's own properties put in, parameters repeated, cut, percent-encoded) must
// be read without an exception, give only values their own check accepts, and survive being
// written back to a link and read again. A seeded loop (no browser: settings.js is pure); it runs
// for TICKETLAB_FUZZ_SECONDS (default 5), scripts/fuzz runs it longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SETTINGS, fromHash, toHash, toConfig } from '../../www/app/settings.js';

const SECONDS = Number(process.env.TICKETLAB_FUZZ_SECONDS ?? 5);
const SEED = Number(process.env.TICKETLAB_FUZZ_SEED ?? 1);

const SEEDS = [
  '',
  '#seed=13&epochs=0.05&eval_every=20&rounds=1&controls=',
  '#preset=paper',
  '#model=lenet-5&preset=paper&seed=3',
  '#model=custom&architecture=conv:8x3p1,pool,fc:10&rounds=2&reset=rewind&rewind_step=50',
  '#target_remaining=3.6&prune_scope=global&prune_rate=0.3&optimizer=sgd&learning_rate=0.1',
  '#trials=3&epochs=0.5&eval_every=150&rounds=8&controls=random_reinit,random_prune',
  '#batch_size=128&train_size=1000&prune_schedule=one_shot&prune_rate_output=0.5&prune_rate_conv=0.2',
];

const NAMES = [...Object.keys(SETTINGS), 'preset', 'constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'embed', ''];
const VALUES = ['', '0', '-1', '1', '1e300', '-0', '0x10', '1e-320', 'NaN', 'Infinity', '9007199254740991', '9007199254740993',
  '18446744073709551616', ' 7 ', '0.5', '1.', '.5', '3,4', 'paper', 'quick', 'custom', 'random_reinit', 'random_prune',
  'conv:4096x64p20000', 'pool,fc:10', 'fc:10', '%', '%zz', '&', '=', '#', '\u0000', 'é', '__proto__'];

/** mulberry32: a small seeded generator, so that a failure replays with the same seed. */
function generator(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(hash, random) {
  const below = (n) => Math.floor(random() * n);
  const pick = (items) => items[below(items.length)];
  const params = hash.replace(/^#/, '').split('&').filter(Boolean).map((pair) => pair.split('='));
  for (let edits = 1 + below(3); edits > 0; edits -= 1) {
    const at = below(params.length + 1);
    switch (below(7)) {
      case 0: params.splice(at, 0, [pick(NAMES), pick(VALUES)]); break;
      case 1: if (params[at]) params[at][1] = pick(VALUES); break;
      case 2: if (params[at]) params[at][0] = pick(NAMES); break;
      case 3: params.splice(at, 1); break;
      case 4: if (params[at]) params.push([...params[at]]); break;
      case 5: if (params[at]) params[at][1] = encodeURIComponent(params[at][1] ?? ''); break;
      default: if (params[at]) params[at] = [params[at].join('=').slice(0, below(12))]; break;
    }
  }
  return `#${params.map((pair) => pair.join('=')).join('&')}`;
}

/** What must hold for any link; throws with what did not. */
function checkLink(hash) {
  const { values, problems } = fromHash(hash);
  assert.ok(problems.every((problem) => typeof problem === 'string'));
  assert.deepEqual(Object.keys(values).sort(), Object.keys(SETTINGS).sort(), 'every setting, and nothing else');
  for (const [name, value] of Object.entries(values)) {
    if (value == null) continue;
    assert.deepEqual(SETTINGS[name].check(String(value)), { value }, `${name}=${value} is what its own check gives`);
  }
  assert.ok(values.rounds == null || values.target_remaining == null, 'rounds or a target, not both');
  // Written to a link and read back: the same settings, without a problem.
  // (A link leaves out the architecture unless the model is custom: only then is it used.)
  const again = fromHash(toHash(values));
  assert.deepEqual(again.problems, [], `the link written for them: ${toHash(values)}`);
  const used = (settings) => (settings.model === 'custom' ? settings : { ...settings, architecture: null });
  assert.deepEqual(used(again.values), used(values), 'the settings survive a link');
  // What the core is sent is plain JSON: no number lost to NaN or Infinity on the way.
  const config = toConfig(values);
  assert.deepEqual(JSON.parse(JSON.stringify(config)), config);
}

test('links mutated from real ones are read without an exception, into settings that survive being written back', () => {
  const random = generator(SEED);
  const corpus = [...SEEDS];
  const deadline = Date.now() + SECONDS * 1000;
  let links = 0;
  for (const seed of SEEDS) checkLink(seed);
  while (Date.now() < deadline) {
    for (let i = 0; i < 200; i += 1) {
      const hash = mutate(corpus[Math.floor(random() * corpus.length)], random);
      links += 1;
      try {
        checkLink(hash);
      } catch (error) {
        error.message = `link ${JSON.stringify(hash)} (TICKETLAB_FUZZ_SEED=${SEED}): ${error.message}`;
        throw error;
      }
      if (corpus.length < 2000 && random() < 0.05) corpus.push(hash);
    }
  }
  console.log(`settings fuzz: ${links.toLocaleString('en')} links in ${SECONDS} s, seed ${SEED}`);
});
