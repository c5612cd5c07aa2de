// Page tests: the real page in headless Chromium, training LeNet-300-100 on the real MNIST in its
// Web Worker. Run by scripts/test after scripts/build (node --test tests/e2e/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { start, openPage, waitForStatus, waitInViewport, ROOT } from './browser.mjs';
import { nativeRun, numbers } from './native.mjs';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const results = (page) => page.evaluate(() => window.ticketlab.results());
const segmentName = (round) => `${round.branch}/${round.level}`;

/**
 * Each round of a page run that ended early (stopped, or ended by another worker's error) against
 * the CLI's run of the same settings: a round that ended as the CLI's did is identical to it; one
 * that the page cut short has the first of its evaluations.
 */
function matchesNative(run, native) {
  for (const { seconds, ...round } of run.rounds) {
    const { seconds: _, ...expected } = native.rounds.find((r) => segmentName(r) === segmentName(round));
    if (round.complete === expected.complete) assert.deepEqual(round, expected, segmentName(round));
    else assert.deepEqual(round.evaluations, expected.evaluations.slice(0, round.evaluations.length), `${segmentName(round)} so far`);
  }
}
/** Waits until the text of `selector` matches `pattern` (a RegExp) or equals it (a string): the core answers the form's checks. */
async function textBecomes(page, selector, pattern) {
  const expected = pattern instanceof RegExp ? { source: pattern.source } : { text: pattern };
  await page.waitForFunction(([selector, { source, text }]) => {
    const shown = document.querySelector(selector).textContent;
    return source != null ? new RegExp(source).test(shown) : shown === text;
  }, [selector, expected]).catch(async () => assert.fail(`${selector}: "${await page.textContent(selector)}", not ${pattern}`));
}

const iteration = async (page) => Number((await page.textContent('#iteration')).split('/')[0].replace(/\D/g, '') || 0);

test('a short run learns the real MNIST, and gives exactly the numbers of the native CLI', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=7&epochs=0.3&eval_every=50&rounds=0`);
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  const dense = run.rounds[0];
  const accuracies = dense.evaluations.map((e) => e.test_accuracy);
  assert.equal(dense.iterations_completed, 275);
  assert.ok(accuracies[0] < 0.2, `untrained accuracy ${accuracies[0]} should be near chance`);
  assert.ok(accuracies.at(-1) > 0.85, `test accuracy after 275 iterations was ${accuracies.at(-1)}`);
  assert.ok(run.train_samples_per_second > 0);
  assert.match(await page.textContent('#speed'), /images\/s/);

  // The same settings through the native CLI: identical evaluations, to the last bit.
  const native = nativeRun(run.config);
  assert.deepEqual(native.config, run.config);
  assert.deepEqual(numbers(native), numbers(run));
  assert.deepEqual(page.errors, []);
});

test('LeNet-5, a convolutional network, trains in the page with exactly the numbers of the native CLI', async () => {
  const page = await openPage(session.browser, `${session.url}#model=lenet-5&seed=2&epochs=0.1&eval_every=45&rounds=0`);
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  assert.equal(run.config.model, 'lenet-5');
  const accuracies = run.rounds[0].evaluations.map((e) => e.test_accuracy);
  assert.ok(accuracies.at(-1) > 0.8, `test accuracy after 91 iterations was ${accuracies.at(-1)}`);
  assert.deepEqual(numbers(nativeRun(run.config)), numbers(run));
  assert.deepEqual(page.errors, []);
});

test('each model brings the core\'s defaults for it, in the form and the URL', async () => {
  const page = await openPage(session.browser, `${session.url}#model=conv-6`);
  assert.equal(await page.inputValue('#learning_rate'), '0.0003');
  assert.equal(await page.inputValue('#prune_rate_conv'), '0.15');
  // The page's table of model defaults against the core's own (Config::defaults_for).
  const models = await page.$$eval('#model option', (options) => options.map((option) => option.value).filter((value) => value !== 'custom'));
  assert.ok(models.includes('conv-2') && models.includes('conv-4-quarter'), models.join());
  const core = await page.evaluate(async (names) => {
    const wasm = await import('./pkg/ticketlab.js');
    await wasm.default();
    return names.map((name) => JSON.parse(wasm.model_defaults_json(name)));
  }, models);
  // The paper preset's iterations a round are the core's default for each model.
  const presetIterations = await page.evaluate(async (names) => {
    const { MODELS, PRESETS } = await import('./app/settings.js');
    return names.map((name) => (MODELS[name] ? PRESETS.paper.iterations(name) : null));
  }, models);
  assert.deepEqual(presetIterations, core.map((config) => config.iterations));
  for (const [index, model] of models.entries()) {
    await page.selectOption('#model', model);
    const form = { learning_rate: Number(await page.inputValue('#learning_rate')), prune_rate_conv: Number(await page.inputValue('#prune_rate_conv')) };
    assert.deepEqual(form, { learning_rate: core[index].learning_rate, prune_rate_conv: core[index].prune_rate_conv }, model);
    // Only the model is in the link: the rest are its defaults.
    assert.equal(new URL(page.url()).hash, model === 'lenet-300-100' ? '' : `#model=${model}`);
  }
  assert.deepEqual(page.errors, []);
});

test('a custom network written as text trains in the page as in the CLI, and one that does not fit 28×28 is refused by layer', async () => {
  const architecture = 'conv:4x3s2,pool,fc:10';
  const page = await openPage(session.browser, `${session.url}#model=custom&architecture=${architecture}&seed=4&epochs=0.05&eval_every=20&rounds=0`);
  assert.ok(await page.isVisible('#architecture'));
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  assert.equal(run.config.model, architecture);
  assert.deepEqual(run.rounds[0].weights.map((w) => w.size), [36, 6 * 6 * 4 * 10]);
  assert.deepEqual(numbers(nativeRun(run.config)), numbers(run));

  // Text that is not a layer is caught as it is typed; shapes that do not fit, by the core.
  await page.fill('#architecture', 'conv:4x3,dense:10');
  assert.match(await page.textContent('#architecture-error'), /"dense:10" is not a layer/);
  await page.fill('#architecture', 'conv:4x29,fc:10');
  await page.click('#train');
  await waitForStatus(page, /could not start/);
  assert.match(await page.textContent('#architecture-error'), /layer 1 \(conv:4x29\): a 29×29 kernel does not fit 1 map\(s\) of 28×28/);
  assert.equal(await page.getAttribute('#architecture', 'aria-invalid'), 'true');
  assert.deepEqual(page.errors, []);
});

