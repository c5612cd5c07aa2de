// Storage that fails is told, and nothing computed is lost to it: a quota that runs out while a run
// is kept (Chromium's own quota, made small through the DevTools protocol), and a damaged kept
// record. The rule for a whole record is checked without a browser too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForStatus, waitInViewport } from './browser.mjs';
import { isWhole } from '../../www/app/kept-runs.js';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const SETTINGS = '#seed=13&epochs=0.05&eval_every=20&rounds=1&controls=';

test('a kept record is read only when whole: its settings, and rounds that each have a branch and a level', () => {
  const whole = { config: { rounds: 1 }, rounds: [{ branch: 'ticket', level: 0 }], views: [] };
  assert.equal(isWhole(whole), true);
  for (const damaged of [null, {}, { ...whole, config: undefined }, { ...whole, rounds: 'many' }, { ...whole, rounds: [null] },
    { ...whole, rounds: [{ branch: 'ticket' }] }, { ...whole, views: 3 }]) {
    assert.equal(isWhole(damaged), false, JSON.stringify(damaged));
  }
});

test('when the browser\'s storage quota runs out, the page says the run was not kept, and the run and its results stay', async () => {
  const context = await session.browser.newContext();
  try {
    const page = await openPage(session.browser, `${session.url}${SETTINGS}`, { context });
    const client = await context.newCDPSession(page);
    await client.send('Storage.overrideQuotaForOrigin', { origin: new URL(session.url).origin, quotaSize: 20_000 });
    await page.click('#train');
    await waitForStatus(page, /^Done/);
    await page.waitForSelector('#storage-notice:not([hidden])');
    assert.match(await page.textContent('#storage-notice'), /^Not kept: this browser did not keep the last round: its storage is full\. Everything computed is still in this page/);
    await waitInViewport(page, '#storage-notice');
    const run = await page.evaluate(() => window.ticketlab.results());
    assert.deepEqual(run.rounds.map((r) => `${r.branch}/${r.level}`), ['ticket/0', 'ticket/1']);
    assert.ok(await page.isVisible('#download'), 'the results can still be downloaded');
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('a damaged kept record is set aside with a notice; the page starts and trains as usual', async () => {
  const context = await session.browser.newContext();
  try {
    const page = await openPage(session.browser, `${session.url}${SETTINGS}`, { context });
    // The record a run with these settings would leave, with its rounds damaged.
    await page.evaluate((key) => new Promise((resolve, reject) => {
      const request = indexedDB.open('ticketlab', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('runs', { keyPath: 'key' });
      request.onsuccess = () => {
        const transaction = request.result.transaction('runs', 'readwrite');
        transaction.objectStore('runs').put({ key, config: { rounds: 1 }, rounds: [null], saved: Date.now() });
        transaction.oncomplete = resolve;
        transaction.onerror = () => reject(transaction.error);
      };
    }), SETTINGS);
    await page.reload();
    await page.waitForSelector('#storage-notice:not([hidden])');
    assert.match(await page.textContent('#storage-notice'), /could not be read \(its record is damaged\), so it is not offered/);
    assert.equal(await page.isVisible('#kept-offer'), false);
    await page.click('#train');
    await waitForStatus(page, /^Done/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});
