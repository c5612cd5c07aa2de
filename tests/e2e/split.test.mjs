// The page's plan for splitting a run over workers (www/app/split.js), without a browser. The core
// merges their results (src/parts.rs, tested there); the page tests check them against the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWorkers } from '../../www/app/split.js';

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