test('a short IMP run finds tickets level by level, draws them, and matches the native CLI', async () => {
  // Two cores: one worker trains the ticket, the other the controls; the merged results must be
  // the single-worker run's, which the CLI's are.
  const page = await openPage(session.browser, `${session.url}#seed=5&epochs=0.1&eval_every=45&rounds=2&controls=random_reinit,random_prune`, { cores: 2 });
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), 2, 'the controls trained in a second worker');
  const run = await results(page);
  assert.deepEqual(run.rounds.map((r) => `${r.branch}/${r.level}`),
    ['ticket/0', 'ticket/1', 'random_reinit/1', 'random_prune/1', 'ticket/2', 'random_reinit/2', 'random_prune/2']);
  assert.deepEqual(run.rounds.filter((r) => r.branch === 'ticket').map((r) => r.weights.map((w) => w.kept)),
    [[235200, 30000, 1000], [188160, 24000, 900], [150528, 19200, 810]]);
  assert.ok(await page.isVisible('#tickets-chart'));
  // The tickets chart as a PNG image.
  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#tickets-png')]);
  assert.equal(png.suggestedFilename(), 'ticketlab-tickets.png');
  const image = readFileSync(await png.path());
  assert.deepEqual([...image.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
  assert.ok(image.readUInt32BE(16) >= 400 && image.readUInt32BE(20) >= 200, `${image.readUInt32BE(16)}×${image.readUInt32BE(20)} pixels`);
  // The learning curves as CSV: one row per evaluation of every round, the numbers of the results.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  assert.equal(download.suggestedFilename(), 'ticketlab-lenet-300-100-seed5-curves.csv');
  const [header, ...rows] = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.equal(header, 'seed,branch,level,percent_remaining,iteration,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy');
  const evaluations = run.rounds.flatMap((round) => round.evaluations.map((e) => ({ round, e })));
  assert.equal(rows.length, evaluations.length);
  rows.forEach((row, index) => {
    const [seed, branch, level, , iteration, , , , , testAccuracy] = row.split(',');
    const { round, e } = evaluations[index];
    assert.deepEqual([Number(seed), branch, Number(level), Number(iteration)], [5, round.branch, round.level, e.iteration]);
    assert.ok(Math.abs(Number(testAccuracy) - e.test_accuracy) < 1e-6, row);
  });
  // The early-stop chart: x ascending (level 2, 1, 0), the ticket's and each control's iteration.
  assert.ok(await page.isVisible('#early-stop-chart'));
  const { earlyStop } = await page.evaluate(() => window.ticketlab.chartData());
  const stopOf = (branch, level) => run.rounds.find((r) => r.level === level && (r.branch === branch || level === 0)).early_stop.iteration;
  assert.deepEqual(earlyStop[0], [2, 1, 0].map((level) => run.rounds.find((r) => r.level === level).percent_remaining));
  assert.deepEqual(earlyStop.slice(1, 4), ['ticket', 'random_reinit', 'random_prune'].map((branch) => [2, 1, 0].map((level) => stopOf(branch, level))));
  assert.deepEqual(earlyStop[4], [2, 1, 0].map(() => stopOf('ticket', 0)), 'the dense network\'s, as a line across');
  // The Connections panel shows the last round's first-layer mask: its count is the core's.
  assert.ok(await page.isVisible('#connections-heatmap canvas'));
  assert.equal(await page.locator('#connections-units canvas').count(), 32);
  assert.equal(Number(await page.getAttribute('#connections-count', 'data-kept')), 150528);
  await page.focus('#connections-round');
  await page.keyboard.press('ArrowLeft');
  assert.equal(Number(await page.getAttribute('#connections-count', 'data-kept')), 188160, 'round 1, picked with the keyboard');
  // The Weights panel: the last round has no cut after it; round 1's cut prunes 20% of fc1.
  assert.equal(Number(await page.getAttribute('#weights-count', 'data-kept')), 150528);
  assert.equal(await page.textContent('#weights-per-layer'), 'Weights remaining per layer: fc1 64.0% · fc2 64.0% · fc3 81.0%');
  // The Confusion panel: every test digit once, the diagonal the round's last test accuracy.
  const lastTicket = run.rounds.find((r) => r.branch === 'ticket' && r.level === 2).last;
  assert.equal(Number(await page.getAttribute('#confusion-count', 'data-total')), 10000);
  assert.equal(Number(await page.getAttribute('#confusion-count', 'data-correct')) / 10000, lastTicket.test_accuracy);
  assert.equal(await page.locator('#confusion-table td').count(), 100);
  assert.equal(await page.getAttribute('#weights-count', 'data-threshold'), '');
  await page.focus('#weights-round');
  await page.keyboard.press('ArrowLeft');
  assert.equal(Number(await page.getAttribute('#weights-count', 'data-kept')), 188160);
  assert.ok(Number(await page.getAttribute('#weights-count', 'data-threshold')) > 0);
  const sampledPruned = Number(await page.getAttribute('#weights-count', 'data-sampled-pruned'));
  assert.ok(sampledPruned > 100 && sampledPruned < 300, `about 20% of ~1,000 sampled survivors are cut next: ${sampledPruned}`);
  // The ticket of the last round as a safetensors file: its header names every tensor, and its
  // masks keep what the results say.
  const [ticketDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-ticket')]);
  assert.equal(ticketDownload.suggestedFilename(), 'ticketlab-lenet-300-100-seed5-round2.safetensors');
  const file = readFileSync(await ticketDownload.path());
  const headerLength = Number(file.readBigUInt64LE(0));
  const tensors = JSON.parse(file.subarray(8, 8 + headerLength).toString('utf8'));
  assert.deepEqual(tensors['fc1.weight'].shape, [784, 300]);
  assert.equal(tensors['fc1.weight_mask'].dtype, 'U8');
  const data = file.subarray(8 + headerLength);
  const keptIn = (name) => { const [start, end] = tensors[name].data_offsets; return data.subarray(start, end).reduce((sum, b) => sum + b, 0); };
  assert.deepEqual(['fc1', 'fc2', 'fc3'].map((layer) => keptIn(`${layer}.weight_mask`)), [150528, 19200, 810]);
  assert.equal(tensors.__metadata__.level, '2');
  assert.deepEqual(numbers(nativeRun(run.config)), numbers(run));
  assert.deepEqual(page.errors, []);
});

/** The 28×28 preview's ink (its opacity), 0 to 255 per pixel. */
const previewInk = (page) => page.evaluate(() => {
  const { data } = document.getElementById('digit-preview').getContext('2d').getImageData(0, 0, 28, 28);
  return Array.from({ length: 784 }, (_, i) => data[4 * i + 3]);
});
/** Both answers once the last request is answered: the guesses and each column's heading. */
async function digitAnswers(page) {
  await page.waitForFunction(() => document.getElementById('digit-body').dataset.pending === 'false', null, { polling: 50 });
  return page.evaluate(() => Object.fromEntries(['dense', 'ticket'].map((name) => {
    const column = document.getElementById(`digit-${name}`);
    const percents = [...column.querySelectorAll('.digit-percent')].map((cell) => cell.textContent);
    return [name, { guess: column.querySelector('.digit-guess').dataset.digit, heading: column.querySelector('h3').textContent, percents }];
  })));
}

test('draw a digit: the dense network and the chosen round\'s ticket read a drawing and MNIST\'s test digits', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=5&epochs=0.1&eval_every=45&rounds=2&controls=`);
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  assert.ok(await page.isVisible('#digit-pad'));
  assert.equal(await page.getAttribute('#digit-pad', 'style') ?? '', '', 'sized by the style sheet');
  assert.equal(await page.$eval('#digit-pad', (pad) => getComputedStyle(pad).touchAction), 'none');

  // A 7 drawn with the mouse, small and off-centre in the top left of the pad.
  await page.locator('#digit-pad').scrollIntoViewIfNeeded();
  const box = await page.locator('#digit-pad').boundingBox();
  const at = (x, y) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(0.1, 0.12));
  await page.mouse.down();
  await page.mouse.move(...at(0.45, 0.12), { steps: 10 });
  await page.mouse.move(...at(0.22, 0.6), { steps: 12 });
  await page.mouse.up();
  const drawn = await digitAnswers(page);
  // What the networks see: the ink's longer side 20 pixels, its centre of mass in the middle.
  const ink = await previewInk(page);
  const inked = ink.flatMap((value, i) => (value > 0 ? [[i % 28, Math.floor(i / 28)]] : []));
  const extent = (axis) => Math.max(...inked.map((p) => p[axis])) - Math.min(...inked.map((p) => p[axis])) + 1;
  assert.equal(Math.max(extent(0), extent(1)), 20, `the ink spans ${extent(0)}×${extent(1)} pixels`);
  const mass = ink.reduce((sum, value) => sum + value, 0);
  const centre = (axis) => ink.reduce((sum, value, i) => sum + value * ((axis ? Math.floor(i / 28) : i % 28) + 0.5), 0) / mass;
  assert.ok(Math.abs(centre(0) - 14) <= 1 && Math.abs(centre(1) - 14) <= 1, `centre of mass at ${centre(0)}, ${centre(1)}`);
  // Both answers, for the last round (the slider follows the newest): a digit and ten bars each.
  const percentOf = (level) => run.rounds.find((r) => r.branch === 'ticket' && r.level === level).percent_remaining.toFixed(1);
  assert.equal(drawn.dense.heading, 'Dense network (100.0% of weights)');
  assert.equal(drawn.ticket.heading, `Ticket of round 2 (${percentOf(2)}% of weights)`);
  for (const { guess, percents } of Object.values(drawn)) {
    assert.match(guess, /^\d$/);
    assert.equal(percents.length, 10);
  }
  // Another round, picked with the keyboard: the ticket of round 1 answers.
  await page.focus('#digit-round');
  await page.keyboard.press('ArrowLeft');
  assert.equal((await digitAnswers(page)).ticket.heading, `Ticket of round 1 (${percentOf(1)}% of weights)`);
  await page.click('#digit-clear');
  assert.ok((await previewInk(page)).every((value) => value === 0), 'Clear empties the image');
  assert.equal((await digitAnswers(page)).dense.guess, '');

  // 20 of MNIST's test digits (picked by the page's Math.random, seeded here): the networks see
  // the file's bytes exactly, and the dense network names most of them right.
  await page.evaluate(() => { let state = 12345; Math.random = () => (state = (state * 16807) % 2147483647) / 2147483647; });
  const images = readFileSync(join(ROOT, 'data/mnist/t10k-images-idx3-ubyte'));
  const labels = readFileSync(join(ROOT, 'data/mnist/t10k-labels-idx1-ubyte'));
  let right = 0;
  for (let pick = 0; pick < 20; pick++) {
    const before = await page.getAttribute('#digit-source', 'data-index');
    await page.focus('#digit-test');
    await page.keyboard.press('Enter');
    await page.waitForFunction((previous) => document.getElementById('digit-source').dataset.index !== previous, before);
    const answers = await digitAnswers(page);
    const index = Number(await page.getAttribute('#digit-source', 'data-index'));
    assert.equal(Number(await page.getAttribute('#digit-source', 'data-label')), labels[8 + index]);
    assert.deepEqual(await previewInk(page), [...images.subarray(16 + 784 * index, 16 + 784 * (index + 1))], `test image ${index}`);
    if (Number(answers.dense.guess) === labels[8 + index]) right += 1;
  }
  // The dense network gets 92.1% of the test set right: 15 of 20 is a floor that an image
  // garbled on its way (transposed, scaled, the wrong network) would not reach.
  assert.ok(run.rounds[0].last.test_accuracy > 0.9);
  assert.ok(right >= 15, `the dense network read ${right} of 20 test digits right`);
  assert.deepEqual(page.errors, []);
});

test('an exported ticket imported into a fresh page trains exactly as that round did; a file that is not a ticket is refused', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=9&epochs=0.1&eval_every=45&rounds=1&controls=`);
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const original = (await results(page)).rounds.find((r) => r.branch === 'ticket' && r.level === 1);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-ticket')]);
  const file = await download.path();

  const fresh = await openPage(session.browser, session.url);
  await fresh.setInputFiles('#import-ticket', file);
  await fresh.waitForFunction(() => /Train retrains this ticket/.test(document.getElementById('import-ticket-status').textContent));
  assert.deepEqual([await fresh.inputValue('#seed'), await fresh.inputValue('#rounds'), await fresh.textContent('#iterations-hint')], ['9', '0', '= 92 iterations']);
  await fresh.click('#train');
  await waitForStatus(fresh, /^Done/);
  const imported = (await results(fresh)).rounds[0];
  assert.equal(imported.weights_remaining, original.weights_remaining);
  assert.deepEqual(imported.evaluations, original.evaluations, 'the imported ticket retrains bit for bit');

  await fresh.setInputFiles('#import-ticket', { name: 'digits.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from('not a ticket at all') });
  await fresh.waitForFunction(() => document.getElementById('import-ticket-error').textContent !== '');
  assert.match(await fresh.textContent('#import-ticket-error'), /ticket file/);
  assert.deepEqual([...page.errors, ...fresh.errors], []);
});

test('the embed code makes an iframe page with the chosen views and a Train button, no more', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=5&epochs=0.1&eval_every=45&rounds=1&controls=`);
  await page.click('#embed-box summary');
  await page.uncheck('input[name="embed-view"][value="accuracy"]');
  await page.check('input[name="embed-view"][value="weights"]');
  await page.click('#copy-embed');
  const code = await page.inputValue('#embed-code');
  const src = /<iframe src="([^"]+)"/.exec(code)?.[1];
  assert.equal(src, `${session.url}?embed=tickets,weights#seed=5&epochs=0.1&eval_every=45&rounds=1&controls=`);

  const embedded = await openPage(session.browser, src);
  for (const hidden of ['#model', '#seed', '#rounds', '#accuracy-panel', '#loss-panel', '#embed-box', 'footer']) {
    assert.equal(await embedded.isVisible(hidden), false, `${hidden} is not in the embed`);
  }
  assert.ok(await embedded.isVisible('#train'));
  assert.equal(await embedded.getAttribute('#open-full', 'href'), '/#seed=5&epochs=0.1&eval_every=45&rounds=1&controls=');
  await embedded.click('#train');
  await waitForStatus(embedded, /^Done/);
  assert.ok(await embedded.isVisible('#tickets-chart'));
  assert.ok(await embedded.isVisible('#weights-histogram canvas'));
  assert.equal(await embedded.isVisible('#early-stop-chart'), false);
  assert.deepEqual([...page.errors, ...embedded.errors], []);
});

