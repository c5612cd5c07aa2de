// The cross-engine page tests' driver: the built site in Chromium, Firefox ESR or WebKitGTK
// (TICKETLAB_ENGINE=chromium|firefox|webkit), each through its own WebDriver server (chromedriver,
// geckodriver, WebKitWebDriver) and selenium-webdriver's classic protocol, the one all three speak
// in full. WebKitGTK has no headless mode: it gets an Xvfb display of its own.
//
// Classic WebDriver has no events and no init scripts, so the server puts a test harness (a
// classic script, same origin, allowed by the page's CSP) first in every page's <head>: it
// collects uncaught errors and unhandled rejections, catches downloads (their blobs, to read
// back), and sets up the environment a test asks for: a locale tag, the number of cores, storage
// refused, unavailable or full, no Cache Storage.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Builder, By, until } from 'selenium-webdriver';
import chrome from 'selenium-webdriver/chrome.js';
import firefox from 'selenium-webdriver/firefox.js';
import { serve } from '../../scripts/static-server.mjs';
import { CHROMIUM_ARGS } from '../e2e/browser.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ENGINE = process.env.TICKETLAB_ENGINE ?? 'chromium';
const ENGINES = ['chromium', 'firefox', 'webkit'];
if (!ENGINES.includes(ENGINE)) throw new Error(`TICKETLAB_ENGINE must be one of ${ENGINES.join(', ')}, not ${ENGINE}`);
process.env.SE_OFFLINE = 'true'; // selenium-manager must never try to download a driver or a browser

const WINDOW = { width: 1280, height: 900 };
const MINIBROWSER = process.env.MINIBROWSER ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** A free display for WebKitGTK: Xvfb picks its number and writes it to fd 3. */
async function startXvfb() {
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1920x1200x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let log = '';
  xvfb.stderr.on('data', (chunk) => { log += chunk; });
  const display = await new Promise((resolve, reject) => {
    xvfb.stdio[3].once('data', (data) => resolve(`:${data.toString().trim()}`));
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}): ${log}`)));
    xvfb.once('error', (error) => reject(new Error(`Xvfb did not start (${error.message}): apt-get install xvfb`)));
  });
  return { display, stop: () => xvfb.kill() };
}

/** WebKitWebDriver on a free port, on its own display; MiniBrowser in automation mode. */
async function startWebKit() {
  const xvfb = await startXvfb();
  const port = await new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => { const { port } = probe.address(); probe.close(() => resolve(port)); });
  });
  // Under LANG=C.UTF-8 WebKitGTK reports navigator.language "C": every WebKit run meets that tag for real.
  const env = { ...process.env, DISPLAY: xvfb.display, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
  const driverProcess = spawn('WebKitWebDriver', [`--port=${port}`], { env, stdio: 'ignore' });
  driverProcess.once('error', (error) => { throw new Error(`WebKitWebDriver did not start (${error.message}): apt-get install webkit2gtk-driver`); });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${url}/status`)).ok) break;
    } catch (error) {
      if (tries > 100) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const driver = await new Builder().usingServer(url).withCapabilities({
    browserName: 'MiniBrowser',
    'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
  }).build();
  return { driver, stop: () => { driverProcess.kill(); xvfb.stop(); } };
}

