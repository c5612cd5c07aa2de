// Wall time of the quick preset (`lth imp --preset quick`, one seed: 1,500 iterations a round,
// evaluated every 150, 15 rounds, the random re-initialisation control, seed 0) run in the page in
// headless Chromium, with the page seeing 1 core (one worker) and 2 cores (ticket and control in
// two workers). Checks that both give the same rounds. Needs the built site (scripts/build).
//
//   node scripts/time-quick.mjs            # 1, then 2 cores
//   node scripts/time-quick.mjs 1 2 1 2    # interleaved repetitions; prints the median of each
//   node scripts/time-quick.mjs trials=2 1 2   # two trials (seeds 0 and 1), side by side where the cores allow
import assert from 'node:assert/strict';
import { loadavg, cpus } from 'node:os';
import { start, openPage, waitForStatus } from '../tests/e2e/browser.mjs';

// 1,500 iterations of batch 60: the page counts in epochs of 916 iterations.
const QUICK = '#seed=0&epochs=1.6375546&eval_every=150&rounds=15&controls=random_reinit';
const trialsArgument = process.argv.slice(2).find((arg) => arg.startsWith('trials='));
const trials = trialsArgument ? Number(trialsArgument.split('=')[1]) : 1;
const coresToTry = process.argv.slice(2).filter((arg) => arg !== trialsArgument).map(Number);
const session = await start();
const runs = [];
try {
  for (const cores of coresToTry.length ? coresToTry : [1, 2]) {
    const page = await openPage(session.browser, `${session.url}${QUICK}${trials > 1 ? `&trials=${trials}` : ''}`, { cores });
    // From the click to Done: includes loading MNIST into each worker (from the local server).
    const started = performance.now();
    await page.click('#train');
    await waitForStatus(page, /^Done/, 60 * 60_000);
    const seconds = (performance.now() - started) / 1000;
    const results = await page.evaluate(() => window.ticketlab.results());
    const workers = await page.evaluate(() => window.ticketlab.workers());
    assert.equal(results.config.iterations, 1500);
    for (const trial of results.results ?? [results]) assert.equal(trial.rounds.length, 31);
    assert.deepEqual(page.errors, []);
    runs.push({ cores, workers, seconds, results });
    // Other work on the machine slows the workers down: the load average says how much there was.
    const speed = trials > 1 ? '' : `training ${Math.round(results.train_samples_per_second).toLocaleString('en')} images/s per worker; `;
    console.log(`${trials > 1 ? `${trials} trials, ` : ''}${cores} core(s), ${workers} worker(s): ${seconds.toFixed(1)} s (${speed}load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`);
    await page.close();
  }
} finally {
  await session.close();
}
const numbers = ({ results }) => (results.results ?? [results]).map((trial) => trial.rounds.map(({ seconds, ...round }) => round));
for (const run of runs.slice(1)) assert.deepEqual(numbers(run), numbers(runs[0]), 'every worker layout gives the same rounds');
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const medians = [...new Set(runs.map((run) => run.cores))].map((cores) => {
  const mine = runs.filter((run) => run.cores === cores);
  return { cores, workers: mine[0].workers, seconds: median(mine.map((run) => run.seconds)), count: mine.length };
});
if (runs.length > 1) console.log('same rounds, bit for bit, in every run');
for (const { cores, workers, seconds, count } of medians) console.log(`median of ${count}: ${cores} core(s), ${workers} worker(s): ${seconds.toFixed(1)} s`);
// The best a split can do: the ticket's segments one after another, each level's control beside
// its ticket (both start when the previous ticket's mask is made), from a one-worker run's times.
const single = trials === 1 && runs.find((run) => run.workers === 1);
if (single) {
  const time = (branch, level) => single.results.rounds.find((r) => r.branch === branch && r.level === level)?.seconds ?? 0;
  const levels = single.results.rounds.filter((r) => r.branch === 'ticket').map((r) => r.level);
  const total = single.results.rounds.reduce((sum, r) => sum + r.seconds, 0);
  const path = levels.reduce((sum, level) => sum + Math.max(time('ticket', level), time('random_reinit', level)), 0);
  console.log(`one worker's segments took ${total.toFixed(1)} s; with a core free for each of two workers, ticket and control side by side would take ${path.toFixed(1)} s (${(total / path).toFixed(2)}× less)`);
}
if (medians.length > 1) {
  const [fewest, most] = [...medians].sort((a, b) => a.workers - b.workers).filter((m, i, all) => i === 0 || i === all.length - 1);
  console.log(`${most.workers} workers: ${(fewest.seconds / most.seconds).toFixed(2)}× faster than ${fewest.workers}`);
}