test('a precomputed run is drawn at once, and the form then holds its settings to compute it live', async () => {
  const page = await openPage(session.browser, `${session.url}#model=lenet-5&seed=4`);
  await page.click('#show-precomputed');
  await waitForStatus(page, /^Precomputed/, 20_000);
  const run = await results(page);
  assert.deepEqual([run.config.iterations, run.config.eval_every, run.config.rounds, run.config.seed, run.config.controls], [1500, 150, 15, 0, ['random_reinit']]);
  assert.equal(run.rounds.length, 31);
  const { tickets } = await page.evaluate(() => window.ticketlab.chartData());
  assert.equal(tickets[0].length, 16, 'the dense network and 15 levels');
  const ticket36 = run.rounds.find((r) => r.branch === 'ticket' && r.level === 15);
  assert.equal(tickets[1][0], ticket36.early_stop.test_accuracy);
  assert.deepEqual([await page.inputValue('#model'), await page.inputValue('#seed'), await page.inputValue('#preset')], ['lenet-300-100', '0', 'quick']);
  assert.equal(await page.isVisible('#export-ticket'), false);
  assert.match(await page.textContent('#digit-unavailable'), /^Train to draw/, 'no worker holds the networks of a precomputed run');
  assert.ok(await page.isVisible('#digit-unavailable'));
  assert.equal(await page.isVisible('#digit-pad'), false);
  assert.deepEqual(page.errors, []);
});

test('the finished rounds are kept: after a reload the page offers them and draws them again', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=11&epochs=0.05&eval_every=20&rounds=2&controls=`);
  assert.equal(await page.isVisible('#kept-offer'), false, 'nothing kept yet');
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const finished = await page.evaluate(() => window.ticketlab.rounds());
  await page.reload();
  await page.waitForSelector('#kept-offer:not([hidden])');
  assert.match(await page.textContent('#kept-text'), /finished all 2 rounds/);
  await page.click('#show-kept');
  assert.match(await page.textContent('#status'), /^Shown from this browser's storage/);
  assert.equal(await page.isVisible('#export-ticket'), false, 'no worker holds the tickets of rounds drawn again');
  assert.ok(await page.isVisible('#digit-unavailable'), 'nor their networks to draw for');
  assert.deepEqual(await page.evaluate(() => window.ticketlab.rounds()), finished);
  const { tickets } = await page.evaluate(() => window.ticketlab.chartData());
  assert.equal(tickets[0].length, 3);
  // Other settings have nothing kept.
  await page.goto(`${session.url}#seed=12&epochs=0.05&eval_every=20&rounds=2&controls=`);
  await page.waitForTimeout(300);
  assert.equal(await page.isVisible('#kept-offer'), false);
  assert.deepEqual(page.errors, []);
});

