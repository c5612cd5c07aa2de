// The first five minutes, as a newcomer meets the page: the finished picture at once, Train beside
// it, a ticket run from the defaults, numbers that name their branch, messages brought into view,
// an honest status, the guided read. In headless Chromium at a desktop's and a phone's size.
// Times are printed for the record, never asserted (the machines are shared).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { start, openPage, waitForStatus, waitInViewport } from './browser.mjs';

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

const SCREENS = { desktop: { width: 1280, height: 800 }, phone: { width: 390, height: 844 } };

/**
 * Runs `body(page)` on a page at `hash` in a fresh context (its own storage) at `viewport`, with
 * the context's `options`; the page must raise no error.
 */
async function onFreshPage(viewport, hash, body, options = {}) {
  const context = await session.browser.newContext({ viewport, ...options });
  try {
    const page = await openPage(session.browser, `${session.url}${hash}`, { context });
    await body(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await context.close();
  }
}

/** The element's box, relative to the viewport. */
const box = (page, selector) => page.$eval(selector, (element) => element.getBoundingClientRect().toJSON());

for (const [name, viewport] of Object.entries(SCREENS)) {
  test(`${name}: a first visit shows a finished ticket run at once, with Train, its status and the chart on the first screen`, async () => {
    await onFreshPage(viewport, '', async (page) => {
      await waitForStatus(page, /^Precomputed: the run Train starts/, 20_000);
      await page.waitForFunction(() => window.ticketlab.chartData().tickets[0].length === 16);
      const drawnAt = await page.evaluate(() => performance.now()); // since the navigation began
    console.log(`# ${name}: first picture drawn ${Math.round(drawnAt)} ms after the navigation began`);
      for (const selector of ['#train', '#status', '#tickets-chart canvas', '#lede']) {
        const { top, bottom, height } = await box(page, selector);
        assert.ok(height > 0 && top >= 0 && bottom <= viewport.height, `${selector} on the first screen (top ${top}, bottom ${bottom})`);
    }
    // The chart: ticket, random re-init, and the dense network's accuracy as a line across it.
    const { tickets } = await page.evaluate(() => window.ticketlab.chartData());
    const dense = tickets[1].at(-1);
    assert.deepEqual(tickets[4], tickets[0].map(() => dense), 'the dense reference line');
    assert.ok(tickets[1][0] > tickets[2][0], 'at 3.6% the ticket beats its random re-initialisation');
    // The headline numbers lead with the ticket and name each branch.
    const run = await page.evaluate(() => window.ticketlab.results());
    const last = (branch) => run.rounds.find((r) => r.branch === branch && r.level === 15).early_stop.test_accuracy;
    const text = (id) => page.textContent(id);
    assert.equal(await text('#headline-ticket'), `${(last('ticket') * 100).toFixed(2)}%`);
    assert.equal(await text('#headline-reinit'), `${(last('random_reinit') * 100).toFixed(2)}%`);
    assert.equal(await text('#headline-dense'), `${(dense * 100).toFixed(2)}%`);
    assert.match(await text('#headline-ticket-share'), /3\.58% of weights/);
    const labels = await page.$$eval('#headline dt', (terms) => terms.map((term) => term.textContent));
    assert.match(labels[0], /^Winning ticket/, 'the ticket leads');
    assert.match(await text('#train-what'), /^Train: LeNet-300-100, seed 0, 15 pruning rounds of 1,500 iterations down to 3\.58% of the weights, with random re-init beside the ticket\. The first run downloads MNIST once \(11\.4 MB\)\.$/);
    assert.match(await text('#status'), /Press Train to compute it live in your browser \(it downloads 11\.4 MB of MNIST first\)\.$/);
    });
  });
}

test('Train with the defaults runs a lottery-ticket run: a pruned ticket within a minute, its numbers named by branch', async () => {
  await onFreshPage(SCREENS.phone, '', async (page) => {
    await waitForStatus(page, /^Precomputed/, 20_000);
    const pressed = Date.now();
    await page.click('#train');
    // Time left waits for a settled pace rather than guessing from the download.
    await page.waitForFunction(() => document.getElementById('iteration').textContent !== '–', null, { timeout: 120_000 });
    assert.equal(await page.textContent('#eta'), 'estimating…');
    await page.waitForFunction(() => window.ticketlab.rounds().includes('ticket/1'), null, { timeout: 300_000, polling: 100 });
    console.log(`# defaults: the first pruned ticket round finished ${Date.now() - pressed} ms after Train`);
    const settings = await page.evaluate(() => window.ticketlab.settings());
    assert.deepEqual([settings.rounds, settings.iterations, settings.seed, settings.controls], [15, 1500, 0, ['random_reinit']]);
    assert.match(await page.textContent('#headline-ticket-share'), /80\.\d+% of weights|8\d\.\d+% of weights/);
    assert.match(await page.textContent('#headline-ticket'), /^\d+\.\d\d%$/);
    // The live numbers say whose they are.
    await page.waitForFunction(() => /^\((ticket|random re-init), round \d+/.test(document.getElementById('evaluation-branch').textContent));
    await page.waitForFunction(() => /\d/.test(document.getElementById('eta').textContent), null, { timeout: 60_000 });
    await page.click('#stop');
    await waitForStatus(page, /^Stopped/);
    await waitInViewport(page, '#status');
  });
});

test('a dense-only run stays a setting, and says so where the tickets chart would be', async () => {
  await onFreshPage(SCREENS.desktop, '#seed=3&epochs=0.02&eval_every=20&rounds=0', async (page) => {
    assert.match(await page.textContent('#train-what'), /the dense network only/);
    await page.click('#train');
    await waitForStatus(page, /^Done/);
    assert.ok(await page.isVisible('#tickets-empty'));
    assert.equal(await page.isVisible('#tickets-chart'), false);
  });
});

test('a run that ends near chance says it did not learn and names the learning rate, beside its field too', async () => {
  await onFreshPage(SCREENS.phone, '#learning_rate=1000000&epochs=0.2&eval_every=50&rounds=0', async (page) => {
    await page.click('#train');
    await waitForStatus(page, /^Done, but the network did not learn/, 120_000);
    assert.match(await page.textContent('#error'), /near chance.*The learning rate, 1000000, is probably too high: try 0\.0012/);
    await waitInViewport(page, '#error');
    assert.match(await page.textContent('#learning_rate-error'), /did not learn at this learning rate/);
  });
});

test('on a phone, a bad link\'s notice and a refused setting are brought into view', async () => {
  // Names that every object inherits are unknown settings too, not a reason for the page not to start.
  await onFreshPage(SCREENS.phone, '#seed=3&batch_size=0&constructor=1&__proto__=2&toString=3', async (page) => {
    await waitInViewport(page, '#url-notice');
    assert.match(await page.textContent('#url-notice'), /batch_size=0.*unknown parameter "constructor" ignored; unknown parameter "__proto__" ignored; unknown parameter "toString" ignored/);
    assert.equal(await page.inputValue('#seed'), '3');
    await page.fill('#learning_rate', '-1');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('#train');
    assert.match(await page.textContent('#status'), /Fix the highlighted settings/);
    await waitInViewport(page, '#learning_rate');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'learning_rate', 'the refused field has the focus');
  });
});

test('Copy link copies the link of the settings in the form', async () => {
  await onFreshPage(SCREENS.desktop, '#seed=4', async (page) => {
    await page.fill('#rounds', '3');
    await page.click('#copy-link');
    await page.waitForFunction(() => document.getElementById('copy-link-status').textContent === 'Copied.');
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${session.url}#seed=4&rounds=3`);
  }, { permissions: ['clipboard-read', 'clipboard-write'] });
});

for (const [name, viewport] of Object.entries(SCREENS)) {
  test(`${name}: How it works walks through five steps, each pointing at its view, and can be skipped`, async () => {
    await onFreshPage(viewport, '', async (page) => {
      await waitForStatus(page, /^Precomputed/, 20_000);
      await page.click('#start-tour');
      const seen = [];
      for (let step = 0; step < 5; step += 1) {
        await page.waitForSelector('#tour:not([hidden])');
        const target = await page.$eval('.tour-target', (element) => element.id);
        seen.push([await page.textContent('#tour-title'), target]);
        await waitInViewport(page, '.tour-target');
        await page.keyboard.press('ArrowRight');
    }
    assert.equal(await page.isVisible('#tour'), false, 'Next on the last step ends it');
    assert.deepEqual(seen.map(([, target]) => target), ['tickets-panel', 'run-panel', 'headline', 'reset', 'train'],
      'the mask\'s view is not drawn for a precomputed run: that step points at the run panel');
    assert.match(seen[1][0], /What a mask is/);
    await page.click('#start-tour');
    await page.keyboard.press('Escape');
    assert.equal(await page.isVisible('#tour'), false, 'Escape skips it');
    assert.equal(await page.$('.tour-target'), null);
    });
  });
}
