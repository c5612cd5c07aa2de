// A failure inside the core (a trap: a panic, or memory the tab could not give) is told as what the
// user was doing, what failed and what to try; the rounds finished before it are kept, and the next
// run starts in a new worker. The trap is thrown into a real run: the worker's Experiment.step is
// made to throw a WebAssembly.RuntimeError, as a panic does, once two rounds have finished.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForStatus } from './browser.mjs';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const SETTINGS = '#seed=13&epochs=0.05&eval_every=20&rounds=3&controls=';

/** Makes the worker's core trap once, on the first step after `rounds` rounds have finished. */
async function trapAfterRounds(worker, rounds) {
  await worker.evaluate(async (after) => {
    const core = await import(new URL('./pkg/ticketlab.js', self.location).href);
    const step = core.Experiment.prototype.step;
    let finished = 0;
    core.Experiment.prototype.step = function trappingStep(budget) {
      if (finished === after) {
        finished += 1;
        throw new WebAssembly.RuntimeError('unreachable');
      }
      const events = step.call(this, budget);
      finished += events.filter((event) => event.type === 'round_done').length;
      return events;
    };
  }, rounds);
}

test('a trap in the core says what was running and what to try, keeps the finished rounds, and Train starts afresh', async () => {
  const context = await session.browser.newContext();
  try {
    const page = await openPage(session.browser, `${session.url}${SETTINGS}`, { context });
    const started = page.waitForEvent('worker');
    await page.click('#train');
    await trapAfterRounds(await started, 2);
    const status = await waitForStatus(page, /ended early|could not start|^Done/);
    assert.match(status, /The run ended early; the evaluations so far are kept below/);
    const error = await page.textContent('#error');
    assert.match(error, /^Error: the core hit an internal error while going on from the ticket of round 1, which had finished: unreachable /);
    assert.match(error, /a trap in the WebAssembly code/);
    assert.match(error, /This is a bug in ticketlab, not a problem with your settings\. Press Train to start again/);
    const run = await page.evaluate(() => window.ticketlab.results());
    assert.deepEqual(run.rounds.map((r) => `${r.branch}/${r.level}`), ['ticket/0', 'ticket/1']);
    assert.ok(run.rounds.every((r) => r.early_stop && r.evaluations.length > 0), 'the kept rounds are whole');
    assert.ok(await page.isVisible('#download'), 'the finished rounds can be downloaded');
    assert.equal(page.workers().length, 0, 'the failed worker is ended');

    // Train again: a new worker, a new core, and the same run computed whole.
    await page.click('#train');
    assert.match(await waitForStatus(page, /^Done|ended early/), /^Done/);
    const again = await page.evaluate(() => window.ticketlab.results());
    assert.deepEqual(again.rounds.map((r) => `${r.branch}/${r.level}`), ['ticket/0', 'ticket/1', 'ticket/2', 'ticket/3']);
    const computed = (rounds) => rounds.map(({ seconds, ...round }) => round); // all but the wall time
    assert.deepEqual(computed(again.rounds.slice(0, 2)), computed(run.rounds), 'the rounds kept are the rounds the run computes');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