/** The checkpoint level kept in this page's storage (kept-runs.js) for `seed` (any, if not given), or -1 when none is. */
const keptCheckpointLevel = (page, seed = null) => page.evaluate((seed) => new Promise((resolve) => {
  const request = indexedDB.open('ticketlab', 1);
  request.onerror = () => resolve(-1);
  request.onsuccess = () => {
    const all = request.result.transaction('runs').objectStore('runs').getAll();
    const ofSeed = (record) => seed == null || record.config.seed === seed;
    all.onsuccess = () => resolve(Math.max(-1, ...all.result.filter(ofSeed).map((record) => record.checkpoint?.level ?? -1)));
    all.onerror = () => resolve(-1);
  };
}), seed);

/**
 * Reloads the page (as a crashed tab would) while its run trains, once `round` ("branch/level") of
 * the trial in progress has finished and the checkpoint of that level is kept (for `seed`, if
 * given); returns the offer's text once it offers to resume.
 */
async function reloadWhileTraining(page, round, seed = null) {
  await page.waitForFunction((name) => window.ticketlab.rounds().includes(name), round, { timeout: 240_000, polling: 100 });
  const level = Number(round.split('/')[1]);
  while (await keptCheckpointLevel(page, seed) < level) await page.waitForTimeout(100);
  assert.doesNotMatch(await page.textContent('#status'), /^Done/, 'the run is still training when the tab goes');
  await page.reload();
  await page.waitForSelector('#resume-kept:not([hidden])');
  assert.ok(await page.isVisible('#show-kept'), 'the kept rounds can also just be shown');
  return page.textContent('#kept-text');
}

/** Reloads a page whose run has finished (or ended): its offer's text, once shown. */
async function reloadAfterRun(page) {
  await page.reload();
  await page.waitForSelector('#kept-offer:not([hidden])');
  return page.textContent('#kept-text');
}

/**
 * A run of 3 rounds with a control on `cores` cores, its tab "crashed" (reloaded) while it trains
 * after round 1 has finished, resumed from the offer: every round, kept and new, has the numbers
 * of an uninterrupted run (the CLI's), the charts hold them all, and once finished the run
 * offers no resume.
 */
async function checkResumeAfterCrash(cores) {
  const page = await openPage(session.browser, `${session.url}#seed=9&epochs=0.5&eval_every=100&rounds=3&controls=random_reinit`, { cores });
  await page.click('#train');
  // Kept once every round up to round 1 is done: the checkpoint to resume at round 2.
  const offer = await reloadWhileTraining(page, 'random_reinit/1');
  assert.match(offer, /was interrupted after round [1-3] of 3\. Resume continues it from round [23]/);
  const resumeLevel = Number(/from round (\d)/.exec(offer)[1]);
  // The offer is brought into view; Train beside it asks before it discards the run.
  await waitInViewport(page, '#kept-offer');
  await page.click('#train');
  assert.match(await page.textContent('#status'), /Press Train again to start over, or Resume the run/);
  assert.ok(await page.isVisible('#resume-kept'), 'the offer stays');
  assert.equal(await page.isEnabled('#pause'), false, 'no run started');
  await page.click('#resume-kept');
  await waitForStatus(page, /^Done/, 240_000);
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), cores >= 2 ? 2 : 1);
  const run = await results(page);
  assert.equal(run.resumed_at_level, resumeLevel);
  const order = ['ticket/0', 'ticket/1', 'random_reinit/1', 'ticket/2', 'random_reinit/2', 'ticket/3', 'random_reinit/3'];
  assert.deepEqual(run.rounds.map(segmentName), order, 'the results hold every round, kept and new, in run order');
  assert.deepEqual((await page.evaluate(() => window.ticketlab.rounds())).sort(), [...order].sort());
  const { tickets } = await page.evaluate(() => window.ticketlab.chartData());
  assert.equal(tickets[0].length, 4, 'the tickets chart has every level');
  assert.ok(tickets.slice(1, 3).every((column) => column.every((value) => value != null)), 'the ticket and the control at every level');
  assert.equal(await page.isVisible('#digit-unavailable'), false, 'Draw a digit has the new rounds\' networks');
  // The new rounds' tickets are in the worker: the last one exports.
  const [ticketDownload] = await Promise.all([page.waitForEvent('download'), page.click('#export-ticket')]);
  assert.equal(ticketDownload.suggestedFilename(), 'ticketlab-lenet-300-100-seed9-round3.safetensors');
  const file = readFileSync(await ticketDownload.path());
  const header = JSON.parse(file.subarray(8, 8 + Number(file.readBigUInt64LE(0))).toString('utf8'));
  assert.equal(header.__metadata__.level, '3');
  assert.equal(Number(header.__metadata__.weights_remaining), run.rounds.find((r) => r.level === 3).weights_remaining);
  assert.deepEqual(numbers(run), numbers(nativeRun(run.config)), 'the uninterrupted run\'s numbers, bit for bit');
  // Finished now: after another reload the run is offered to show, not to resume.
  assert.match(await reloadAfterRun(page), /finished all 3 rounds/);
  assert.equal(await page.isVisible('#resume-kept'), false);
  assert.deepEqual(page.errors, []);
}

test('an interrupted run split over two workers resumes after a reload with the numbers of an uninterrupted run', async () => {
  await checkResumeAfterCrash(2);
});

test('an interrupted run in one worker resumes after a reload with the numbers of an uninterrupted run', async () => {
  await checkResumeAfterCrash(1);
});

test('pause holds the run still, resume continues it, stop keeps what was computed', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=3&epochs=20&eval_every=200&rounds=0`);
  await page.click('#train');
  await page.waitForFunction(() => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '')) > 300, null, { timeout: 120_000 });
  await page.click('#pause');
  await waitForStatus(page, /^Paused/);
  const pausedAt = await iteration(page);
  await page.waitForTimeout(700);
  assert.equal(await iteration(page), pausedAt, 'no iterations while paused');

  await page.click('#pause'); // now labelled Resume
  await page.waitForFunction((before) => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '')) > before, pausedAt, { timeout: 60_000 });

  await page.click('#stop');
  const status = await waitForStatus(page, /^Stopped/);
  assert.match(status, /What was computed is kept/);
  const run = await results(page);
  assert.equal(run.status, 'stopped');
  assert.equal(run.rounds[0].complete, false);
  assert.ok(run.rounds[0].evaluations.length >= 2, 'evaluations before the stop are kept');
  assert.ok(await page.isVisible('#download'));
  assert.equal(await page.isEnabled('#train'), true);
  assert.deepEqual(page.errors, []);
});

test('the presets fill in the CLI\'s settings, the form says which preset it matches, and a link names its preset', async () => {
  // The defaults are the quick preset: a link without settings, or with preset=quick, is it.
  const page = await openPage(session.browser, `${session.url}#model=lenet-5&seed=3`);
  assert.equal(await page.inputValue('#preset'), 'quick');
  assert.equal(await page.textContent('#iterations-hint'), '= 1,500 iterations per round');
  assert.deepEqual([await page.inputValue('#eval_every'), await page.inputValue('#rounds'), await page.isChecked('#control-random_reinit')], ['150', '15', true]);
  await page.selectOption('#preset', 'paper');
  assert.equal(await page.textContent('#iterations-hint'), '= 50,000 iterations per round');
  assert.equal(await page.inputValue('#rounds'), '18');
  assert.equal(new URL(page.url()).hash, '#preset=paper&model=lenet-5&seed=3', 'a preset is written by name');
  await page.fill('#rounds', '5');
  assert.equal(await page.inputValue('#preset'), 'custom', 'a changed setting makes it custom');
  assert.equal(new URL(page.url()).hash, '#preset=paper&model=lenet-5&seed=3&rounds=5', 'over the preset it is closest to');
  await page.selectOption('#preset', 'quick');
  assert.equal(new URL(page.url()).hash, '#model=lenet-5&seed=3');
  // A link with preset=quick, or the quick preset's settings written out, shows as the quick preset.
  for (const hash of ['#preset=quick&seed=3', '#epochs=1.6376&eval_every=150&rounds=15']) {
    const linked = await openPage(session.browser, `${session.url}${hash}`);
    assert.deepEqual([await linked.inputValue('#preset'), await linked.inputValue('#epochs'), await linked.inputValue('#rounds')], ['quick', '1.6376', '15'], hash);
    assert.equal(await linked.isVisible('#url-notice'), false);
  }
  const bad = await openPage(session.browser, `${session.url}#preset=fast`);
  assert.match(await bad.textContent('#url-notice'), /preset=fast: must be one of: quick, paper; using quick/);
  assert.deepEqual(page.errors, []);
});

