// The page's plan for splitting a run over workers, and the merge of their results (www/app/split.js),
// without a browser. The page tests check the merged results against the CLI's on real runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWorkers, mergeResults } from '../../www/app/split.js';

const config = { seed: 1, rounds: 2, controls: ['random_reinit', 'random_prune'] };
const shares = (plan) => plan.map(({ share, config: { controls } }) => `${share}:${controls.join('+')}`);

test('one worker without controls, without rounds, or without a core to spare; otherwise the controls go beside the ticket', () => {
  assert.deepEqual(shares(planWorkers({ ...config, controls: [] }, 8)), ['all:']);
  assert.deepEqual(shares(planWorkers({ ...config, rounds: 0 }, 8)), ['all:random_reinit+random_prune']);
  assert.deepEqual(shares(planWorkers(config, 1)), ['all:random_reinit+random_prune']);
  assert.deepEqual(shares(planWorkers(config, 2)), ['ticket:random_reinit+random_prune', 'controls:random_reinit+random_prune']);
  assert.deepEqual(shares(planWorkers(config, 3)), ['ticket:random_reinit+random_prune', 'controls:random_reinit', 'controls:random_prune']);
  assert.deepEqual(shares(planWorkers(config, 16)), shares(planWorkers(config, 3)), 'at most one worker per control');
  assert.equal(planWorkers(config, 3)[0].config, config, 'the ticket worker gets the whole settings');
  // A target instead of rounds always prunes (the core resolves it to one round or more).
  const { rounds, ...targeted } = { ...config, target_remaining: 3.6 };
  assert.deepEqual(shares(planWorkers(targeted, 2)), ['ticket:random_reinit+random_prune', 'controls:random_reinit+random_prune']);
});

const round = (branch, level, seconds = 1) => ({ branch, level, complete: true, seconds });
const results = (status, rounds, train_seconds, train_samples_per_second, evaluation_samples_per_second, error = null) =>
  ({ status, error, config: 'a share', prunable_weights: 266200, rounds, train_seconds, train_samples_per_second, evaluation_samples_per_second });

test('the merged results have the single-worker order, the worst status, and the throughput over both workers', () => {
  const ticket = results('done', [round('ticket', 0), round('ticket', 1), round('ticket', 2)], 2, 100, 1000);
  const prune = results('done', [round('random_prune', 1), round('random_prune', 2)], 1, 50, 500);
  const reinit = results('diverged', [round('random_reinit', 1), { ...round('random_reinit', 2), complete: false }], 1, 300, 250, 'training diverged');
  const merged = mergeResults([ticket, prune, reinit], config);
  assert.deepEqual(merged.rounds.map((r) => `${r.branch}/${r.level}`),
    ['ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2', 'random_reinit/2', 'random_prune/2']);
  assert.equal(merged.status, 'diverged');
  assert.equal(merged.error, 'training diverged');
  assert.equal(merged.config, config);
  assert.equal(merged.prunable_weights, 266200);
  assert.equal(merged.train_seconds, 4);
  assert.equal(merged.train_samples_per_second, (200 + 50 + 300) / 4);
  // Evaluation time is each worker's round time less its training time: 1 s, 1 s and 1 s.
  assert.equal(merged.evaluation_samples_per_second, (1000 + 500 + 250) / 3);

  assert.equal(mergeResults([ticket], config), ticket, 'one worker: its results as they are');
  assert.equal(mergeResults([null, prune], config), prune, 'a worker that lost its results (a panic) leaves the other\'s');
  assert.equal(mergeResults([results('done', [], 0, 0, 0), results('stopped', [], 0, 0, 0)], config).status, 'stopped');
});
