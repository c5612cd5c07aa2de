// The charts' columns over trials (www/app/run-trials.js) without a browser: per branch and level,
// the mean, lowest, highest and each trial's value. lth's summary rows, which the core makes for the
// page, are tested in tests/report.rs and checked against `lth imp` by the page tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chartColumns, trialsOf } from '../../www/app/run-trials.js';

const round = (branch, level, accuracy, iteration, complete = true) => ({
  branch, level, complete, percent_remaining: 100 * 0.8 ** level,
  early_stop: { test_accuracy: accuracy, iteration }, last: { test_accuracy: accuracy - 0.01 },
});

// Two trials: the second stopped in the control of level 1.
const trials = [
  { config: { seed: 5 }, status: 'done', rounds: [round('ticket', 0, 0.9, 100), round('ticket', 1, 0.92, 80), round('random_reinit', 1, 0.88, 120)] },
  { config: { seed: 6 }, status: 'stopped', rounds: [round('ticket', 0, 0.94, 300), round('ticket', 1, 0.96, 60), round('random_reinit', 1, 0.5, 10, false)] },
];

test('the charts: per branch and level the mean of the trials that finished it, their lowest, highest and each', () => {
  const { xs, means, spreads } = chartColumns(trials.map((trial) => trial.rounds), ['ticket', 'random_reinit'], (stop) => stop.iteration);
  assert.deepEqual(xs, [80, 100], 'ascending weights remaining');
  assert.deepEqual(means, [[70, 200], [120, 200]], 'the dense network starts every branch');
  assert.deepEqual(spreads[0], { min: [60, 100], max: [80, 300], trials: [[80, 100], [60, 300]] });
  assert.deepEqual(spreads[1], { min: [120, 100], max: [120, 300], trials: [[120, 100], [null, 300]] });
});

test('a results object holds one trial, or a list of them', () => {
  assert.deepEqual(trialsOf(trials[0]), [trials[0]]);
  assert.deepEqual(trialsOf({ rows: [], results: trials }), trials);
  assert.deepEqual(trialsOf(null), []);
});