test('the pruning ranking, schedule and training-set size reach the core from the form and the link', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=6&epochs=1&train_size=3000&eval_every=25&rounds=2&prune_scope=global&prune_schedule=one_shot&controls=`);
  assert.equal(await page.textContent('#iterations-hint'), '= 50 iterations per round');
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  assert.deepEqual([run.config.train_size, run.config.iterations, run.config.prune_scope, run.config.prune_schedule], [3000, 50, 'global', 'one_shot']);
  // Global: one ranking of all 266,200 weights at 20% a round; one-shot: level 2 straight from the dense network.
  assert.deepEqual(run.rounds.filter((r) => r.branch === 'ticket').map((r) => r.weights_remaining), [266200, 212960, 170368]);
  assert.deepEqual(numbers(nativeRun(run.config)), numbers(run));
  assert.deepEqual(page.errors, []);
});

test('a target of weights remaining reaches the core, which resolves it to the rounds the page shows, and the run stops there', async () => {
  // LeNet-300-100 and a small CNN, each pruned layer-wise and globally; fast rates keep the runs short.
  const short = 'seed=3&train_size=600&epochs=0.2&eval_every=2&controls=';
  const cases = [
    'prune_rate=0.6&prune_rate_output=0.3&target_remaining=5',
    'prune_rate=0.6&target_remaining=5&prune_scope=global',
    'model=custom&architecture=conv:8x3,pool,fc:32,fc:10&prune_rate=0.5&prune_rate_conv=0.2&prune_rate_output=0.2&target_remaining=10',
    'model=custom&architecture=conv:8x3,pool,fc:32,fc:10&prune_rate=0.5&target_remaining=10&prune_scope=global',
  ];
  for (const hash of cases) {
    const page = await openPage(session.browser, `${session.url}#${short}&${hash}`);
    assert.equal(await page.inputValue('#prune_until'), 'target_remaining', hash);
    assert.ok(await page.isVisible('#target_remaining') && !(await page.isVisible('#rounds')), hash);
    // The hint, from the core's layer sizes and the page's own climb down the ladder.
    await page.waitForFunction(() => window.ticketlab.pruningPlan() !== null);
    const plan = await page.evaluate(() => window.ticketlab.pruningPlan());
    assert.ok(plan.rounds >= 2, `${hash}: ${plan.rounds} rounds`);
    assert.match(await page.textContent('#target_remaining-hint'), new RegExp(`^= ${plan.rounds} rounds; the last keeps .*\\(${plan.kept.toLocaleString('en')} of `));
    await page.click('#train');
    await waitForStatus(page, /^Done/);
    // The core's settings from the started message: the target as given, the rounds the page said.
    const settings = await page.evaluate(() => window.ticketlab.settings());
    const target = Number(new URLSearchParams(hash).get('target_remaining'));
    assert.deepEqual([settings.target_remaining, settings.rounds], [target, plan.rounds], hash);
    const run = await results(page);
    const tickets = run.rounds.filter((r) => r.branch === 'ticket');
    assert.deepEqual(tickets.map((r) => r.level), [...Array(plan.rounds + 1).keys()], `${hash}: ticket levels`);
    assert.equal(tickets.at(-1).weights_remaining, plan.kept, `${hash}: what the last mask keeps`);
    assert.ok(tickets.at(-1).percent_remaining <= target && tickets.at(-2).percent_remaining > target, hash);
    assert.match(new URL(page.url()).hash, new RegExp(`target_remaining=${target}`));
    assert.doesNotMatch(new URL(page.url()).hash, /rounds=/);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('a bad target is explained beside its field and does not start a run; a link with rounds and a target keeps the rounds', async () => {
  // Reachable only after 44 rounds (the page allows 40): refused once the core's layer sizes are in.
  const page = await openPage(session.browser, `${session.url}#target_remaining=0.01`);
  await page.waitForFunction(() => /44 rounds/.test(document.getElementById('target_remaining-error').textContent));
  assert.match(await page.textContent('#target_remaining-error'), /more than the 40 a run may have/);
  assert.equal(await page.getAttribute('#target_remaining', 'aria-invalid'), 'true');
  await page.click('#train');
  assert.match(await page.textContent('#status'), /Fix the highlighted settings/);
  assert.equal(await page.evaluate(() => window.ticketlab.settings()), undefined, 'no run started');
  // Stalls: 0.001% is below what rounding ever reaches at these rates.
  await page.fill('#target_remaining', '0.001');
  await textBecomes(page, '#target_remaining-error', /cannot be reached at these rates: the ticket stops at 0\.00301% /);
  await page.fill('#target_remaining', '100');
  assert.match(await page.textContent('#target_remaining-error'), /above 0 and below 100/);
  await page.fill('#target_remaining', '21.1');
  await textBecomes(page, '#target_remaining-hint', '= 7 rounds; the last keeps 21.07% of the weights (56,094 of 266,200)');
  assert.equal(await page.textContent('#target_remaining-error'), '');
  assert.equal(new URL(page.url()).hash, '#target_remaining=21.1');
  // Back to rounds: the target field hides, and the link loses it.
  await page.selectOption('#prune_until', 'rounds');
  assert.ok(await page.isVisible('#rounds') && !(await page.isVisible('#target_remaining')));
  await page.fill('#rounds', '15');
  await textBecomes(page, '#rounds-hint', 'the last keeps 3.58% of the weights (9,537 of 266,200)');
  assert.equal(new URL(page.url()).hash, '', 'the link loses the target; 15 rounds are the default');

  const both = await openPage(session.browser, `${session.url}#rounds=5&target_remaining=3.6`);
  assert.match(await both.textContent('#url-notice'), /target_remaining=3\.6: the link gives rounds too.*using rounds=5/);
  assert.deepEqual([await both.inputValue('#prune_until'), await both.inputValue('#rounds')], ['rounds', '5']);
  assert.deepEqual([...page.errors, ...both.errors], []);
});

test('a bad URL parameter shows a notice and falls back to the default for that field only', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=12&batch_size=0&colour=red`);
  const notice = await page.textContent('#url-notice');
  assert.match(notice, /batch_size=0/);
  assert.match(notice, /unknown parameter "colour"/);
  assert.equal(await page.inputValue('#batch_size'), '60');
  assert.equal(await page.inputValue('#seed'), '12');
});

test('an invalid setting is explained beside its field and does not start a run', async () => {
  const page = await openPage(session.browser, session.url);
  await page.fill('#learning_rate', '-0.1');
  await page.click('#train');
  assert.match(await page.textContent('#learning_rate-error'), /above 0/);
  assert.equal(await page.getAttribute('#learning_rate', 'aria-invalid'), 'true');
  assert.match(await page.textContent('#status'), /Fix the highlighted settings/);
});

test('a diverging run (NaN loss) shows a clear message and keeps its evaluations', async () => {
  const page = await openPage(session.browser, `${session.url}#optimizer=sgd&learning_rate=1000&epochs=1&rounds=0`);
  await page.click('#train');
  await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
  assert.match(await page.textContent('#error'), /diverged.*smaller learning rate/);
  const run = await results(page);
  assert.equal(run.status, 'diverged');
  assert.equal(run.rounds[0].evaluations[0].iteration, 0);
  assert.equal(await page.isEnabled('#train'), true);
});

