// Which kept checkpoint a run can resume from, and what the offer after a reload says
// (www/app/resume.js), without a browser. The page tests resume real runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usableCheckpoint, describeKept, roundsBefore } from '../../www/app/resume.js';

const config = { seed: 1, rounds: 3, controls: ['random_reinit', 'random_prune'] };
const round = (name) => {
  const [branch, level] = name.split('/');
  return { type: 'round_done', branch, level: Number(level), complete: true };
};
const rounds = (...names) => names.map(round);
const checkpoints = [0, 1, 2].map((level) => ({ level, bytes: new Uint8Array([level]) }));

test('a checkpoint is usable once every round of its level and the levels before is done', () => {
  assert.equal(usableCheckpoint(checkpoints, rounds('ticket/0'), config).level, 0);
  // The ticket of round 2 is done (so checkpoint 2 has come), but one control of round 1 is not.
  const lagging = rounds('ticket/0', 'ticket/1', 'ticket/2', 'random_reinit/1');
  assert.equal(usableCheckpoint(checkpoints, lagging, config).level, 0);
  assert.equal(usableCheckpoint(checkpoints, [...lagging, round('random_prune/1')], config).level, 1);
  assert.equal(usableCheckpoint([], lagging, config), null);
  assert.equal(usableCheckpoint(checkpoints, [], config), null, 'not even the dense network finished');
});

test('the offer says how far the run got, and offers to resume only an unfinished run with a checkpoint', () => {
  const saved = Date.UTC(2026, 0, 2);
  const partial = rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2');
  const resumable = describeKept({ config, rounds: partial, checkpoint: checkpoints[1], saved });
  assert.match(resumable.text, /finished 5 rounds before it was interrupted; its ticket had reached round 2 of 3\. Resuming continues it from round 2,/);
  assert.equal(resumable.checkpoint, checkpoints[1]);
  const without = describeKept({ config, rounds: partial, checkpoint: null, saved });
  assert.match(without.text, /It cannot be resumed/);
  assert.equal(without.checkpoint, null);
  const all = rounds('ticket/0', ...[1, 2, 3].flatMap((level) => ['ticket', ...config.controls].map((branch) => `${branch}/${level}`)));
  const finished = describeKept({ config, rounds: all, checkpoint: checkpoints[2], saved });
  assert.match(finished.text, /finished 10 rounds: the whole run\./);
  assert.equal(finished.checkpoint, null, 'a finished run needs no resume');
});

test('resuming keeps the rounds before the checkpoint\'s next level, as the core reports them', () => {
  const kept = roundsBefore(rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'ticket/2'), checkpoints[1]);
  assert.deepEqual(kept.map(({ branch, level }) => `${branch}/${level}`), ['ticket/0', 'ticket/1', 'random_reinit/1']);
  assert.ok(kept.every((r) => !('type' in r)), 'no message type in the results');
});
