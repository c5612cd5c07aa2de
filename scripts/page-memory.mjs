// The page's memory while a run trains, as a user's machine would see it: the resident set of
// headless Chromium's renderer process (the page and its workers), sampled from /proc every 2 s,
// with the main thread's JavaScript heap. Linux only. Needs the built site (scripts/build).
//   node scripts/page-memory.mjs ['#preset=quick'] [seconds of training, default 60]
import { readdirSync, readFileSync } from 'node:fs';
import { start, openPage } from '../tests/e2e/browser.mjs';

const [hash = '', seconds = '60'] = process.argv.slice(2);

/** The resident set (MB) of the largest of Chromium's renderer processes. */
function rendererMB() {
  let largest = 0;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('--type=renderer')) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
      if (rss) largest = Math.max(largest, Number(rss[1]) / 1024);
    } catch { /* the process ended */ }
  }
  return largest;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const session = await start();
try {
  const page = await openPage(session.browser, `${session.url}${hash}`);
  await sleep(3000);
  const heapMB = () => page.evaluate(() => (performance.memory?.usedJSHeapSize ?? 0) / 2 ** 20);
  console.log(`loaded: renderer ${rendererMB().toFixed(0)} MB, main-thread heap ${(await heapMB()).toFixed(0)} MB`);
  await page.click('#train');
  let peak = 0;
  for (let t = 0; t < Number(seconds); t += 2) {
    await sleep(2000);
    const rss = rendererMB();
    peak = Math.max(peak, rss);
    const status = await page.textContent('#status').catch(() => '');
    console.log(`${t + 2} s: renderer ${rss.toFixed(0)} MB, main-thread heap ${(await heapMB()).toFixed(0)} MB; ${status.trim().slice(0, 90)}`);
  }
  console.log(`peak renderer resident set while training: ${peak.toFixed(0)} MB`);
  if (page.errors.length) throw new Error(`the page reported errors: ${page.errors.join('; ')}`);
} finally {
  await session.close();
}