test('MNIST is kept after the first run: the next visit trains offline, from the cache', async () => {
  const context = await session.browser.newContext();
  try {
    const first = await openPage(session.browser, `${session.url}#seed=8&epochs=0.02&eval_every=20&rounds=0`, { context });
    const downloads = [];
    first.on('request', (request) => { if (request.url().includes('/data/')) downloads.push(request.url()); });
    await first.click('#train');
    await waitForStatus(first, /^Done/);
    assert.equal(downloads.length, 4, 'the first visit downloads the four files');
    const online = await results(first);
    await first.close();

    // Offline: every request for the data fails; the page must not need them.
    await context.route('**/data/**', (route) => route.abort('internetdisconnected'));
    const second = await openPage(session.browser, `${session.url}#seed=8&epochs=0.02&eval_every=20&rounds=0`, { context });
    const statuses = [];
    await second.exposeFunction('recordStatus', (text) => statuses.push(text));
    await second.evaluate(() => new MutationObserver(() => window.recordStatus(document.getElementById('status').textContent))
      .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true }));
    await second.click('#train');
    await waitForStatus(second, /^Done/);
    assert.ok(statuses.some((text) => /from this browser's cache/.test(text)), statuses.join(' | '));
    assert.deepEqual(numbers(await results(second)), numbers(online), 'the same numbers from the cached files');
    assert.deepEqual(second.errors, []);
  } finally {
    await context.close();
  }
});

test('a missing or corrupt data file shows what is wrong instead of a blank page', async () => {
  const page = await openPage(session.browser, `${session.url}#epochs=0.1`);
  await page.route('**/data/t10k-labels-idx1-ubyte.gz', (route) => route.fulfill({ status: 404, body: 'not found' }));
  await page.click('#train');
  await page.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
  assert.match(await page.textContent('#error'), /t10k-labels-idx1-ubyte\.gz.*404/);

  // A well-formed gzip file of the wrong bytes (an IDX header that promises 60,000 labels, and 3).
  const corrupt = await openPage(session.browser, `${session.url}#epochs=0.1`);
  const wrong = gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0xea, 0x60, 1, 2, 3]));
  await corrupt.route('**/data/train-labels-idx1-ubyte.gz', (route) => route.fulfill({ status: 200, body: wrong }));
  await corrupt.click('#train');
  await corrupt.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
  assert.match(await corrupt.textContent('#error'), /data\/train-labels-idx1-ubyte\.gz is damaged \(its sha256 does not match\)/);
  assert.equal(await corrupt.isEnabled('#train'), true);

  // A download cut short: gzip's own check fails.
  const truncated = await openPage(session.browser, `${session.url}#epochs=0.1`);
  const whole = readFileSync(join(ROOT, 'site/data/t10k-images-idx3-ubyte.gz'));
  await truncated.route('**/data/t10k-images-idx3-ubyte.gz', (route) => route.fulfill({ status: 200, body: whole.subarray(0, whole.length >> 1) }));
  await truncated.click('#train');
  await truncated.waitForSelector('#error:not([hidden])', { timeout: 60_000 });
  assert.match(await truncated.textContent('#error'), /data\/t10k-images-idx3-ubyte\.gz is damaged/);
});

test('with two workers, pause holds both, and stop keeps the finished rounds of both and the unfinished ones as far as they went', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=8&epochs=0.3&eval_every=100&rounds=3`, { cores: 2 });
  await page.click('#train');
  // Once each worker has finished a round (the ticket and the control of level 1): pause, resume, stop.
  await page.waitForFunction(() => ['ticket/1', 'random_reinit/1'].every((name) => window.ticketlab.rounds().includes(name)), null, { timeout: 180_000, polling: 100 });
  await page.click('#pause');
  await waitForStatus(page, /^Paused/);
  // The progress bar counts both workers' iterations.
  const progress = () => page.evaluate(() => [document.getElementById('progress').value, window.ticketlab.rounds().length]);
  const pausedAt = await progress();
  await page.waitForTimeout(700);
  assert.deepEqual(await progress(), pausedAt, 'neither worker trains while paused');
  await page.click('#pause'); // now labelled Resume
  await page.waitForFunction((before) => document.getElementById('progress').value > before, pausedAt[0], { timeout: 60_000 });
  await page.click('#stop');
  await waitForStatus(page, /^Stopped/);
  const run = await results(page);
  assert.equal(run.status, 'stopped');
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), 2);
  const finished = run.rounds.filter((r) => r.complete).map(segmentName);
  for (const name of ['ticket/0', 'ticket/1', 'random_reinit/1']) assert.ok(finished.includes(name), `${name} kept: ${finished}`);
  assert.ok(run.rounds.some((r) => !r.complete), 'the ticket segment running at the stop is kept as an incomplete round');
  const order = ['ticket/0', 'ticket/1', 'random_reinit/1', 'ticket/2', 'random_reinit/2', 'ticket/3', 'random_reinit/3'];
  assert.deepEqual(run.rounds.map(segmentName), order.filter((name) => run.rounds.some((r) => segmentName(r) === name)),
    'the rounds in the single-worker order');
  matchesNative(run, nativeRun(run.config));
  assert.deepEqual(page.errors, []);
});

test('with two workers, a diverging control reports its error and stops the ticket, keeping what both computed', async () => {
  // SGD at learning rate 20, seed 2: the tickets train, but the random re-initialisation of level
  // 2 diverges at iteration 13 (found with lth; the page computes the same numbers) while the
  // ticket of level 2 trains beside it.
  const page = await openPage(session.browser, `${session.url}#seed=2&optimizer=sgd&learning_rate=20&epochs=0.1&eval_every=46&rounds=2`, { cores: 2 });
  await page.click('#train');
  await page.waitForSelector('#error:not([hidden])', { timeout: 120_000 });
  assert.match(await page.textContent('#error'), /diverged.*smaller learning rate/);
  assert.equal(await page.isEnabled('#train'), true);
  assert.equal(await page.evaluate(() => window.ticketlab.workers()), 2);
  const run = await results(page);
  assert.equal(run.status, 'diverged');
  assert.deepEqual(run.rounds.map(segmentName), ['ticket/0', 'ticket/1', 'random_reinit/1', 'ticket/2', 'random_reinit/2']);
  const native = nativeRun(run.config);
  assert.equal(native.status, 'diverged');
  assert.equal(run.error, native.error);
  assert.equal(run.rounds.at(-1).iterations_completed, 13);
  matchesNative(run, native);
  assert.deepEqual(page.errors, []);
});

// --- trials: several seeds, one after another ------------------------------------------------

