// Which kept checkpoint a run can resume from, and what the offer after a reload says
// (www/app/resume.js), without a browser. The page tests resume real runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usableCheckpoint, describeKept, describeKeptTrials, roundsBefore } from '../../www/app/resume.js';

const config = { seed: 1, rounds: 3, controls: ['random_reinit', 'random_prune'] };
const round = (name) => {
  const [branch, level] = name.split('/');
  return { type: 'round_done', branch, level: Number(level), complete: true };
};
const rounds = (...names) => names.map(round);
// The run's segments in order, as the core sends them with 'started' (run_order).
const order = rounds('ticket/0', ...[1, 2, 3].flatMap((level) => ['ticket', ...config.controls].map((branch) => `${branch}/${level}`)))
  .map(({ branch, level }) => ({ branch, level }));
const checkpoints = [0, 1, 2].map((level) => ({ level, bytes: new Uint8Array([level]) }));

test('a checkpoint is usable once every round of its level and the levels before is done', () => {
  assert.equal(usableCheckpoint(checkpoints, rounds('ticket/0'), order).level, 0);
  // The ticket of round 2 is done (so checkpoint 2 has come), but one control of round 1 is not.
  const lagging = rounds('ticket/0', 'ticket/1', 'ticket/2', 'random_reinit/1');
  assert.equal(usableCheckpoint(checkpoints, lagging, order).level, 0);
  assert.equal(usableCheckpoint(checkpoints, [...lagging, round('random_prune/1')], order).level, 1);
  assert.equal(usableCheckpoint([], lagging, order), null);
  assert.equal(usableCheckpoint(checkpoints, [], order), null, 'not even the dense network finished');
});

test('the offer says how far the run got, and offers to resume only an unfinished run with a checkpoint', () => {
  const saved = Date.UTC(2026, 0, 2);
  const partial = rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2');
  const resumable = describeKept({ config, order, rounds: partial, checkpoint: checkpoints[1], saved });
  assert.match(resumable.text, /was interrupted after round 2 of 3\. Resume continues it from round 2,/);
  assert.equal(resumable.checkpoint, checkpoints[1]);
  const without = describeKept({ config, order, rounds: partial, checkpoint: null, saved });
  assert.match(without.text, /It cannot be resumed/);
  assert.equal(without.checkpoint, null);
  const all = rounds('ticket/0', ...[1, 2, 3].flatMap((level) => ['ticket', ...config.controls].map((branch) => `${branch}/${level}`)));
  const finished = describeKept({ config, order, rounds: all, checkpoint: checkpoints[2], saved });
  assert.match(finished.text, /finished all 3 rounds\./);
  assert.equal(finished.checkpoint, null, 'a finished run needs no resume');
});

test('a record kept by an earlier page, without the run\'s order, is offered to show but not to resume', () => {
  const partial = rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2');
  const old = describeKept({ config, rounds: partial, checkpoint: checkpoints[1], saved: Date.UTC(2026, 0, 2) });
  assert.match(old.text, /kept by an earlier version of this page/);
  assert.equal(old.checkpoint, null);
  assert.equal(usableCheckpoint(checkpoints, partial, undefined), null);
  const trials = describeKeptTrials([{ config, rounds: partial, checkpoint: checkpoints[1], saved: 0 }, null], 2, 1);
  assert.equal(trials.resume, null);
  assert.match(trials.text, /kept by an earlier version of this page/);
});

test('resuming keeps the rounds before the checkpoint\'s next level, as the core reports them', () => {
  const kept = roundsBefore(rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'ticket/2'), checkpoints[1]);
  assert.deepEqual(kept.map(({ branch, level }) => `${branch}/${level}`), ['ticket/0', 'ticket/1', 'random_reinit/1']);
  assert.ok(kept.every((r) => !('type' in r)), 'no message type in the results');
});

// --- a run of several trials: each trial kept under its own seed ------------------------------

const wholeRun = rounds('ticket/0', ...[1, 2, 3].flatMap((level) => ['ticket', ...config.controls].map((branch) => `${branch}/${level}`)));
const ended = (status, error = null) => ({ status, error, prunable_weights: 266200 });
/** The record of trial `index` of a run from seed 5. */
const trialRecord = (index, kept, checkpoint, end = null) => ({
  config: { ...config, seed: 5 + index }, order, rounds: kept, checkpoint, ended: end, saved: Date.UTC(2026, 0, 2),
  views: kept.filter((r) => r.branch === 'ticket').map(({ level }) => ({ level, confusion: [index] })), // the ticket rounds' panel views
});

