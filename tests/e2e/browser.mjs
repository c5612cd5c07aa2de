// Page-test helpers: serve the built site on a free loopback port and drive Debian's Chromium
// through playwright-core (no browser download).
import { chromium } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { normalizePrefix, serve } from '../../scripts/static-server.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/**
 * Starts the server and the browser; returns {url, browser, close()}. With `prefix` the site is
 * served under that path (url ends in it), as a GitHub Pages project site is; `headers` go on
 * every response.
 */
export async function start({ prefix = '/', headers } = {}) {
  const server = await serve(`${ROOT}/site`, 0, '127.0.0.1', { prefix, headers });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const url = `http://127.0.0.1:${server.address().port}${normalizePrefix(prefix)}`;
  return {
    url,
    browser,
    async close() {
      await browser.close();
      server.close();
    },
  };
}

/**
 * A new page that fails the test on uncaught page errors, collected in page.errors. With `cores`,
 * the page sees that many in navigator.hardwareConcurrency (it decides how many workers train).
 */
export async function openPage(browser, url, { cores, context } = {}) {
  // A page of its own context (its own storage) unless one is given.
  const page = await (context ?? browser).newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.message));
  if (cores) await page.addInitScript((count) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => count }), cores);
  await page.goto(url);
  return page;
}

/** Text of the status line once it matches `pattern`. */
export async function waitForStatus(page, pattern, timeout = 180_000) {
  await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('status').textContent), pattern.source, { timeout, polling: 100 });
  return page.textContent('#status');
}

/** Waits until `selector`'s element is at least partly inside the viewport (scrolled there if need be); true, or throws. */
export async function waitInViewport(page, selector, timeout = 5_000) {
  await page.waitForFunction((css) => {
    const box = document.querySelector(css)?.getBoundingClientRect();
    return box && box.height > 0 && box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth;
  }, selector, { timeout, polling: 50 });
  return true;
}
