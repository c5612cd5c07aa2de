// One run of the page (index.html) in headless Chromium with the settings of a URL hash, as a
// user would press Train: prints each evaluation and the wall time, and writes the results JSON.
// Needs the built site (scripts/build).
//   node scripts/page-run.mjs '#model=lenet-5&epochs=3&eval_every=916' [results.json]
import { writeFileSync } from 'node:fs';
import { start, openPage, waitForStatus } from '../tests/e2e/browser.mjs';
import { trialsOf } from '../www/app/run-trials.js';

const [hash, out] = process.argv.slice(2);
if (!hash?.startsWith('#')) {
  console.error('usage: node scripts/page-run.mjs \'#setting=value&...\' [results.json]');
  process.exit(2);
}
const session = await start();
try {
  const page = await openPage(session.browser, `${session.url}${hash}`);
  const started = performance.now();
  await page.click('#train');
  await waitForStatus(page, /^Done/, 6 * 60 * 60_000);
  const seconds = (performance.now() - started) / 1000;
  const results = await page.evaluate(() => window.ticketlab.results());
  if (page.errors.length) throw new Error(`the page reported errors: ${page.errors.join('; ')}`);
  // With #trials=N, the results hold each trial's (trialsOf) and their summary.
  for (const trial of trialsOf(results)) {
    for (const round of trial.rounds) {
      for (const e of round.evaluations) {
        console.log(`seed ${trial.config.seed} ${round.branch} level ${round.level} iteration ${e.iteration}: test accuracy ${(100 * e.test_accuracy).toFixed(2)}%`);
      }
    }
    console.log(`${trial.config.model}, seed ${trial.config.seed}: training ${Math.round(trial.train_samples_per_second).toLocaleString('en')} images/s`);
  }
  console.log(`${seconds.toFixed(1)} s in the page`);
  if (out) writeFileSync(out, JSON.stringify(results, null, 2));
} finally {
  await session.close();
}
