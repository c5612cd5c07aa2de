// Screenshots of the page as a user sees it, after a real run: desktop and phone width, light and
// dark. Writes PNGs to docs/screenshots/ (the README opens with one).
//   node scripts/screenshot.mjs ['#hash of settings']        (needs scripts/build first)
import { mkdirSync } from 'node:fs';
import { start, openPage, waitForStatus, ROOT } from '../tests/e2e/browser.mjs';

const hash = process.argv[2] ?? '#epochs=2';
const out = `${ROOT}/docs/screenshots`;
mkdirSync(out, { recursive: true });
const session = await start();
try {
  const page = await openPage(session.browser, session.url + hash);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.click('#train');
  await waitForStatus(page, /^Done/, 600_000);
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/desktop.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${out}/desktop-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${out}/phone.png`, fullPage: true });
  console.log(`screenshots in ${out}`);
} finally {
  await session.close();
}
