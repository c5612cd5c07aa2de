// The page's plan for splitting a run over workers (www/app/split.js), without a browser. The core
// merges their results (src/parts.rs, tested there); the page tests check them against the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planWorkers, plannedSegments } from '../../www/app/split.js';

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

test('the planned critical path: the ticket\'s chain once each control has a core, and no shorter on more cores', () => {
  // The paper's LeNet-300-100 schedule to 1.85%: 18 rounds, 19 levels.
  const paper = { seed: 0, rounds: 18, controls: ['random_reinit'] };
  const both = { ...paper, controls: ['random_reinit', 'random_prune'] };
  const planned = (settings, trials = 1) => [1, 2, 4, 8].map((cores) => plannedSegments(settings, cores, settings.rounds, trials));
  // One control: one core trains 19 + 18 segments; two cores the ticket's 19 (the control one level behind).
  assert.deepEqual(planned(paper), [37, 19, 19, 19]);
  // Two controls: on two cores the controls' worker trains 36 segments from level 1 on; a core each makes it 19.
  assert.deepEqual(planned(both), [55, 37, 19, 19]);
  assert.equal(plannedSegments(both, 3), 19);
  // Trials run one after another in the page: 4 and 8 cores do not shorten them.
  assert.deepEqual(planned(both, 5), [275, 185, 95, 95]);
  // No rounds: the dense network alone, whatever the controls.
  assert.equal(plannedSegments({ ...both, rounds: 0 }, 8), 1);
  // Worked by hand, 2 rounds, both controls on one controls worker: level 1's two controls end at 2
  // and 3, level 2's (its mask known at 2) at 4 and 5; the ticket's chain ends at 3.
  assert.equal(plannedSegments({ ...both, rounds: 2 }, 2), 5);
});
