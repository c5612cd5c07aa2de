// The built site as a static host serves it: under a path prefix (a GitHub Pages project site
// lives at /NAME/), with nothing outside the prefix, under the pages' Content-Security-Policy.
// Each page runs in a fresh 1280×800 context that records uncaught errors, failed requests,
// console errors and CSP violations; none is allowed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, waitForStatus, ROOT } from './browser.mjs';
import { serve } from '../../scripts/static-server.mjs';

const PREFIX = '/ticketlab/';
const TINY_BENCH = 'repetitions=1&steps=2&cpu_steps=1&passes=1&cpu_passes=1&lenet5_steps=2&lenet5_cpu_steps=1';
const CSP_META = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/;
const POLICY = CSP_META.exec(readFileSync(`${ROOT}/site/index.html`, 'utf8'))?.[1];

let session;
before(async () => { session = await start({ prefix: PREFIX }); });
after(async () => { await session?.close(); });

/**
 * A fresh context at 1280×800 whose pages (and their workers) report what went wrong into
 * `problems`: uncaught errors, requests that failed or were answered with 400 or more, console
 * errors (Chromium logs each CSP violation as one), and the page's securitypolicyviolation events.
 */
async function watchedContext() {
  const context = await session.browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  await context.addInitScript(() => {
    window.cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} (${event.sourceFile}:${event.lineNumber})`);
    });
  });
  const problems = { errors: [], requests: [], console: [] };
  context.on('weberror', (error) => problems.errors.push(error.error().message));
  context.on('requestfailed', (request) => problems.requests.push(`${request.url()}: ${request.failure()?.errorText}`));
  context.on('response', (response) => { if (response.status() >= 400) problems.requests.push(`${response.url()}: ${response.status()}`); });
  context.on('console', (message) => { if (message.type() === 'error') problems.console.push(message.text()); });
  return { context, problems };
}

/** Nothing in `problems`, and no CSP violation in the context's open pages. */
async function assertClean(context, problems) {
  const violations = (await Promise.all(context.pages().map((page) => page.evaluate(() => window.cspViolations)))).flat();
  assert.deepEqual({ ...problems, violations }, { errors: [], requests: [], console: [], violations: [] });
}

const pagePolicy = (page) => page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? null);

/** A one-round run of the page at `url` (the site's folder URL) trained to Done. */
async function trainTiny(page, url) {
  await page.goto(`${url}#seed=3&epochs=0.02&eval_every=20&rounds=1`);
  assert.equal(await pagePolicy(page), POLICY);
  await page.click('#train');
  assert.match(await waitForStatus(page, /^(Done|Error)/), /^Done/);
  assert.ok(await page.isVisible('#tickets-chart canvas'));
}

/**
 * The benchmark page at `url` started, until its warm-up: by then all six workers (ticketlab's
 * and TF.js's on wasm and cpu, for LeNet-300-100 and LeNet-5) have loaded their code, their
 * WebAssembly and MNIST. bench.test.mjs measures; this only shows that they start here.
 */
async function startBench(page, url) {
  const wasm = new Set();
  page.on('response', (response) => { if (response.url().endsWith('.wasm')) wasm.add(`${new URL(response.url()).pathname} ${response.status()}`); });
  await page.goto(`${url}bench.html#${TINY_BENCH}`);
  assert.equal(await pagePolicy(page), POLICY);
  await page.click('#measure');
  assert.match(await waitForStatus(page, /^(Warming up|Done|Error)/, 120_000), /^Warming up/);
  const path = new URL(url).pathname;
  assert.deepEqual([...wasm].sort(), [`${path}pkg/ticketlab_bg.wasm 200`, `${path}vendor/tfjs/tfjs-backend-wasm-simd.wasm 200`]);
}

test('both pages carry the same Content-Security-Policy in a <meta>, ahead of everything it governs', () => {
  assert.ok(POLICY, 'index.html has a CSP <meta>');
  for (const name of ['index.html', 'bench.html']) {
    const html = readFileSync(`${ROOT}/site/${name}`, 'utf8');
    assert.equal(CSP_META.exec(html)?.[1], POLICY, `${name} has the same policy`);
    const head = html.slice(0, html.indexOf('</head>'));
    assert.ok(head.search(CSP_META) < head.search(/<link|<script/), `${name}: the policy comes before any <link> or <script>`);
  }
  const directives = Object.fromEntries(POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
  assert.equal(directives['default-src'], "'self'");
  assert.equal(directives['object-src'], "'none'");
  assert.ok(!/'unsafe-inline'|'unsafe-eval'|\*/.test(POLICY), POLICY);
});

test('the server keeps the site under its prefix', async () => {
  const origin = new URL(session.url).origin;
  assert.equal((await fetch(`${origin}/index.html`)).status, 404);
  assert.equal((await fetch(`${origin}${PREFIX}index.html`)).status, 200);
  const bare = await fetch(`${origin}${PREFIX.slice(0, -1)}`, { redirect: 'manual' });
  assert.deepEqual([bare.status, bare.headers.get('location')], [301, PREFIX]);
});

test('under /ticketlab/ the page trains a one-round run, downloads a chart and a ticket, and draws the precomputed run, with no error, failed request or CSP violation', async () => {
  const { context, problems } = await watchedContext();
  const page = await context.newPage();
  await trainTiny(page, session.url);

  const [png] = await Promise.all([page.waitForEvent('download'), page.click('#accuracy-png')]);
  assert.equal(readFileSync(await png.path()).subarray(1, 4).toString(), 'PNG');
  const [ticket] = await Promise.all([page.waitForEvent('download'), page.click('#export-ticket')]);
  assert.match(ticket.suggestedFilename(), /\.safetensors$/);

  // The embed code names the page where it is, prefix and all.
  await page.click('#embed-box summary');
  assert.match(await page.inputValue('#embed-code'), new RegExp(`<iframe src="${session.url}\\?embed=`));

  if (await page.isVisible('#show-precomputed')) {
    await page.click('#show-precomputed');
    await waitForStatus(page, /^Precomputed/, 20_000);
  }
  await assertClean(context, problems);
  await context.close();
});

test('under /ticketlab/ the benchmark page starts its workers, ticketlab and TF.js on its wasm and cpu backends, with no error, failed request or CSP violation', async () => {
  const { context, problems } = await watchedContext();
  await startBench(await context.newPage(), session.url);
  await assertClean(context, problems);
  await context.close();
});

// A worker's policy is the one its own script arrives with, not its page's <meta> (Chromium does
// so, as the CSP spec now says): served plainly, the workers run under none. A host that sends the
// policy as a header puts the workers under it too, and so may browsers that let a worker inherit
// its page's policy; the policy must allow what they do as well (WebAssembly, imports, fetches).
test('with the policy also sent as a header, which then governs the workers too, the page trains and the benchmark\'s workers start, with no violation', async () => {
  const server = await serve(`${ROOT}/site`, 0, '127.0.0.1', { prefix: PREFIX, headers: { 'Content-Security-Policy': POLICY } });
  try {
    const url = `http://127.0.0.1:${server.address().port}${PREFIX}`;
    const { context, problems } = await watchedContext();
    await trainTiny(await context.newPage(), url);
    await startBench(await context.newPage(), url);
    await assertClean(context, problems);
    await context.close();
  } finally {
    server.close();
  }
});

test('a host that serves .wasm files as application/octet-stream still works: the wasm loads without streaming', async () => {
  const { context, problems } = await watchedContext();
  await context.route('**/*.wasm', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
  });
  const warnings = [];
  context.on('console', (message) => { if (message.type() === 'warning') warnings.push(message.text()); });
  await trainTiny(await context.newPage(), session.url);
  await startBench(await context.newPage(), session.url);
  assert.ok(warnings.some((w) => /application\/wasm/.test(w)), 'wasm-bindgen said it fell back');
  assert.ok(warnings.some((w) => /falling back to ArrayBuffer/.test(w)), 'TF.js said it fell back');
  await assertClean(context, problems);
  await context.close();
});
