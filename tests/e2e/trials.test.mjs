// Trials side by side (www/app/trials.js) without a browser: the lanes' Trainers are stand-ins
// that record what they are asked and post what the test tells them to. The page must see the
// trials one after another, each trial's messages in order, whatever order the lanes send them in.
// (The real page runs trials side by side in tests/e2e/page.test.mjs, against lth imp.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trials } from '../../www/app/trials.js';

/** A lane's Trainers as Trials uses it; `post(message)` is a message from its workers. */
class StandIn {
  constructor(onMessage) {
    Object.assign(this, { onMessage, runs: [], asked: [], settings: null, order: null, workerCount: 1 });
  }

  run(config, ticket, resume) {
    this.runs.push({ seed: config.seed, resume });
  }

  pause() { this.asked.push('pause'); }

  resume() { this.asked.push('resume'); }

  stop() { this.asked.push('stop'); }

  close() { this.asked.push('close'); }

  workerMemory() { return [1e6]; }

  trialsResults(config, count, trials) {
    return Promise.resolve({ results: { trials: count, seeds: trials.map((t) => t.config.seed), results: trials } });
  }

  post(message) {
    if (message.type === 'started') this.settings = { seed: this.runs.at(-1).seed };
    this.onMessage(message);
  }
}

/** A run of `count` trials on `cores` cores: {trials, lanes (their stand-ins), seen ([type, trial index, ...])}. */
function setUp(cores, count, config = { seed: 5, rounds: 1, controls: [] }) {
  const seen = [];
  const lanes = [];
  const trials = new Trials((message, trial) => seen.push({ type: message.type, trial: trial?.index, message }), cores, (onMessage) => {
    const standIn = new StandIn(onMessage);
    lanes.push(standIn);
    return standIn;
  });
  trials.run(config, null, count);
  return { trials, lanes, seen };
}

const results = (seed, status = 'done') => ({ config: { seed }, status, rounds: [] });
const progress = (done) => ({ type: 'progress', done, samples_per_second: 100, parts: [] });
const settle = () => new Promise((resolve) => setTimeout(resolve));

test('three trials on two cores: two lanes; the second trial\'s messages wait for the first to end, then follow in order', async () => {
  const { trials, lanes, seen } = setUp(2, 3);
  assert.deepEqual(lanes.map((lane) => lane.runs.map((r) => r.seed)), [[5], [6]], 'trials 1 and 2 start side by side');
  lanes[1].post({ type: 'started', config: {} });
  const evaluation = (branch, level, iteration) => ({ type: 'evaluation', branch, level, iteration });
  lanes[1].post(evaluation('ticket', 0, 0));
  lanes[1].post({ type: 'round_done', branch: 'ticket', level: 0 });
  lanes[1].post(evaluation('ticket', 1, 0));
  lanes[1].post(evaluation('random_reinit', 1, 0));
  lanes[1].post(evaluation('ticket', 1, 100));
  lanes[1].post(evaluation('random_reinit', 1, 100));
  assert.deepEqual(seen, [], 'trial 2 is held back while trial 1 is on show');
  lanes[0].post({ type: 'started', config: {} });
  lanes[0].post(progress(0.5));
  lanes[1].post(progress(0.25));
  const [, shown, both] = seen;
  assert.deepEqual([shown.type, shown.trial, shown.message.done, shown.message.besides], ['progress', 0, 0.5 / 3, [{ index: 1, seed: 6, count: 3 }]]);
  assert.equal(both.message.done, 0.75 / 3, 'the run\'s progress counts every lane');
  assert.equal(both.message.samples_per_second, 200);
  assert.deepEqual(both.message.worker_memory_bytes, [1e6, 1e6]);
  lanes[1].post({ type: 'done', results: results(6) });
  assert.deepEqual(lanes[1].runs.map((r) => r.seed), [6, 7], 'the free lane takes trial 3');
  seen.length = 0;
  lanes[0].post({ type: 'done', results: results(5) });
  // Of its held evaluations only the newest round's (the curves show no other) follow, in order.
  assert.deepEqual(seen.map(({ type, trial, message: m }) => [type, trial, ...(type === 'evaluation' ? [m.branch, m.level, m.iteration] : [])]), [
    ['trial_ended', 0], ['started', 1], ['round_done', 1], ['evaluation', 1, 'random_reinit', 1, 0], ['evaluation', 1, 'random_reinit', 1, 100], ['trial_ended', 1],
  ]);
  assert.equal(trials.trial.index, 2, 'trial 3 is on show');
  assert.equal(trials.trainers, lanes[1], 'its lane answers the page\'s questions');
  assert.equal(trials.settings, undefined, 'trial 3 has not started yet');
  seen.length = 0;
  lanes[1].post({ type: 'started', config: {} });
  assert.deepEqual(trials.settings, { seed: 7 });
  lanes[1].post({ type: 'done', results: results(7) });
  await settle();
  assert.deepEqual(seen.map(({ type, trial }) => [type, trial]), [['started', 2], ['trial_ended', 2], ['done', 2]]);
  assert.deepEqual(seen.at(-1).message.results.seeds, [5, 6, 7], 'every trial\'s results, in seed order');
  // A run of one trial next: one lane, and the other's workers are ended (their memory freed).
  trials.run({ seed: 5, rounds: 1, controls: [] }, null, 1);
  assert.deepEqual(lanes.map((lane) => [lane.runs.length, lane.asked.includes('close')]), [[2, false], [2, true]]);
});

