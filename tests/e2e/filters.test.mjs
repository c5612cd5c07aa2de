// Page tests of the Filters panel: LeNet-5 trained and pruned on the real MNIST in the real page,
// and the panel's drawing read back pixel by pixel. Run by scripts/test after scripts/build.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForStatus } from './browser.mjs';
import { PRUNED_FILL } from '../../www/app/filters.js';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

/**
 * What the conv1 figure shows: its count line and data attributes, and per filter canvas the
 * cells drawn in the pruned grey, read from the pixels (k×k cells of canvas.width / k pixels,
 * sampled a fifth of a cell in from the top-left corner, away from the pruned cells' hatch).
 */
function readConv1(page, k) {
  return page.evaluate(([k, prunedFill]) => {
    const figure = document.querySelector('#filters-layers figure[data-layer="conv1"]');
    const canvases = [...figure.querySelectorAll('canvas')];
    const drawnPruned = canvases.map((canvas) => {
      const cell = canvas.width / k;
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let pruned = 0;
      for (let row = 0; row < k; row += 1) {
        for (let column = 0; column < k; column += 1) {
          const [x, y] = [Math.floor((column + 0.2) * cell), Math.floor((row + 0.2) * cell)];
          const at = (y * canvas.width + x) * 4;
          if (prunedFill.every((value, i) => pixels[at + i] === value)) pruned += 1;
        }
      }
      return pruned;
    });
    return {
      text: figure.querySelector('figcaption').textContent,
      pruned: Number(figure.dataset.pruned),
      images: canvases.length,
      square: canvases.every((canvas) => canvas.width === canvas.height && canvas.width % k === 0),
      drawnPruned: drawnPruned.reduce((sum, count) => sum + count, 0),
      labels: canvases.map((canvas) => canvas.getAttribute('aria-label')),
    };
  }, [k, PRUNED_FILL]);
}

test('LeNet-5 after a pruning round: the Filters panel draws the 6 conv1 filters with exactly the pruned weights of the ticket', async () => {
  // Two cores: the ticket trains in one worker, its control in another; the panel's filters come
  // from the ticket's worker.
  const page = await openPage(session.browser, `${session.url}#model=lenet-5&seed=3&epochs=0.05&eval_every=100&rounds=1&controls=random_reinit`, { cores: 2 });
  assert.equal(await page.isVisible('#filters-panel'), false, 'no panel before a round has finished');
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), 2);
  assert.ok(await page.isVisible('#filters-panel'));
  assert.match(await page.textContent('#filters-round-label'), /^1 of 1$/, 'the latest round is shown');

  const run = await page.evaluate(() => window.ticketlab.results());
  const conv1 = run.rounds.find((r) => r.branch === 'ticket' && r.level === 1).weights.find((w) => w.name === 'conv1.weight');
  const pruned = conv1.size - conv1.kept;
  assert.equal(pruned, 15, '10% of conv1\'s 150 weights');
  const shown = await readConv1(page, 5);
  assert.equal(shown.images, 6, 'one image per conv1 filter');
  assert.ok(shown.square, 'each a 5×5 image of whole cells');
  assert.equal(shown.drawnPruned, pruned, 'cells drawn as pruned');
  assert.equal(shown.pruned, pruned, 'the figure\'s data-pruned');
  assert.match(shown.text, new RegExp(`^conv1: ${conv1.kept} of 150 weights remain \\(${(conv1.kept / 1.5).toFixed(1)}%\\)`));
  const keptPerFilter = shown.labels.map((label) => Number(/(\d+) of 25 weights remain/.exec(label)[1]));
  assert.equal(keptPerFilter.reduce((sum, kept) => sum + kept, 0), conv1.kept, 'the filters\' labels add up');

  // The initial weights have the same mask; round 0 (picked with the keyboard) has none pruned.
  await page.check('input[name="filters-weights"][value="initial"]');
  assert.equal((await readConv1(page, 5)).drawnPruned, pruned);
  await page.focus('#filters-round');
  await page.keyboard.press('ArrowLeft');
  assert.match(await page.textContent('#filters-round-label'), /^0, the dense network$/);
  const dense = await readConv1(page, 5);
  assert.equal(dense.drawnPruned, 0);
  assert.match(dense.text, /^conv1: 150 of 150 weights remain \(100\.0%\)/);
  assert.deepEqual(page.errors, []);
});

test('one worker, the dense LeNet-5 only: the panel shows its filters; LeNet-300-100 has no Filters panel', async () => {
  const page = await openPage(session.browser, `${session.url}#model=lenet-5&seed=4&epochs=0.02&eval_every=100&rounds=0`, { cores: 1 });
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), 1);
  // conv1: an image per filter; conv2: a row per filter, an image per input channel.
  const drawn = await page.$$eval('#filters-layers figure', (figures) => figures.map((figure) =>
    [figure.dataset.layer, figure.querySelectorAll('[role="img"]').length, figure.querySelectorAll('canvas').length]));
  assert.deepEqual(drawn, [['conv1', 6, 6], ['conv2', 16, 96]]);
  assert.equal((await readConv1(page, 5)).drawnPruned, 0);

  // A new run without convolutions hides the last run's filters.
  await page.selectOption('#model', 'lenet-300-100');
  await page.fill('#epochs', '0.02'); // a model brings its own epochs
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  assert.equal(await page.isVisible('#filters-panel'), false);
  assert.deepEqual(page.errors, []);
});
