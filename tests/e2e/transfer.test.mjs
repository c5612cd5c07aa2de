// Page tests: what a first visit downloads before the first training step. MNIST comes
// gzip-compressed, once for the page, whatever the number of workers (www/app/mnist.js,
// www/app/trainers.js), and the run's numbers are those of the native CLI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { start, openPage, waitForStatus, ROOT } from './browser.mjs';
import { nativeRun, numbers } from './native.mjs';
import { MNIST_FILES, MNIST_SHA256, MNIST_DOWNLOAD_BYTES } from '../../www/app/mnist.js';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const BUDGET = 12_000_000; // bytes, page and workers, from navigation to the first training step

/** A response's bytes on the wire (body and headers), or its Content-Length where the browser does not say. */
async function transferred(response) {
  try {
    const { responseBodySize, responseHeadersSize } = await response.request().sizes();
    return responseBodySize + Math.max(0, responseHeadersSize);
  } catch {
    return Number(response.headers()['content-length'] ?? 0);
  }
}

/**
 * Opens the page fresh (a context of its own: an empty cache) with `hash`, waits for
 * `beforeTrain(page)`, presses Train, and
 * counts every response of the page and its workers until the first training step shows. Returns
 * {bytes, urls, seconds, page, context}: the bytes of those responses, their URLs, and the time
 * from pressing Train to the first step.
 */
async function firstVisit(hash, cores, beforeTrain = async () => {}) {
  const context = await session.browser.newContext();
  const responses = [];
  context.on('response', (response) => responses.push(response));
  const page = await openPage(session.browser, `${session.url}${hash}`, { cores, context });
  await beforeTrain(page);
  const pressed = performance.now();
  await page.click('#train');
  await page.waitForFunction(() => document.getElementById('iteration').textContent !== '–', null, { timeout: 180_000, polling: 50 });
  const seconds = (performance.now() - pressed) / 1000;
  const before = responses.slice();
  const bytes = (await Promise.all(before.map(transferred))).reduce((sum, size) => sum + size, 0);
  return { bytes, urls: before.map((response) => new URL(response.url()).pathname), seconds, page, context };
}

/** How often each of the data folder's files was requested. */
function dataRequests(urls) {
  const counts = {};
  for (const path of urls.filter((p) => p.includes('/data/'))) counts[path] = (counts[path] ?? 0) + 1;
  return counts;
}
const EACH_ONCE = Object.fromEntries(MNIST_FILES.map((name) => [`/data/${name}.gz`, 1]));

for (const { cores, rounds, workers } of [{ cores: 1, rounds: 0, workers: 1 }, { cores: 2, rounds: 1, workers: 2 }]) {
  test(`a first visit downloads at most 12 MB before the first training step, MNIST once, with ${workers} worker${workers > 1 ? 's' : ''}`, async (t) => {
    const { bytes, urls, seconds, page, context } = await firstVisit(`#seed=3&epochs=0.05&eval_every=20&rounds=${rounds}`, cores);
    try {
      t.diagnostic(`${(bytes / 1e6).toFixed(2)} MB in ${urls.length} responses, first step ${seconds.toFixed(1)} s after Train`);
      assert.ok(bytes <= BUDGET, `${bytes} bytes before the first step`);
      assert.deepEqual(dataRequests(urls), EACH_ONCE);
      await waitForStatus(page, /^Done/);
      assert.equal(await page.evaluate(() => window.ticketlab.workers()), workers);
      const run = await page.evaluate(() => window.ticketlab.results());
      assert.deepEqual(numbers(run), numbers(nativeRun(run.config)), 'the native CLI\'s numbers, bit for bit');
      // Each worker's core holds MNIST once (55 MB) and reports it; the page shows the sum.
      const memory = await page.evaluate(() => window.ticketlab.workerMemory());
      const mb = memory.map((bytes) => bytes / 2 ** 20);
      t.diagnostic(`the workers' cores: ${mb.map((m) => m.toFixed(1)).join(' + ')} MB; shown: ${await page.textContent('#memory')}`);
      assert.equal(memory.length, workers);
      assert.ok(mb.every((m) => m >= 55 && m < 100), `each core holds MNIST and the networks: ${mb}`);
      assert.match(await page.textContent('#memory'), /^\d+ MB$/);
      if (workers > 1) {
        // A second run reads the data each core already holds: no worker's memory grows.
        await page.click('#train');
        await waitForStatus(page, /^Done/);
        assert.deepEqual(await page.evaluate(() => window.ticketlab.workerMemory()), memory);
      }
      assert.deepEqual(page.errors, []);
    } finally {
      await context.close();
    }
  });
}

test('a newcomer\'s first visit, the finished picture and then Train with the defaults, downloads at most 12 MB before the first step', async (t) => {
  const { bytes, urls, seconds, page, context } = await firstVisit('', 2, (page) => waitForStatus(page, /^Precomputed/, 20_000));
  try {
    t.diagnostic(`${(bytes / 1e6).toFixed(3)} MB in ${urls.length} responses, first step ${seconds.toFixed(1)} s after Train`);
    assert.ok(urls.some((path) => path.endsWith('/precomputed/quick-seed0.json.gz')), 'the finished picture, compressed');
    assert.ok(bytes <= BUDGET, `${bytes} bytes before the first step`);
    assert.deepEqual(dataRequests(urls), EACH_ONCE);
    await page.click('#stop');
    await waitForStatus(page, /^Stopped/);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
});

test('mnist.js has scripts/fetch-mnist\'s checksums and the size of the compressed files the build makes', () => {
  const script = readFileSync(join(ROOT, 'scripts/fetch-mnist'), 'utf8');
  for (const name of MNIST_FILES) assert.match(script, new RegExp(`${MNIST_SHA256[name]}  ${name}`), name);
  const built = MNIST_FILES.reduce((sum, name) => sum + statSync(join(ROOT, `site/data/${name}.gz`)).size, 0);
  // Another gzip than GNU gzip 1.x may pack a little differently: the page only states the size.
  assert.ok(Math.abs(built - MNIST_DOWNLOAD_BYTES) / MNIST_DOWNLOAD_BYTES < 0.01, `built ${built}, stated ${MNIST_DOWNLOAD_BYTES}`);
});