test('pause waits for every lane; stop ends every trial in progress and starts no other', async () => {
  const { trials, lanes, seen } = setUp(2, 4);
  trials.pause();
  assert.deepEqual(lanes.map((lane) => lane.asked), [['pause'], ['pause']]);
  lanes[0].post({ type: 'paused' });
  assert.deepEqual(seen, [], 'one lane is still training');
  lanes[1].post({ type: 'paused' });
  assert.deepEqual(seen.map(({ type }) => type), ['paused']);
  trials.resume();
  lanes[0].post({ type: 'resumed' });
  lanes[1].post({ type: 'resumed' });
  assert.deepEqual(seen.map(({ type }) => type), ['paused', 'resumed'], 'resumed once');
  trials.stop();
  lanes[1].post({ type: 'stopped', results: results(6, 'stopped') });
  lanes[0].post({ type: 'stopped', results: results(5, 'stopped') });
  await settle();
  assert.deepEqual(lanes.map((lane) => lane.runs.length), [1, 1], 'no trial starts after a stop');
  const last = seen.at(-1);
  assert.deepEqual([last.type, last.message.results.seeds], ['stopped', [5, 6]]);
});

test('an error in one trial stops the one beside it; the run ends in that error, with both trials\' results', async () => {
  const { lanes, seen } = setUp(2, 2);
  lanes[1].post({ type: 'error', message: 'the loss diverged', results: results(6, 'error') });
  assert.deepEqual(lanes[0].asked, ['stop']);
  lanes[0].post({ type: 'stopped', results: results(5, 'stopped') });
  await settle();
  const last = seen.at(-1);
  assert.deepEqual([last.type, last.trial, last.message.message, last.message.results.seeds], ['error', 1, 'the loss diverged', [5, 6]]);
});

test('one trial, or no core to spare, is one lane: every message passes at once', () => {
  const { lanes, seen } = setUp(1, 3);
  assert.equal(lanes.length, 1);
  lanes[0].post({ type: 'started', config: {} });
  lanes[0].post({ type: 'done', results: results(5) });
  assert.deepEqual(lanes[0].runs.map((r) => r.seed), [5, 6]);
  assert.deepEqual(seen.map(({ type, trial }) => [type, trial]), [['started', 0], ['trial_ended', 0]]);
});
