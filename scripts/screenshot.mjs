// Screenshots of the page as a user sees it, after a real run: desktop and phone width, light and
// dark. Writes PNGs to docs/screenshots/ (the README opens with one).
//   node scripts/screenshot.mjs ['#hash of settings'] [name] [CSS selector]   (needs scripts/build first)
// With a name, the files are name-desktop.png, ...; with a selector, only that element is shot
// (for example: '#model=lenet-5&epochs=1&rounds=2' filters '#filters-panel').
//   node scripts/screenshot.mjs first
// shoots the first screen of a first visit instead (no settings in the link, nothing pressed), as a
// newcomer sees it at 1280×800 and 390×844: first-desktop.png, first-phone.png (and -dark).
import { mkdirSync } from 'node:fs';
import { start, openPage, waitForStatus, ROOT } from '../tests/e2e/browser.mjs';

const [hash = '', name, selector] = process.argv.slice(2);
const out = `${ROOT}/docs/screenshots`;
mkdirSync(out, { recursive: true });
const session = await start();
if (hash === 'first') {
  try {
    for (const [view, viewport] of [['desktop', { width: 1280, height: 800 }], ['phone', { width: 390, height: 844 }]]) {
      for (const colorScheme of ['light', 'dark']) {
        const context = await session.browser.newContext({ viewport, colorScheme });
        const page = await openPage(session.browser, session.url, { context });
        await waitForStatus(page, /^Precomputed/, 20_000);
        await page.waitForTimeout(300);
        await page.screenshot({ path: `${out}/first-${view}${colorScheme === 'dark' ? '-dark' : ''}.png` });
        await context.close();
      }
    }
    console.log(`screenshots in ${out}`);
  } finally {
    await session.close();
  }
  process.exit(0);
}
try {
  const page = await openPage(session.browser, session.url + hash);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('#train');
  await waitForStatus(page, /^Done/, 600_000);
  // The Draw a digit panel at work on one of MNIST's test digits (Math.random seeded: the same one each time).
  await page.evaluate(() => { let state = 2024; Math.random = () => (state = (state * 16807) % 2147483647) / 2147483647; });
  await page.click('#digit-test');
  await page.waitForFunction(() => document.getElementById('digit-body').dataset.pending === 'false');
  const shoot = async (view, scheme) => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    const path = `${out}/${name ? `${name}-` : ''}${view}${scheme === 'dark' ? '-dark' : ''}.png`;
    await (selector ? page.locator(selector).screenshot({ path }) : page.screenshot({ path, fullPage: true }));
  };
  await shoot('desktop', 'light');
  await shoot('desktop', 'dark');
  await page.setViewportSize({ width: 390, height: 844 });
  await shoot('phone', 'light');
  if (selector) await shoot('phone', 'dark');
  console.log(`screenshots in ${out}`);
} finally {
  await session.close();
}