/** `lth imp --trials N` with the same settings: its summary.json and each trial's results. */
function nativeImp(config, trials) {
  const folder = mkdtempSync(join(tmpdir(), 'ticketlab-imp-'));
  const configFile = join(folder, 'config.json');
  writeFileSync(configFile, JSON.stringify(config));
  try {
    execFileSync('cargo', ['run', '--quiet', '--release', '--bin', 'lth', '--', 'imp', '--config', configFile, '--trials', String(trials), '--jobs', '1', '--out-dir', folder],
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (error.status !== 3) throw error; // 3: a trial diverged, and the reports were written
  }
  const read = (name) => JSON.parse(readFileSync(join(folder, name), 'utf8'));
  const summary = read('summary.json');
  return { summary, trials: summary.seeds.map((seed) => read(`trial-seed${seed}.json`)) };
}

/** The charts against weights remaining (window.ticketlab.chartData()): [data, spread, measure of an early stop] of each. */
const chartMeasures = (chart) => [[chart.tickets, chart.ticketsSpread, (stop) => stop.test_accuracy], [chart.earlyStop, chart.earlyStopSpread, (stop) => stop.iteration]];

/** Each trial's (results') `measure` of `branch`'s early stop at each of `levels` (null where it has none): a chart's spread.trials. */
const trialPoints = (trials, branch, levels, measure) => trials.map((trial) => levels.map((level) => {
  const round = trial.rounds.find((r) => r.level === level && (r.branch === branch || level === 0));
  return round ? measure(round.early_stop) : null;
}));

/** A trial's (results') last ticket round's final test accuracy: what the Confusion panel shows of it. */
const lastTicketAccuracy = (trial) => trial.rounds.findLast((r) => r.branch === 'ticket').last.test_accuracy;

/** The test accuracy the Confusion panel shows, after picking the trial `label` in the Run panel if given. */
async function confusionAccuracy(page, label = null) {
  if (label) await page.selectOption('#panels-trial', { label });
  return Number(await page.getAttribute('#confusion-count', 'data-correct')) / 10000;
}

/** Records every status line (and the whole-run progress bar beside it) from now on, in page.statuses. */
async function recordStatuses(page) {
  page.statuses = [];
  await page.exposeFunction('recordStatus', (text, progress) => page.statuses.push({ text, progress }));
  await page.evaluate(() => new MutationObserver(() => window.recordStatus(document.getElementById('status').textContent, document.getElementById('progress').value))
    .observe(document.getElementById('status'), { childList: true, characterData: true, subtree: true }));
}

test('two trials are seeds 5 and 6, each the single run of its seed and lth imp\'s trial; the charts show their mean and spread; the files hold both', async () => {
  const settings = 'epochs=0.1&eval_every=45&rounds=2&controls=random_reinit';
  const page = await openPage(session.browser, `${session.url}#seed=5&${settings}&trials=2`, { cores: 2 });
  await recordStatuses(page);
  await page.click('#train');
  await waitForStatus(page, /^Done/);
  const run = await results(page);
  assert.deepEqual([run.trials, run.seeds, run.status, run.config.seed], [2, [5, 6], 'done', 5]);
  // The status named the trial in progress, and the whole-run bar had passed half way when the second began.
  const second = page.statuses.find(({ text }) => /^Trial 2 of 2 \(seed 6\): training/.test(text));
  assert.ok(second && second.progress >= 0.5, JSON.stringify(second));
  assert.match(await page.textContent('#status'), /^Done: 2 trials \(seeds 5 to 6\)/);

  // Trial 2 is the run of seed 6 alone, evaluation for evaluation.
  const single = await openPage(session.browser, `${session.url}#seed=6&${settings}`, { cores: 2 });
  await single.click('#train');
  await waitForStatus(single, /^Done/);
  assert.deepEqual(numbers(run.results[1]), numbers(await results(single)));
  // And both trials, and the summary, are lth imp --trials 2's.
  const native = nativeImp(run.config, 2);
  assert.deepEqual(native.summary.config, run.config);
  run.results.forEach((trial, index) => assert.deepEqual(numbers(trial), numbers(native.trials[index]), `trial ${index + 1}`));
  assert.deepEqual(run.rows, native.summary.rows);

  // The charts: per branch and level (x ascending: level 2, 1, 0) the mean of the two trials'
  // values, their lowest and highest, and each.
  const chart = await page.evaluate(() => window.ticketlab.chartData());
  const levels = [2, 1, 0];
  for (const [data, spread, measure] of chartMeasures(chart)) {
    assert.deepEqual(data[0], levels.map((level) => run.results[0].rounds.find((r) => r.level === level).percent_remaining));
    ['ticket', 'random_reinit'].forEach((branch, index) => {
      const each = trialPoints(run.results, branch, levels, measure);
      assert.deepEqual(spread[index].trials, each, branch);
      assert.deepEqual(data[index + 1], levels.map((_, i) => (each[0][i] + each[1][i]) / 2), `${branch}: mean`);
      assert.deepEqual(spread[index].min, levels.map((_, i) => Math.min(each[0][i], each[1][i])), `${branch}: lowest`);
      assert.deepEqual(spread[index].max, levels.map((_, i) => Math.max(each[0][i], each[1][i])), `${branch}: highest`);
    });
    assert.deepEqual(data[3].slice(0, 2), [null, null], 'no random pruning');
  }
  assert.notDeepEqual(chart.ticketsSpread[0].min, chart.ticketsSpread[0].max, 'the seeds differ');
  assert.equal(await page.textContent('#tickets-title .trials-hint'), 'mean of 2 trials; band: lowest to highest');

  // The per-round panels show the first trial (its last ticket round's confusion), or the one picked.
  assert.equal(await confusionAccuracy(page), lastTicketAccuracy(run.results[0]));
  assert.equal(await confusionAccuracy(page, 'trial 2 (seed 6)'), lastTicketAccuracy(run.results[1]));
  assert.equal(Number(await page.getAttribute('#weights-count', 'data-kept')), 150528, 'the newest round of trial 2');

  // The files: the results JSON as shown, and every trial's evaluations in the CSV, by seed.
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(json.suggestedFilename(), 'ticketlab-lenet-300-100-seed5-trials2.json');
  assert.deepEqual(JSON.parse(readFileSync(await json.path(), 'utf8')), run);
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  const rows = readFileSync(await csv.path(), 'utf8').trim().split('\n').slice(1).map((row) => row.split(','));
  const evaluations = run.results.flatMap((trial) => trial.rounds.flatMap((round) => round.evaluations.map((e) => [trial.config.seed, round.branch, e.iteration])));
  assert.deepEqual(rows.map(([seed, branch, , , iteration]) => [Number(seed), branch, Number(iteration)]), evaluations);
  // The ticket export is the last trial's, which the workers hold.
  assert.match(await page.textContent('#export-ticket'), /round 2, seed 6/);
  // Each trial's rounds are kept for a reload under its own one-seed link.
  await page.goto(`${session.url}#seed=6&${settings}`);
  await page.waitForSelector('#kept-offer:not([hidden])');
  assert.match(await page.textContent('#kept-text'), /finished all 2 rounds/);
  assert.deepEqual([...page.errors, ...single.errors], []);
});

test('trials live in the link and the form, and a bad number of trials is explained beside its field', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=3&trials=3`);
  assert.equal(await page.inputValue('#trials'), '3');
  const hash = () => page.evaluate(() => location.hash);
  await page.fill('#trials', '4');
  assert.equal(await hash(), '#seed=3&trials=4');
  await page.fill('#trials', '1');
  assert.equal(await hash(), '#seed=3', 'one trial is the default');
  await page.fill('#trials', '11');
  assert.match(await page.textContent('#trials-error'), /from 1 to 10/);
  assert.equal(await page.getAttribute('#trials', 'aria-invalid'), 'true');
  await page.click('#train');
  assert.match(await page.textContent('#status'), /Fix the highlighted settings/);
  const linked = await openPage(session.browser, `${session.url}#trials=0`);
  assert.match(await linked.textContent('#url-notice'), /trials=0: must be from 1 to 10; using 1/);
  assert.equal(await linked.inputValue('#trials'), '1');
  assert.deepEqual([...page.errors, ...linked.errors], []);
});

test('stop in the second of three trials keeps the first and the second as far as it went', async () => {
  // One core: one trial after another (on more, the three would train side by side).
  const page = await openPage(session.browser, `${session.url}#seed=9&epochs=0.3&eval_every=100&rounds=1&controls=&trials=3`, { cores: 1 });
  await page.click('#train');
  await waitForStatus(page, /^Trial 2 of 3 \(seed 10\): training/);
  await page.waitForFunction(() => Number(document.getElementById('iteration').textContent.split('/')[0].replace(/\D/g, '')) > 100, null, { timeout: 120_000 });
  await page.click('#pause');
  await waitForStatus(page, /^Trial 2 of 3 \(seed 10\): paused/);
  await page.click('#pause'); // now labelled Resume
  await page.click('#stop');
  assert.match(await waitForStatus(page, /^Stopped/), /^Stopped in trial 2 of 3 \(seed 10\).*Every finished trial and the rounds of this one are kept/);
  const run = await results(page);
  assert.deepEqual([run.status, run.seeds, run.results.map((trial) => trial.status)], ['stopped', [9, 10], ['done', 'stopped']]);
  assert.ok(run.results[1].rounds.some((r) => !r.complete), 'the round in progress is kept, unfinished');
  matchesNative(run.results[1], nativeRun(run.results[1].config));
  assert.deepEqual(run.rows.find((row) => row.branch === 'ticket' && row.level === 0).trials,
    run.results.filter((trial) => trial.rounds[0].complete).length, 'the summary counts the finished rounds only');
  assert.equal(await page.isEnabled('#train'), true);
  assert.deepEqual(page.errors, []);
});

