// The benchmark page (bench.html) in headless Chromium with a tiny setting: a smoke test that
// every figure is measured and that TF.js ran where it says. No timing is asserted: the figures
// depend on the machine and its load (scripts/bench is where they are taken).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForStatus } from './browser.mjs';

const TINY = 'repetitions=1&steps=2&cpu_steps=1&passes=1&cpu_passes=1&lenet5_steps=2&lenet5_cpu_steps=1';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const positive = (x, what) => assert.ok(Number.isFinite(x) && x > 0, `${what}: ${x}`);

test('the benchmark page measures ticketlab and TF.js (wasm and cpu backends), the pruning ladder, and LeNet-5 training', async () => {
  const page = await openPage(session.browser, `${session.url}bench.html#${TINY}`);
  await page.click('#measure');
  await waitForStatus(page, /^(Done|Error)/, 300_000);
  const results = await page.evaluate(() => window.bench.results());
  assert.equal(results.status, 'done', results.error);

  assert.deepEqual(results.engines.map((e) => [e.name, e.backend]), [['ticketlab-wasm', null], ['tfjs-wasm', 'wasm'], ['tfjs-cpu', 'cpu']]);
  for (const engine of results.engines) {
    positive(engine.training.median, `${engine.name} training`);
    positive(engine.evaluation.median, `${engine.name} evaluation`);
  }
  // No cross-origin isolation, so no threads: TF.js must have fetched its single-threaded SIMD build.
  assert.equal(results.tfjs.version, '4.22.0');
  assert.deepEqual(results.tfjs.wasm, { simd: true, threads: false, file: 'tfjs-backend-wasm-simd.wasm', variant: 'SIMD, single-threaded' });

  assert.deepEqual(results.ladder.map((l) => l.percent_remaining.toFixed(1)), ['100.0', '51.3', '21.1', '7.0', '3.6']);
  for (const level of results.ladder) {
    for (const kernels of ['dense', 'sparse', 'auto']) positive(level[kernels].median, `${level.percent_remaining}% ${kernels}`);
  }
  for (const ratio of Object.values(results.ratios)) positive(ratio, 'ratio');

  // LeNet-5: a figure for each library, except TF.js's wasm backend where it cannot train a CNN
  // (then its own error, naming the missing gradient kernel, stands in the figure's place).
  assert.equal(results.lenet5.config.model, 'lenet-5');
  assert.deepEqual(results.lenet5.engines.map((e) => [e.name, e.backend, e.steps]), [['ticketlab-wasm', null, 2], ['tfjs-cpu', 'cpu', 1], ['tfjs-wasm', 'wasm', 2]]);
  for (const engine of results.lenet5.engines) {
    if (engine.cannot_train) {
      assert.equal(engine.name, 'tfjs-wasm');
      assert.match(engine.cannot_train, /Conv2DBackpropFilter/);
      assert.equal(engine.training.median, null);
    } else {
      positive(engine.training.median, `LeNet-5, ${engine.name} training`);
    }
  }
  positive(results.lenet5.ratios.training_ticketlab_over_tfjs_cpu, 'LeNet-5 ratio over TF.js cpu');
  const wasmRow = await page.locator('#lenet5 tbody tr').nth(2).textContent();
  assert.match(wasmRow, results.lenet5.engines[2].cannot_train ? /cannot train: .*Conv2DBackpropFilter/ : /\d/);
  assert.equal(await page.locator('#lenet5 tbody tr').count(), 3);
  assert.equal(await page.locator('#engines tbody tr').count(), 3);
  assert.equal(await page.locator('#ladder tbody tr').count(), 5);
  assert.ok(await page.isVisible('#download'));
  assert.deepEqual(page.errors, []);
});

test('the benchmark page names the problem when TF.js cannot load its wasm files, or a setting is wrong', async () => {
  const page = await openPage(session.browser, `${session.url}bench.html#${TINY}`);
  await page.route('**/vendor/tfjs/*.wasm', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.click('#measure');
  await waitForStatus(page, /^(Done|Error)/, 300_000);
  assert.match(await page.textContent('#error'), /wasm backend.*vendor\/tfjs\/.*scripts\/build/);
  assert.equal((await page.evaluate(() => window.bench.results())).status, 'error');
  assert.equal(await page.isEnabled('#measure'), true);

  const bad = await openPage(session.browser, `${session.url}bench.html#steps=0&colour=red`);
  assert.match(await bad.textContent('#error'), /steps=0.*colour=red is not a setting/);
});
