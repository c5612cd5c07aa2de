// Accessibility page tests: axe-core's checks (labels, names, contrast of text, keyboard reach of
// scrolling regions, ARIA) on the real page with every view drawn, light and dark, desktop and
// phone width; and a keyboard-only walk through the controls, each showing where the focus is.
// Charts are canvases: their colours are the palette's, checked by eye in the screenshots.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { start, openPage, waitForStatus, ROOT } from './browser.mjs';

const AXE = readFileSync(`${ROOT}/node_modules/axe-core/axe.min.js`, 'utf8');

let session;
before(async () => { session = await start(); });
after(async () => { await session?.close(); });

/** axe's violations on the page as it is, every <details> opened first; one line each. */
async function violations(page) {
  await page.evaluate(() => { for (const details of document.querySelectorAll('details')) details.open = true; });
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations);
  return found.flatMap((v) => v.nodes.map((node) => `${v.id}: ${node.target.join(' ')}: ${node.failureSummary.replace(/\s+/g, ' ')}`));
}

const RUNS = {
  // Every MLP view: tickets, early stop, curves, weights, confusion, connections, draw a digit.
  mlp: '#epochs=0.05&eval_every=50&rounds=2&controls=random_reinit,random_prune',
  // A small CNN: the Filters panel.
  cnn: '#model=custom&architecture=conv:4x5,pool,fc:10&epochs=0.02&eval_every=50&rounds=1',
};
const LOOKS = [
  { colorScheme: 'light', viewport: { width: 1280, height: 900 } },
  { colorScheme: 'dark', viewport: { width: 390, height: 800 } },
];

for (const [name, hash] of Object.entries(RUNS)) {
  test(`with every view of a finished ${name} run drawn, axe finds no accessibility violations, light and dark, desktop and phone`, async () => {
    for (const look of LOOKS) {
      // axe-core goes in as an inline script, which the page's Content-Security-Policy refuses
      // (rightly: hosting.test.mjs checks that policy); here it is set aside for the checker only.
      const context = await session.browser.newContext({ ...look, bypassCSP: true });
      try {
        const page = await openPage(session.browser, `${session.url}${hash}`, { context });
        await page.click('#train');
        await waitForStatus(page, /^Done/);
        // The Draw a digit panel with its answers shown (one of MNIST's test digits).
        await page.click('#digit-test');
        await page.waitForFunction(() => document.querySelector('#digit-dense .digit-guess').dataset.digit !== '');
        assert.deepEqual(await violations(page), [], `${look.colorScheme}, ${look.viewport.width} px wide`);
        assert.deepEqual(page.errors, []);
      } finally {
        await context.close();
      }
    }
  });
}

test('the keyboard alone reaches every control, each shows where the focus is, and Enter on Train starts a run', async () => {
  const page = await openPage(session.browser, `${session.url}#epochs=0.02&eval_every=50&rounds=0`);
  await page.evaluate(() => {
    for (const details of document.querySelectorAll('details')) details.open = true;
    // A control's name in the messages: its id, else its group and value, else its text.
    window.controlName = (element) => element.id || (element.name && `${element.name}=${element.value}`) || element.getAttribute('aria-label') || element.textContent.trim().slice(0, 40);
  });
  const reachable = await page.evaluate(() => [...document.querySelectorAll('button, input, select, textarea, summary, a[href], [tabindex]')]
    .filter((element) => element.checkVisibility() && !element.disabled && element.tabIndex >= 0 && !element.closest('[hidden]'))
    .map((element) => window.controlName(element)));
  const focused = [];
  for (let press = 0; press < reachable.length + 5; press++) {
    await page.keyboard.press('Tab');
    const seen = await page.evaluate(() => {
      const element = document.activeElement;
      if (element === document.body) return { name: '' }; // past the last control: the browser's own
      const style = getComputedStyle(element);
      return { name: window.controlName(element), outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 };
    });
    if (seen.name && !focused.some((f) => f.name === seen.name)) focused.push(seen);
  }
  const missed = reachable.filter((name) => !focused.some((f) => f.name === name));
  assert.deepEqual(missed, [], 'controls that Tab never reached');
  assert.deepEqual(focused.filter((f) => !f.outline).map((f) => f.name), [], 'controls focused without a visible outline');
  await page.focus('#train');
  await page.keyboard.press('Enter');
  await waitForStatus(page, /^Done/);
  assert.deepEqual(page.errors, []);
});