test('a run of two trials interrupted in its second resumes after a reload with lth imp\'s numbers; finished, it is offered to show, with both trials', async () => {
  // One core: one trial after another (two trials side by side are the next test's).
  const page = await openPage(session.browser, `${session.url}#seed=5&epochs=0.1&eval_every=45&rounds=3&controls=random_reinit&trials=2`, { cores: 1 });
  await page.click('#train');
  await waitForStatus(page, /^Trial 2 of 2 \(seed 6\)/);
  const offer = await reloadWhileTraining(page, 'random_reinit/1', 6);
  assert.match(offer, /^Your last run of 2 trials with these settings \(.*\): Trial 1 of 2 finished; trial 2 \(seed 6\) reached round [1-3] of 3\. Resuming continues it from round [23],/);
  await page.click('#resume-kept');
  await waitForStatus(page, /^Done: 2 trials \(seeds 5 to 6\)/, 240_000);
  const run = await results(page);
  assert.deepEqual([run.trials, run.seeds, run.status, run.results.map((trial) => trial.status)], [2, [5, 6], 'done', ['done', 'done']]);
  const native = nativeImp(run.config, 2);
  run.results.forEach((trial, index) => assert.deepEqual(numbers(trial), numbers(native.trials[index]), `trial ${index + 1}`));
  assert.deepEqual(run.rows, native.summary.rows, 'the summary rows');
  assert.equal(run.results[0].prunable_weights, native.trials[0].prunable_weights, 'the kept trial\'s results are whole');
  // The CSV holds every evaluation of both trials, as lth's; the charts both trials' points.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')]);
  const rows = readFileSync(await csv.path(), 'utf8').trim().split('\n').slice(1).map((row) => row.split(','));
  const evaluations = native.trials.flatMap((trial) => trial.rounds.flatMap((round) => round.evaluations.map((e) => [trial.config.seed, round.branch, e.iteration, e.test_accuracy.toFixed(6)])));
  assert.deepEqual(rows.map(([seed, branch, , , iteration, , , , , accuracy]) => [Number(seed), branch, Number(iteration), accuracy]), evaluations);
  const levels = [3, 2, 1, 0];
  const checkCharts = async () => {
    const chart = await page.evaluate(() => window.ticketlab.chartData());
    for (const [, spread, measure] of chartMeasures(chart)) {
      ['ticket', 'random_reinit'].forEach((branch, index) => assert.deepEqual(spread[index].trials, trialPoints(native.trials, branch, levels, measure), branch));
    }
    assert.equal(await page.textContent('#tickets-title .trials-hint'), 'mean of 2 trials; band: lowest to highest');
    // The per-round panels have both trials' (the kept ones' too).
    for (const [index, trial] of native.trials.entries()) assert.equal(await confusionAccuracy(page, `trial ${index + 1} (seed ${5 + index})`), lastTicketAccuracy(trial));
  };
  await checkCharts();
  // Finished: a reload offers to show both trials, not to resume.
  assert.match(await reloadAfterRun(page), /Trials 1 and 2 of 2 finished: the whole run\./);
  assert.equal(await page.isVisible('#resume-kept'), false);
  await page.click('#show-kept');
  assert.match(await page.textContent('#status'), /^Shown from this browser's storage: the 14 finished rounds of your last run with these settings \(2 of its 2 trials\)/);
  await checkCharts();
  assert.deepEqual(page.errors, []);
});

test('two trials side by side, interrupted while the first is on show, resume after a reload with lth imp\'s numbers', async () => {
  // Two cores, two trials: a lane each (split.js's planLanes), the second held back from the views
  // until the first ends. A reload loses the second's progress, not its numbers: it runs again.
  const settings = 'epochs=0.1&eval_every=45&rounds=2&controls=random_reinit&trials=2';
  const page = await openPage(session.browser, `${session.url}#seed=5&${settings}`, { cores: 2 });
  await recordStatuses(page);
  await page.click('#train');
  const offer = await reloadWhileTraining(page, 'ticket/1', 5);
  assert.ok(page.statuses.some(({ text }) => /^Trial 1 of 2 \(seed 5\): .*; trial 2 trains beside it\.$/.test(text)), 'the status named the trial beside');
  // (Should trial 1 end between the check and the reload, trial 2 is the one interrupted.)
  assert.match(offer, /^Your last run of 2 trials with these settings \(.*\): (No trial of 2 finished; trial 1 \(seed 5\)|Trial 1 of 2 finished; trial 2 \(seed 6\)) reached round [12] of 2\. Resuming continues it from round [2],/);
  await page.click('#resume-kept');
  await waitForStatus(page, /^Done: 2 trials \(seeds 5 to 6\)/, 240_000);
  const run = await results(page);
  assert.deepEqual([run.seeds, run.status, run.results.map((trial) => trial.status)], [[5, 6], 'done', ['done', 'done']]);
  const native = nativeImp(run.config, 2);
  run.results.forEach((trial, index) => assert.deepEqual(numbers(trial), numbers(native.trials[index]), `trial ${index + 1}`));
  assert.deepEqual(run.rows, native.summary.rows, 'the summary rows');
  assert.deepEqual(page.errors, []);
});

test('a diverging second trial reports its error, and every trial\'s evaluations and the summary are kept, as lth imp\'s; a reload offers no resume', async () => {
  // SGD at learning rate 20: seed 1 trains to the end; seed 2's random re-initialisation of
  // level 2 diverges at iteration 13 (found with lth imp; see the two-worker test above). One
  // worker, so that the ticket of level 2 finishes before that control starts, as in lth.
  const page = await openPage(session.browser, `${session.url}#seed=1&optimizer=sgd&learning_rate=20&epochs=0.1&eval_every=46&rounds=2&trials=2`, { cores: 1 });
  await page.click('#train');
  await page.waitForSelector('#error:not([hidden])', { timeout: 180_000 });
  assert.match(await page.textContent('#error'), /diverged.*smaller learning rate/);
  assert.match(await page.textContent('#status'), /^Trial 2 of 2 \(seed 2\) ended early/);
  const run = await results(page);
  assert.deepEqual([run.status, run.results.map((trial) => trial.status)], ['diverged', ['done', 'diverged']]);
  const native = nativeImp(run.config, 2);
  run.results.forEach((trial, index) => assert.deepEqual(numbers(trial), numbers(native.trials[index]), `trial ${index + 1}`));
  assert.deepEqual(run.rows, native.summary.rows);
  assert.ok(await page.isVisible('#download'));
  // After a reload the run is not offered a resume (it would diverge again), and the offer says why; Show them draws both trials.
  assert.match(await reloadAfterRun(page), /Trial 1 of 2 finished; trial 2 \(seed 2\) reached round 2 of 2\. It diverged \(training diverged: .*smaller learning rate than 20.*\), so resuming would diverge again/);
  assert.equal(await page.isVisible('#resume-kept'), false);
  await page.click('#show-kept');
  const { ticketsSpread } = await page.evaluate(() => window.ticketlab.chartData());
  assert.deepEqual(ticketsSpread[0].trials, trialPoints(run.results, 'ticket', [2, 1, 0], (stop) => stop.test_accuracy));
  assert.deepEqual(page.errors, []);
});