/** A WebDriver session in ENGINE, its window WINDOW-sized; stop() ends the session and whatever it started. */
async function startDriver() {
  let started;
  if (ENGINE === 'chromium') {
    const options = new chrome.Options().setChromeBinaryPath(process.env.CHROMIUM ?? '/usr/bin/chromium')
      .addArguments('--headless=new', ...CHROMIUM_ARGS, `--window-size=${WINDOW.width},${WINDOW.height}`);
    const service = new chrome.ServiceBuilder(process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver');
    started = { driver: await new Builder().forBrowser('chrome').setChromeOptions(options).setChromeService(service).build(), stop() {} };
  } else if (ENGINE === 'firefox') {
    const options = new firefox.Options().setBinary(process.env.FIREFOX ?? '/usr/bin/firefox-esr').addArguments('-headless')
      .windowSize(WINDOW);
    const service = new firefox.ServiceBuilder(process.env.GECKODRIVER ?? 'geckodriver');
    started = { driver: await new Builder().forBrowser('firefox').setFirefoxOptions(options).setFirefoxService(service).build(), stop() {} };
  } else {
    started = await startWebKit();
    await started.driver.manage().window().setRect(WINDOW);
  }
  const { driver } = started;
  await driver.manage().setTimeouts({ script: 300_000 });
  return { driver, async stop() { await driver.quit().catch(() => {}); started.stop(); } };
}

/**
 * The harness put first in each page's <head> (see the top of this file). `environment`:
 * {language, cores, storage: 'refused' | 'unavailable' | 'full', caches: 'none'}.
 */
function harness(environment) {
  return `(() => {
  'use strict';
  const environment = ${JSON.stringify(environment)};
  const errors = (window.__pageErrors = []);
  addEventListener('error', (event) => errors.push(event.message || String(event.error)));
  addEventListener('unhandledrejection', (event) => errors.push('unhandled rejection: ' + (event.reason?.message ?? event.reason)));
  // Downloads: each blob made is remembered; a download link's click is recorded, not followed.
  const blobs = new Map();
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = (object) => { const url = createObjectURL.call(URL, object); blobs.set(url, object); return url; };
  const downloads = (window.__downloads = []);
  const record = (link) => downloads.push({ name: link.download, blob: blobs.get(link.href) });
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function () { return this.download && this.href.startsWith('blob:') ? record(this) : click.call(this); };
  document.addEventListener('click', (event) => {
    const link = event.target.closest?.('a[download]');
    if (link?.href.startsWith('blob:')) { event.preventDefault(); record(link); }
  }, true);
  // The environment is read at each use, so a test can change it between runs (window.__environment).
  window.__environment = environment;
  const now = () => window.__environment;
  const define = (object, name, get) => Object.defineProperty(object, name, { get, configurable: true });
  if ('language' in environment) {
    define(Navigator.prototype, 'language', () => environment.language);
    define(Navigator.prototype, 'languages', () => [environment.language]);
  }
  if (environment.cores) define(Navigator.prototype, 'hardwareConcurrency', () => environment.cores);
  // storage 'refused': as a browser that blocks a site's storage (cookies blocked), every use is a
  // SecurityError; 'unavailable': as a private mode without storage, no IndexedDB, no Cache Storage;
  // 'full': as a full disk, every write is refused for want of space. caches 'none': plain http.
  const refused = () => new DOMException('The operation is insecure.', 'SecurityError');
  const full = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const wrap = (object, name, replace) => {
    const original = object[name];
    object[name] = function (...args) { return replace.call(this, original, args); };
  };
  wrap(IDBFactory.prototype, 'open', function (original, args) {
    if (now().storage === 'refused') throw refused();
    return original.apply(this, args);
  });
  wrap(IDBObjectStore.prototype, 'put', function (original, args) {
    if (now().storage === 'full') throw full();
    return original.apply(this, args);
  });
  if (typeof CacheStorage !== 'undefined') {
    wrap(CacheStorage.prototype, 'open', function (original, args) {
      return now().storage === 'refused' ? Promise.reject(refused()) : original.apply(this, args);
    });
    wrap(Cache.prototype, 'put', function (original, args) {
      return now().storage === 'full' ? Promise.reject(full()) : original.apply(this, args);
    });
  }
  for (const name of ['indexedDB', 'caches']) {
    const original = Object.getOwnPropertyDescriptor(window, name) ?? Object.getOwnPropertyDescriptor(Window.prototype, name);
    if (!original) continue; // caches: none on an insecure origin anyway
    define(window, name, () => (now().storage === 'unavailable' || (name === 'caches' && now().caches === 'none') ? undefined : original.get.call(window)));
  }
  const localStorage = Object.getOwnPropertyDescriptor(window, 'localStorage') ?? Object.getOwnPropertyDescriptor(Window.prototype, 'localStorage');
  define(window, 'localStorage', () => {
    if (now().storage === 'refused') throw refused();
    return now().storage === 'unavailable' ? null : localStorage.get.call(window);
  });
})();
`;
}

/** A page with the harness first in its <head> (or first, in a page without one). */
const withHarness = (html) => (html.includes('<head>')
  ? html.replace('<head>', '<head>\n  <script src="__harness.js"></script>')
  : html.replace(/^(<!doctype html>)?/i, '$1<script src="__harness.js"></script>'));

/**
 * Starts the site's server and a browser session; returns a session: {engine, driver, url,
 * serveAgain(options) (the site on a new origin, so with empty storage), page helpers, close()}.
 */
export async function start() {
  const servers = [];
  const { driver, stop } = await startDriver();

  /**
   * The site on a new origin (a new port: its own storage). `environment` goes to the harness;
   * `files` replaces files of the site by path ({'/vendor/uPlot.esm.js': text}); `pages` adds
   * pages ({'/host.html': html}).
   */
  async function serveSite({ environment = {}, files = {}, pages = {} } = {}) {
    const override = (path, file) => {
      if (path === '/__harness.js') return { body: harness(environment), type: 'text/javascript; charset=utf-8' };
      if (path in files) return { body: files[path] };
      if (path in pages) return { body: withHarness(pages[path]), type: 'text/html; charset=utf-8' };
      if (file.endsWith('.html')) return { body: withHarness(readFileSync(file, 'utf8')) };
      return null;
    };
    const server = await serve(`${ROOT}/site`, 0, '127.0.0.1', { override });
    servers.push(server);
    return `http://127.0.0.1:${server.address().port}/`;
  }

  return {
    engine: ENGINE,
    driver,
    serveSite,
    async close() {
      await stop();
      for (const server of servers) server.close();
    },
  };
}

/** start(), and page helpers over its driver: {session, page}. */
export async function startWithPage() {
  const session = await start();
  return { session, page: pageOf(session.driver) };
}

/** Page helpers over a driver: run a function in the page, wait for a condition, click, read. */
export function pageOf(driver) {
  const page = {
    driver,
    async open(url) {
      await driver.get(url);
      // geckodriver may answer before a navigation to a URL with a fragment has begun: wait for the new document.
      await page.waitFor((expected) => document.URL === expected && document.readyState === 'complete' && Array.isArray(window.__pageErrors),
        [new URL(url).href], { what: `${url} loaded` });
    },
    /**
     * `fn(...args)` run in the page (its source sent, so it must not close over anything); awaits a
     * promise it returns. The value comes back as JSON text: geckodriver's own JSON reading moves
     * some doubles by one unit in the last place, and the tests compare numbers bit for bit.
     */
    async eval(fn, ...args) {
      const answer = await driver.executeAsyncScript(`const done = arguments[arguments.length - 1];
        Promise.resolve().then(() => (${fn}).apply(null, Array.from(arguments).slice(0, -1)))
          .then((value) => done({ json: value === undefined ? 'null' : JSON.stringify(value) }), (error) => done({ error: String(error && error.stack || error) }));`, ...args);
      if (answer == null) return null; // the document went (a navigation) before the function ended
      if (answer.error) throw new Error(`in the page: ${answer.error}`);
      return JSON.parse(answer.json);
    },
    /** Waits until `fn(...args)` in the page is truthy; returns its value. */
    async waitFor(fn, args = [], { timeout = 30_000, what = String(fn) } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const value = await page.eval(fn, ...args);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** The status line's text once it matches `pattern`. */
    async waitForStatus(pattern, timeout = 180_000) {
      return page.waitFor((source) => new RegExp(source).test(document.getElementById('status').textContent) && document.getElementById('status').textContent,
        [pattern.source], { timeout, what: `a status matching ${pattern}` });
    },
    text: (selector) => page.eval((css) => document.querySelector(css)?.textContent ?? null, selector),
    visible: (selector) => page.eval((css) => { const element = document.querySelector(css); return Boolean(element && element.getClientRects().length && getComputedStyle(element).visibility !== 'hidden'); }, selector),
    async click(selector) {
      const element = await driver.wait(until.elementLocated(By.css(selector)), 10_000);
      await driver.wait(until.elementIsVisible(element), 10_000);
      await driver.executeScript('arguments[0].scrollIntoView({ block: "center" })', element);
      await element.click();
    },
    /** Chooses a local file in a file input. */
    async chooseFile(selector, path) {
      await driver.findElement(By.css(selector)).sendKeys(path);
    },
    results: () => page.eval(() => window.ticketlab.results()),
    errors: () => page.eval(() => window.__pageErrors ?? ['the test harness did not run']),
    /** The downloads so far: [{name, bytes (base64)}]. */
    downloads: () => page.eval(async () => Promise.all(window.__downloads.map(async ({ name, blob }) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      let binary = '';
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return { name, bytes: btoa(binary) };
    }))),
  };
  return page;
}