test('a run of trials is resumed from its first unfinished trial, after the finished ones\' kept results', () => {
  const records = [
    trialRecord(0, wholeRun, checkpoints[2], ended('done')),
    trialRecord(1, [...wholeRun].reverse(), checkpoints[2], ended('done')), // a split run keeps rounds as they finish
    trialRecord(2, rounds('ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2'), checkpoints[1]),
    null,
  ];
  const offer = describeKeptTrials(records, 4, 5);
  assert.match(offer.text, /Trials 1 and 2 of 4 finished; trial 3 \(seed 7\) reached round 2 of 3\. Resuming continues it from round 2, then the trials after it/);
  assert.equal(offer.trials.length, 3, 'Show them draws the trials read, not the one never started');
  assert.deepEqual(offer.trials.map((trial) => trial.views.length), [4, 4, 3], 'with their panels\' views');
  const { resume } = offer;
  assert.deepEqual([resume.trial, resume.checkpoint], [2, checkpoints[1]]);
  assert.deepEqual(resume.rounds.map(({ branch, level }) => `${branch}/${level}`), ['ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1']);
  assert.deepEqual(resume.views.map(({ level }) => level), [0, 1], 'the views of the rounds it keeps');
  assert.deepEqual(resume.drawn.map((trial) => [trial.rounds.length, trial.views.length]), [[10, 4], [10, 4], [4, 2]], 'drawn first: the finished trials, and what the resumed one keeps');
  assert.deepEqual(resume.finished.map((trial) => [trial.config.seed, trial.status, trial.prunable_weights]), [[5, 'done', 266200], [6, 'done', 266200]]);
  assert.deepEqual(resume.finished[1].rounds, resume.finished[0].rounds, 'the results\' rounds are in run order, without message types');
  assert.ok(resume.finished[0].rounds.every((r) => !('type' in r)));
  // A later trial's record after an unfinished one is another run's: not read.
  assert.equal(describeKeptTrials([records[0], null, records[1]], 3, 5).resume.trial, 1);
});

test('an interrupted trial without a checkpoint runs again; a whole run of trials is offered to show only', () => {
  const offer = describeKeptTrials([trialRecord(0, wholeRun, checkpoints[2], ended('done')), null], 2, 5);
  assert.match(offer.text, /Trial 1 of 2 finished; trial 2 \(seed 6\) had not finished a round\. Resuming runs it again from its start,/);
  assert.deepEqual([offer.resume.trial, offer.resume.checkpoint, offer.resume.rounds], [1, null, []]);
  const first = describeKeptTrials([trialRecord(0, rounds('ticket/0'), null), null], 2, 5);
  assert.match(first.text, /No trial of 2 finished; trial 1 \(seed 5\) reached round 0 of 3\. It cannot be resumed/);
  assert.equal(first.resume, null);
  const whole = describeKeptTrials([0, 1].map((index) => trialRecord(index, wholeRun, checkpoints[2], ended('done'))), 2, 5);
  assert.match(whole.text, /Trials 1 and 2 of 2 finished: the whole run\./);
  assert.deepEqual([whole.resume, whole.trials.length], [null, 2]);
});

test('a run that diverged is not offered a resume, and the offer says why; a stopped one is', () => {
  const message = 'training diverged: the loss became NaN at iteration 13. Try a smaller learning rate than 20; the results up to the last evaluation are kept';
  const partial = rounds('ticket/0', 'ticket/1', 'random_reinit/1');
  const one = describeKept({ ...trialRecord(0, partial, checkpoints[0]), ended: ended('diverged', message) });
  assert.match(one.text, /ended after round 1 of 3\. It diverged \(training diverged: .* smaller learning rate than 20;.*\), so resuming would diverge again at the same point: change that setting/);
  assert.equal(one.checkpoint, null);
  const trials = describeKeptTrials([trialRecord(0, wholeRun, checkpoints[2], ended('done')), trialRecord(1, partial, checkpoints[0], ended('diverged', message))], 2, 5);
  assert.match(trials.text, /Trial 1 of 2 finished; trial 2 \(seed 6\) reached round 1 of 3\. It diverged/);
  assert.deepEqual([trials.resume, trials.trials.length], [null, 2], 'Show them still draws both');
  const stopped = describeKeptTrials([trialRecord(0, partial, checkpoints[0], ended('stopped')), null], 2, 5);
  assert.equal(stopped.resume.checkpoint, checkpoints[0]);
});
