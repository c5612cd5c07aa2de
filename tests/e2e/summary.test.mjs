// The statistics over trials (www/app/summary.js) without a browser: lth's summary (src/report.rs)
// and the charts' mean and spread. The page tests check them against `lth imp` on real runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spreadOf, summarise, trialsResults, chartColumns } from '../../www/app/summary.js';

const round = (branch, level, accuracy, iteration, complete = true) => ({
  branch, level, complete, percent_remaining: 100 * 0.8 ** level,
  early_stop: { test_accuracy: accuracy, iteration }, last: { test_accuracy: accuracy - 0.01 },
});

test('the spread of a set of values is its mean, sample standard deviation, minimum and maximum', () => {
  assert.deepEqual(spreadOf([2, 4, 9]), { mean: 5, std: Math.sqrt(13), min: 2, max: 9 });
  assert.deepEqual(spreadOf([0.97]), { mean: 0.97, std: 0, min: 0.97, max: 0.97 }, 'one value: no spread');
  assert.equal(spreadOf([]), null);
});

// Two trials: the second stopped in the control of level 1.
const trials = [
  { config: { seed: 5 }, status: 'done', rounds: [round('ticket', 0, 0.9, 100), round('ticket', 1, 0.92, 80), round('random_reinit', 1, 0.88, 120)] },
  { config: { seed: 6 }, status: 'stopped', rounds: [round('ticket', 0, 0.94, 300), round('ticket', 1, 0.96, 60), round('random_reinit', 1, 0.5, 10, false)] },
];

test('the summary has a row per branch and level that a trial finished, over the trials that finished it', () => {
  const rows = summarise(trials);
  assert.deepEqual(rows.map((row) => `${row.branch}/${row.level}:${row.trials}`), ['ticket/0:2', 'ticket/1:2', 'random_reinit/1:1']);
  assert.deepEqual(rows[1].early_stop_iteration, spreadOf([80, 60]));
  assert.deepEqual(rows[1].early_stop_test_accuracy, spreadOf([0.92, 0.96]));
  assert.deepEqual(rows[2].early_stop_test_accuracy, spreadOf([0.88]), 'the unfinished round does not count');
  assert.deepEqual(rows[0].final_test_accuracy, spreadOf([0.9 - 0.01, 0.94 - 0.01]));
  assert.equal(rows[1].percent_remaining, 80);

  const file = trialsResults({ seed: 5 }, 3, trials, 12);
  assert.deepEqual([file.trials, file.seeds, file.status, file.wall_seconds], [3, [5, 6], 'stopped', 12]);
  assert.equal(file.results, trials);
  assert.equal(trialsResults({ seed: 5 }, 3, trials.slice(0, 1), 1).status, 'stopped', 'ended before its last trials');
  assert.equal(trialsResults({ seed: 5 }, 1, trials.slice(0, 1), 1).status, 'done');
});

test('the charts: per branch and level the mean of the trials that finished it, their lowest, highest and each', () => {
  const { xs, means, spreads } = chartColumns(trials.map((trial) => trial.rounds), ['ticket', 'random_reinit'], (stop) => stop.iteration);
  assert.deepEqual(xs, [80, 100], 'ascending weights remaining');
  assert.deepEqual(means, [[70, 200], [120, 200]], 'the dense network starts every branch');
  assert.deepEqual(spreads[0], { min: [60, 100], max: [80, 300], trials: [[80, 100], [60, 300]] });
  assert.deepEqual(spreads[1], { min: [120, 100], max: [120, 300], trials: [[120, 100], [null, 300]] });
});
