// The page's headline run, whole: the quick preset (LeNet-300-100, 15 rounds of 1,500 iterations,
// the ticket against its random re-initialisation), seed 0, trained live in the page with every
// view drawn; its numbers must be the precomputed file's, which lth made natively.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, openPage, waitForStatus, ROOT } from './browser.mjs';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const withoutTimes = (rounds) => rounds.map(({ seconds, ...round }) => round);

test('the quick preset trains live with every view drawn, and gives exactly the numbers lth precomputed', async () => {
  const precomputed = JSON.parse(readFileSync(`${ROOT}/www/precomputed/quick-seed0.json`, 'utf8'));
  const page = await openPage(session.browser, `${session.url}#seed=0`);
  await page.selectOption('#preset', 'quick');
  await page.click('#train');
  await waitForStatus(page, /^Done/, 900_000);
  const run = await page.evaluate(() => window.ticketlab.results());
  assert.deepEqual(run.config, precomputed.config);
  assert.deepEqual(withoutTimes(run.rounds), withoutTimes(precomputed.rounds));

  // 1–2: the ticket and its re-initialisation at each of the 16 levels, against weights remaining.
  const { tickets, earlyStop } = await page.evaluate(() => window.ticketlab.chartData());
  for (const data of [tickets, earlyStop]) {
    assert.equal(data[0].length, 16);
    assert.ok(data[1].every((v) => v != null), 'a ticket point at every level');
    assert.equal(data[2].filter((v) => v != null).length, 16, 'a random re-init point at every level (the dense one shared)');
  }
  // 3: the learning curves of the newest round (the random re-init's of level 15), whole: with
  // two workers the ticket's evaluations come in beside it and must not make the curves flip.
  assert.match(await page.textContent('#segment-label'), /random re-init, round 15/);
  const reinit15 = run.rounds.find((r) => r.branch === 'random_reinit' && r.level === 15);
  const [iterations, validation] = (await page.evaluate(() => window.ticketlab.chartData().accuracy));
  assert.deepEqual(iterations, reinit15.evaluations.map((e) => e.iteration));
  assert.deepEqual(validation, reinit15.evaluations.map((e) => e.validation_accuracy));
  // 4–7: the per-round panels, each able to show all 16 finished ticket rounds.
  for (const name of ['connections', 'weights', 'confusion', 'digit']) {
    assert.ok(await page.isVisible(`#${name}-panel`), `${name} panel shown`);
    assert.equal(await page.getAttribute(`#${name}-round`, 'max'), '15', `${name}: rounds 0 to 15`);
  }
  assert.equal(await page.isVisible('#filters-panel'), false, 'no convolutions, no filters');
  const ticket15 = run.rounds.find((r) => r.branch === 'ticket' && r.level === 15);
  assert.equal(Number(await page.getAttribute('#confusion-count', 'data-correct')), Math.round(ticket15.last.test_accuracy * 10_000));
  // Files: results, curves and the last ticket are offered.
  for (const id of ['download', 'download-csv', 'export-ticket']) assert.ok(await page.isVisible(`#${id}`), `${id} offered`);
  assert.match(await page.textContent('#export-ticket'), /round 15/);
  assert.deepEqual(page.errors, []);
});
