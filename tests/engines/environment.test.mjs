// The page starts whatever its environment, in every engine (TICKETLAB_ENGINE; webdriver.mjs):
// a locale tag Intl refuses ("C", as WebKitGTK reports under LANG=C, and ""), storage refused
// (blocked), unavailable (a private mode) or full, no Cache Storage (plain http), and a vendored
// library that throws as it loads. Each time the page draws what it can, says what failed where it
// failed, and trains. And it never scrolls sideways from 320 px up, nor reports a ResizeObserver loop.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { By } from 'selenium-webdriver';
import { startWithPage, ENGINE } from './webdriver.mjs';

let session;
let page;
before(async () => { ({ session, page } = await startWithPage()); });
after(async () => { await session?.close(); });

const TINY_RUN = '#seed=1&epochs=0.02&eval_every=10&rounds=1&controls=';

/** Trains TINY_RUN to the end in the page open: its rounds. */
async function trainTinyRun() {
  await page.click('#train');
  await page.waitForStatus(/^Done/, 120_000);
  return (await page.results()).rounds.map(({ branch, level }) => `${branch}/${level}`);
}

test(`${ENGINE}: with a locale tag Intl refuses ("C", ""), the page draws its charts; on plain http (no Cache Storage) it trains`, async () => {
  for (const language of ['C', '']) {
    await page.open(await session.serveSite({ environment: { language } }));
    // The browser's tag (the page puts a usable one in its place for uPlot, charts.js).
    assert.equal(await page.eval(() => Object.getOwnPropertyDescriptor(Navigator.prototype, 'language').get.call(navigator)), language);
    await page.waitForStatus(/^Precomputed/, 30_000);
    await page.waitFor(() => document.querySelector('#tickets-chart canvas'), [], { what: `the tickets chart drawn under "${language}"` });
    assert.deepEqual(await page.errors(), [], `no error under "${language}"`);
  }
  await page.open(`${await session.serveSite({ environment: { language: 'C', caches: 'none' } })}${TINY_RUN}`);
  assert.equal(await page.eval(() => typeof caches), 'undefined');
  assert.deepEqual(await trainTinyRun(), ['ticket/0', 'ticket/1']);
  assert.ok(await page.eval(() => document.querySelector('#accuracy-chart canvas')), 'the learning curves drawn');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: with storage refused, unavailable or full, the page trains, and says the run was not kept and what to do`, async () => {
  await page.open(`${await session.serveSite({ environment: { storage: 'refused' } })}${TINY_RUN}`);
  for (const [storage, why] of [
    ['refused', /^Not kept: this browser did not keep the last round: its storage refused it \(SecurityError\)\. .*download the results/],
    ['unavailable', /^Not kept: this browser did not keep the last round: it offers this page no storage .*download the results/],
    ['full', /^Not kept: this browser did not keep the last round: its storage is full\. .*download the results/],
  ]) {
    await page.eval((value) => { window.__environment.storage = value; }, storage);
    assert.deepEqual(await trainTinyRun(), ['ticket/0', 'ticket/1'], storage);
    assert.match(await page.text('#storage-notice'), why);
    assert.ok(await page.visible('#storage-notice'), storage);
    assert.ok(await page.visible('#download'), 'the results can be downloaded');
  }
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: when the charting library throws as it loads, each chart says so in its place; the rest works, training too`, async () => {
  const files = { '/vendor/uPlot.esm.js': 'throw new RangeError("invalid language tag: C");\nexport default null;\n' };
  await page.open(await session.serveSite({ files }));
  await page.waitForStatus(/^Precomputed/, 30_000);
  const notices = await page.waitFor(() => {
    const shown = [...document.querySelectorAll('.chart .view-failure')].map((notice) => notice.textContent);
    return shown.length >= 4 && shown;
  }, [], { what: 'a notice in each chart' });
  for (const notice of notices) assert.match(notice, /uPlot\) failed \(invalid language tag: C\)\. Training and the other views work without it/);
  const sparsest = (await page.results()).rounds.find((r) => r.branch === 'ticket' && r.level === 15);
  assert.equal(await page.text('#headline-ticket'), `${(100 * sparsest.early_stop.test_accuracy).toFixed(2)}%`, 'the headline, which needs no chart');
  await page.eval((hash) => { location.hash = hash; }, TINY_RUN);
  assert.deepEqual(await trainTinyRun(), ['ticket/0', 'ticket/1']);
  assert.ok(await page.visible('#confusion-table'), 'the per-round panels drawn');
  assert.deepEqual(await page.errors(), []);
});

test(`${ENGINE}: no sideways scroll from 320 px up, before and after a run, and no ResizeObserver loop errors`, async () => {
  const site = await session.serveSite();
  const widths = [320, 390, 447, 700];
  const frames = widths.map((width) => `<iframe src="${site}${width === 320 ? TINY_RUN : ''}" width="${width}" height="700"></iframe>`);
  const host = await session.serveSite({ pages: { '/widths.html': `<!doctype html><title>widths</title><body style="margin:0">${frames.join('')}` } });
  await page.open(`${host}widths.html`);
  const iframes = await session.driver.findElements(By.css('iframe'));
  /** What sticks out sideways in the frame open: [] when nothing does. */
  const overflow = () => page.eval(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')].filter((element) => element.getBoundingClientRect().right > width + 0.5 && element.getClientRects().length)
      .slice(0, 5).map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className} right=${Math.round(element.getBoundingClientRect().right)}`)
      .concat(`scrollWidth ${document.documentElement.scrollWidth} > ${width}`);
  });
  const inFrame = async (index, act) => {
    await session.driver.switchTo().frame(iframes[index]);
    try {
      return await act();
    } finally {
      await session.driver.switchTo().defaultContent();
    }
  };
  for (const [index, width] of widths.entries()) {
    await inFrame(index, async () => {
      if (width === 320) await page.waitForStatus(/^Press Train/, 30_000);
      else await page.waitForStatus(/^Precomputed/, 30_000);
      await page.waitFor(() => document.querySelector('#tickets-chart canvas'), [], { what: 'the chart' });
      assert.deepEqual(await overflow(), [], `${width} px`);
    });
  }
  // A run at 320 px draws every panel; then the window changes size, which the charts follow.
  await inFrame(0, async () => {
    await trainTinyRun();
    assert.deepEqual(await overflow(), [], '320 px, after a run');
  });
  await page.eval(() => { for (const frame of document.querySelectorAll('iframe')) frame.width = Number(frame.width) + 37; });
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const [index, width] of widths.entries()) {
    assert.deepEqual(await inFrame(index, () => page.errors()), [], `no error in the ${width} px frame`);
  }
});
