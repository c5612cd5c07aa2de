// The embed as a blog post's reader meets it: a 700×500 iframe on a page of another origin shows the
// finished picture before anything is pressed, fits its frame, tells the parent its height, loads
// no WebAssembly and no data until Train, and Train runs a ticket run. And the embed code's
// generator refuses the views a run would never fill. Pure rules of app/embed.js in node too.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { start, openPage, waitForStatus } from './browser.mjs';
import { embedHeight, viewsNeverFilled } from '../../www/app/embed.js';
import { defaults } from '../../www/app/settings.js';

let session;
let parent; // a server of another origin (localhost, not 127.0.0.1) with the blog post
before(async () => {
  session = await start();
  parent = createServer((request, response) => {
    const src = new URL(request.url, 'http://x').searchParams.get('src');
    if (src === null) return response.writeHead(404).end(); // the favicon
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>A blog post</title>
      <p>Some text about lottery tickets.</p>
      <iframe id="embed" src="${src.replace(/"/g, '&quot;')}" width="700" height="500" style="border:0"></iframe>
      <script>window.heights = []; addEventListener('message', (event) => { if (event.data?.type === 'ticketlab:height') heights.push(event.data.height); });</script>`);
  });
  await new Promise((resolve) => parent.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  parent?.close();
  await session?.close();
});

test('the embed rules: views a run would never fill, and the frame height the views need', () => {
  const mlp = defaults();
  assert.deepEqual(Object.keys(viewsNeverFilled(mlp)), ['filters']);
  assert.deepEqual(Object.keys(viewsNeverFilled({ ...mlp, rounds: 0 })).sort(), ['early-stop', 'filters', 'tickets']);
  assert.deepEqual(Object.keys(viewsNeverFilled({ ...mlp, rounds: null, target_remaining: 3.6 })), ['filters']);
  assert.deepEqual(Object.keys(viewsNeverFilled(defaults('lenet-5'))), ['connections']);
  assert.deepEqual(Object.keys(viewsNeverFilled({ ...defaults('custom'), architecture: 'fc:100,fc:10' })), ['filters']);
  assert.ok(embedHeight(['tickets']) <= 500, 'the tickets view alone fits a 500-pixel frame');
  assert.ok(embedHeight(['tickets', 'accuracy']) > embedHeight(['tickets']));
});

test('in a 700×500 frame on another origin: the finished picture before any press, no wasm or data until Train, then a ticket run', async () => {
  const page = await session.browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  const requests = [];
  page.on('request', (request) => requests.push(request.url()));
  const sizes = [];
  page.on('response', (response) => sizes.push(response.request().sizes().then((size) => size.responseBodySize).catch(() => 0)));
  const hash = '#seed=5&epochs=0.1&eval_every=45&rounds=2';
  const src = `${session.url}?embed=tickets${hash}`;
  await page.goto(`http://localhost:${parent.address().port}/?src=${encodeURIComponent(src)}`);
  const frame = page.frames().find((f) => f.url().startsWith(session.url));
  assert.ok(frame, 'the embed loads in its frame');
  await frame.waitForFunction(() => /^Precomputed: the default run/.test(document.getElementById('status').textContent), null, { timeout: 20_000 });
  await frame.waitForFunction(() => window.ticketlab.chartData().tickets[0].length === 16);
  // The frame holds Train, the status and the chart without scrolling, and tells the parent its height.
  const height = await frame.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height <= 500, `the embed's content is ${height} px tall`);
  for (const selector of ['#train', '#status', '#tickets-chart canvas', '#headline-ticket']) {
    const { top, bottom, left, right } = await frame.$eval(selector, (element) => element.getBoundingClientRect().toJSON());
    assert.ok(top >= 0 && bottom <= 500 && left >= 0 && right <= 700, `${selector} inside the frame (${top}–${bottom}, ${left}–${right})`);
  }
  await page.waitForFunction((expected) => window.heights.at(-1) === expected, height);
  // Nothing heavy before the reader presses anything.
  await page.waitForTimeout(500);
  assert.deepEqual(requests.filter((url) => /\.wasm|\/data\//.test(url)), [], 'no WebAssembly or data before Train');
  const bytes = (await Promise.all(sizes)).reduce((sum, size) => sum + size, 0);
  console.log(`# the blog post with its embed: ${(bytes / 1e3).toFixed(0)} kB in ${sizes.length} responses before Train`);

  await frame.click('#train');
  await frame.waitForFunction(() => /^Done/.test(document.getElementById('status').textContent), null, { timeout: 180_000 });
  assert.ok(requests.some((url) => url.endsWith('.wasm') || url.endsWith('.wasm.gz')), 'the core loads on Train');
  const run = await frame.evaluate(() => window.ticketlab.results());
  assert.equal(run.config.rounds, 2);
  assert.ok(run.rounds.some((r) => r.branch === 'ticket' && r.level === 2), 'a ticket run, not a dense one');
  assert.equal((await frame.evaluate(() => window.ticketlab.chartData().tickets[0].length)), 3);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the embed code generator refuses the views a run would never fill, and sizes the frame', async () => {
  const page = await openPage(session.browser, `${session.url}#seed=5&rounds=0`);
  await page.click('#embed-box summary');
  assert.equal(await page.isDisabled('input[name="embed-view"][value="tickets"]'), true);
  assert.equal(await page.isChecked('input[name="embed-view"][value="tickets"]'), false);
  assert.equal(await page.isDisabled('input[name="embed-view"][value="filters"]'), true);
  assert.match(await page.textContent('#embed-empty'), /tickets: Rounds is 0: no tickets.*filters: the network has no convolutions/);
  assert.match(await page.inputValue('#embed-code'), /\?embed=accuracy#seed=5&rounds=0" .*height="\d+"/);
  await page.fill('#rounds', '2');
  assert.equal(await page.isDisabled('input[name="embed-view"][value="tickets"]'), false);
  assert.deepEqual(page.errors, []);
});
