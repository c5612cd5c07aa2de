// The page in every engine (TICKETLAB_ENGINE=chromium|firefox|webkit; webdriver.mjs): a focused
// set, short runs, that a reader on Chrome, Safari or Firefox meets: the first visit's precomputed
// run, a short IMP run with the numbers of `lth`, pause and stop, a reload that offers to resume,
// a ticket exported and imported, a digit drawn, the embed. The Chromium-only page tests
// (tests/e2e/) check each of these more deeply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { By } from 'selenium-webdriver';
import { startWithPage, ROOT, ENGINE } from './webdriver.mjs';
import { nativeRun, numbers } from '../e2e/native.mjs';

let session;
let page;
before(async () => { ({ session, page } = await startWithPage()); });
after(async () => { await session?.close(); });

const iteration = () => page.eval(() => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '') || 0));
const segmentName = (round) => `${round.branch}/${round.level}`;
/** A safetensors file's JSON header. */
const headerOf = (file) => JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8'));

test(`${ENGINE}: a first visit draws the precomputed run at once, its chart and headline`, async () => {
  await page.open(await session.serveSite());
  await page.waitForStatus(/^Precomputed: the run Train starts/, 30_000);
  const precomputed = JSON.parse(readFileSync(join(ROOT, 'www/precomputed/quick-seed0.json'), 'utf8'));
  assert.deepEqual(await page.results(), precomputed, 'the results are the file lth made');
  await page.waitFor(() => document.querySelector('#tickets-chart canvas'), [], { what: 'the tickets chart drawn' });
  const tickets = await page.eval(() => window.ticketlab.chartData().tickets);
  assert.equal(tickets[0].length, 16, 'the dense network and 15 levels');
  const sparsest = precomputed.rounds.find((r) => r.branch === 'ticket' && r.level === 15);
  assert.equal(tickets[1][0], sparsest.early_stop.test_accuracy);
  assert.equal(await page.text('#headline-ticket'), `${(100 * sparsest.early_stop.test_accuracy).toFixed(2)}%`);
  assert.equal(await page.eval(() => document.getElementById('preset').value), 'quick');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: a short IMP run in two workers has lth's numbers; its ticket exports, and Draw a digit reads a drawing`, async () => {
  await page.open(`${await session.serveSite({ environment: { cores: 2 } })}#seed=5&epochs=0.1&eval_every=45&rounds=1&controls=random_reinit`);
  await page.click('#train');
  await page.waitForStatus(/^Done/);
  assert.equal(await page.eval(() => window.ticketlab.workers()), 2, 'the control trained in a second worker');
  const run = await page.results();
  assert.deepEqual(run.rounds.map(segmentName), ['ticket/0', 'ticket/1', 'random_reinit/1']);
  assert.deepEqual(numbers(run), numbers(nativeRun(run.config)), 'the CLI\'s numbers, bit for bit');

  // The ticket of round 1, as a file.
  await page.click('#export-ticket');
  const [ticket] = await page.waitFor(() => window.__downloads.length > 0 && window.__downloads);
  assert.equal(ticket.name, 'ticketlab-lenet-300-100-seed5-round1.safetensors');
  const [{ bytes }] = await page.downloads();
  const header = headerOf(Buffer.from(bytes, 'base64'));
  assert.equal(header.__metadata__.level, '1');
  assert.equal(Number(header.__metadata__.weights_remaining), run.rounds.find((r) => r.level === 1).weights_remaining);

  // A 7, drawn with the mouse on the pad: both networks answer.
  const pad = await session.driver.findElement(By.css('#digit-pad'));
  await session.driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', pad);
  const { width, height } = await pad.getRect();
  const at = (x, y) => ({ origin: pad, x: Math.round((x - 0.5) * width), y: Math.round((y - 0.5) * height), duration: 10 });
  const stroke = [[0.15, 0.15], [0.3, 0.15], [0.45, 0.15], [0.6, 0.15], [0.52, 0.35], [0.45, 0.55], [0.38, 0.75]];
  let actions = session.driver.actions().move(at(...stroke[0])).press();
  for (const point of stroke.slice(1)) actions = actions.move(at(...point));
  await actions.release().perform();
  const answers = await page.waitFor(() => document.getElementById('digit-body').dataset.pending === 'false' &&
    ['dense', 'ticket'].map((name) => document.querySelector(`#digit-${name} .digit-guess`).dataset.digit), [], { what: 'both answers' });
  for (const guess of answers) assert.match(guess, /^\d$/);
  const ink = await page.eval(() => document.getElementById('digit-preview').getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 3 && _ > 0).length);
  assert.ok(ink > 20, `the drawing reaches the 28×28 image (${ink} pixels inked)`);
  assert.deepEqual(await page.errors(), []);

  // The ticket imported into a fresh page (its own storage) retrains exactly as round 1 did.
  const file = join(mkdtempSync(join(tmpdir(), 'ticketlab-engines-')), ticket.name);
  writeFileSync(file, Buffer.from(bytes, 'base64'));
  await page.open(await session.serveSite());
  await page.chooseFile('#import-ticket', file);
  await page.waitFor(() => /Train retrains this ticket/.test(document.getElementById('import-ticket-status').textContent), [], { what: 'the ticket read' });
  await page.click('#train');
  await page.waitForStatus(/^Done/);
  const imported = (await page.results()).rounds[0];
  const original = run.rounds.find((r) => r.branch === 'ticket' && r.level === 1);
  assert.equal(imported.weights_remaining, original.weights_remaining);
  assert.deepEqual(imported.evaluations, original.evaluations, 'the imported ticket retrains bit for bit');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: pause holds the run still, resume continues it, stop keeps what was computed`, async () => {
  await page.open(`${await session.serveSite()}#seed=3&epochs=20&eval_every=100&rounds=0`);
  await page.click('#train');
  await page.waitFor(() => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '')) > 150, [], { timeout: 120_000, what: 'iteration 150' });
  await page.click('#pause');
  await page.waitForStatus(/^Paused/);
  const pausedAt = await iteration();
  await new Promise((resolve) => setTimeout(resolve, 700));
  assert.equal(await iteration(), pausedAt, 'no iterations while paused');
  await page.click('#pause'); // now labelled Resume
  await page.waitFor((before) => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '')) > before, [pausedAt], { timeout: 60_000, what: 'training again' });
  await page.click('#stop');
  assert.match(await page.waitForStatus(/^Stopped/), /What was computed is kept/);
  const run = await page.results();
  assert.equal(run.status, 'stopped');
  assert.ok(run.rounds[0].evaluations.length >= 2, 'evaluations before the stop are kept');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: a run reloaded while it trains is offered to resume, and resumed has lth's numbers`, async () => {
  await page.open(`${await session.serveSite()}#seed=11&epochs=0.1&eval_every=30&rounds=2&controls=`);
  await page.click('#train');
  // Once round 1 and its checkpoint are kept, the tab goes (a reload, as a crash would).
  await page.waitFor(() => window.ticketlab.rounds().includes('ticket/1'), [], { timeout: 120_000, what: 'round 1' });
  await page.waitFor(() => new Promise((resolve) => {
    const request = indexedDB.open('ticketlab', 1);
    request.onerror = () => resolve(false);
    request.onsuccess = () => {
      const all = request.result.transaction('runs').objectStore('runs').getAll();
      all.onsuccess = () => resolve(all.result.some((record) => (record.checkpoint?.level ?? -1) >= 1));
      all.onerror = () => resolve(false);
      all.transaction.oncomplete = () => request.result.close();
    };
  }), [], { what: 'the checkpoint of round 1 kept' });
  await session.driver.navigate().refresh();
  await page.waitFor(() => !document.getElementById('resume-kept').hidden, [], { what: 'the resume offer' });
  assert.match(await page.text('#kept-text'), /was interrupted after round [12] of 2\. Resume continues it from round 2/);
  await page.click('#resume-kept');
  await page.waitForStatus(/^Done/);
  const run = await page.results();
  assert.equal(run.resumed_at_level, 2);
  assert.deepEqual(run.rounds.map(segmentName), ['ticket/0', 'ticket/1', 'ticket/2']);
  assert.deepEqual(numbers(run), numbers(nativeRun(run.config)), 'the uninterrupted run\'s numbers, bit for bit');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: the embed, in a frame on another origin, shows the finished picture and trains a ticket run`, async () => {
  const src = `${await session.serveSite()}?embed=tickets#seed=5&epochs=0.05&eval_every=20&rounds=1&controls=`;
  const host = await session.serveSite({ pages: { '/host.html': `<!doctype html><title>A blog post</title><iframe src="${src}" width="700" height="500"></iframe>` } });
  await page.open(`${host.replace('127.0.0.1', 'localhost')}host.html`); // another origin than the frame's
  await session.driver.switchTo().frame(await session.driver.findElement(By.css('iframe')));
  try {
    await page.waitForStatus(/^Precomputed: the default run/, 30_000);
    await page.waitFor(() => window.ticketlab.chartData().tickets[0].length === 16, [], { what: 'the finished picture' });
    assert.equal(await page.visible('#model'), false, 'the form is not in the embed');
    await page.click('#train');
    await page.waitForStatus(/^Done/);
    const run = await page.results();
    assert.deepEqual(run.rounds.map(segmentName), ['ticket/0', 'ticket/1']);
    assert.equal(await page.eval(() => window.ticketlab.chartData().tickets[0].length), 2);
    assert.deepEqual(await page.errors(), []);
  } finally {
    await session.driver.switchTo().defaultContent();
  }
});
