// The page's plan for splitting a run over workers (www/app/split.js), without a browser. The core
// merges their results (src/parts.rs, tested there); the page tests check them against the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planLanes, planWorkers, plannedSegments } from '../../www/app/split.js';

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

test('the planned critical path: the ticket\'s chain once each control has a core; trials side by side on more cores', () => {
  // The paper's LeNet-300-100 schedule to 1.85%: 18 rounds, 19 levels.
  const paper = { seed: 0, rounds: 18, controls: ['random_reinit'] };
  const both = { ...paper, controls: ['random_reinit', 'random_prune'] };
  const planned = (settings, trials = 1) => [1, 2, 4, 8].map((cores) => plannedSegments(settings, cores, settings.rounds, trials));
  // One control: one core trains 19 + 18 segments; two cores the ticket's 19 (the control one level behind).
  assert.deepEqual(planned(paper), [37, 19, 19, 19]);
  // Two controls: on two cores the controls' worker trains 36 segments from level 1 on; a core each makes it 19.
  assert.deepEqual(planned(both), [55, 37, 19, 19]);
  assert.equal(plannedSegments(both, 3), 19);
  // Five trials: the lanes that give the shortest plan. Both controls on 2 cores: two trials side
  // by side, one worker each (3 × 55 segments), beat one trial at a time on two (5 × 37); on 4
  // cores, one at a time on three workers (5 × 19); on 8, all five side by side (55).
  assert.deepEqual(planned(both, 5), [275, 165, 95, 55]);
  assert.deepEqual([1, 2, 4, 8].map((cores) => planLanes(both, cores, 5)).map(({ lanes, cores }) => [lanes, cores]), [[1, 1], [2, 1], [1, 4], [5, 1]]);
  // One control: 4 cores make two lanes of two workers (3 × 19); 8 cores five lanes of one (37).
  assert.deepEqual(planned(paper, 5), [185, 95, 57, 37]);
  assert.deepEqual(planLanes(paper, 4, 5), { lanes: 2, cores: 2, segments: 57 });
  // No controls: a lane per core, up to one per trial.
  assert.deepEqual(planLanes({ ...paper, controls: [] }, 4, 3), { lanes: 3, cores: 1, segments: 19 });
  // One trial: one lane, with every core.
  assert.deepEqual(planLanes(both, 8, 1), { lanes: 1, cores: 8, segments: 19 });
  // A target's rounds are the core's: planned as 10.
  assert.deepEqual(planLanes({ seed: 0, rounds: null, target_remaining: 3.6, controls: ['random_reinit'] }, 2, 2), { lanes: 2, cores: 1, segments: 21 });
  // No rounds: the dense network alone, whatever the controls.
  assert.equal(plannedSegments({ ...both, rounds: 0 }, 8), 1);
  // Worked by hand, 2 rounds, both controls on one controls worker: level 1's two controls end at 2
  // and 3, level 2's (its mask known at 2) at 4 and 5; the ticket's chain ends at 3.
  assert.equal(plannedSegments({ ...both, rounds: 2 }, 2), 5);
});
