// Runs LeNet-300-100 with the paper's settings for EPOCHS epochs, scored once per epoch, in the
// native CLI and in the page, and reports accuracy and throughput side by side.
//   node scripts/bench.mjs [epochs=5] [seed=1]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { start, openPage, waitForStatus, ROOT } from '../tests/e2e/browser.mjs';

const epochs = Number(process.argv[2] ?? 5);
const seed = Number(process.argv[3] ?? 1);
const iterationsPerEpoch = 916; // ⌊55,000 / 60⌋
const config = { seed, iterations: epochs * iterationsPerEpoch, eval_every: iterationsPerEpoch };
const out = `${ROOT}/bench`;
mkdirSync(out, { recursive: true });

console.log(`native: lth train, ${epochs} epochs, seed ${seed}`);
const scratch = mkdtempSync(`${tmpdir()}/ticketlab-bench-`);
writeFileSync(`${scratch}/config.json`, JSON.stringify(config));
execFileSync(`${ROOT}/target/release/lth`, ['train', '--config', `${scratch}/config.json`, '--out', `${scratch}/native.json`], { cwd: ROOT, stdio: 'inherit' });
const native = JSON.parse(readFileSync(`${scratch}/native.json`, 'utf8'));

console.log('page: the same run in headless Chromium');
const session = await start();
let page;
try {
  const tab = await openPage(session.browser, `${session.url}#seed=${seed}&epochs=${epochs}&eval_every=${iterationsPerEpoch}`);
  await tab.click('#train');
  await waitForStatus(tab, /^Done/, 1_800_000);
  page = await tab.evaluate(() => window.ticketlab.results());
} finally {
  await session.close();
}

// A dense run is one round: its evaluations are what must agree (wall times never do).
const nativeEvaluations = native.rounds[0].evaluations;
const pageEvaluations = page.rounds[0].evaluations;
const sameNumbers = JSON.stringify(nativeEvaluations) === JSON.stringify(pageEvaluations);
const chromium = execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
const report = {
  date: new Date().toISOString(),
  machine: { cores: (await import('node:os')).cpus().length, cpu: (await import('node:os')).cpus()[0].model, chromium },
  config: native.config,
  identical_evaluations: sameNumbers,
  native: { train_samples_per_second: native.train_samples_per_second, evaluation_samples_per_second: native.evaluation_samples_per_second, evaluations: nativeEvaluations },
  page: { train_samples_per_second: page.train_samples_per_second, evaluation_samples_per_second: page.evaluation_samples_per_second, evaluations: pageEvaluations },
  page_over_native: {
    train: page.train_samples_per_second / native.train_samples_per_second,
    evaluation: page.evaluation_samples_per_second / native.evaluation_samples_per_second,
  },
};
writeFileSync(`${out}/results.json`, JSON.stringify(report, null, 2) + '\n');

const pct = (x) => `${(x * 100).toFixed(2)}%`;
const rate = (x) => Math.round(x).toLocaleString('en');
const lines = [
  `LeNet-300-100 on MNIST, paper settings (Adam 1.2e-3, batch 60), seed ${seed}; ${report.machine.cpu}, ${chromium}.`,
  '',
  '| epoch | test accuracy (native) | test accuracy (page) |',
  '|---:|---:|---:|',
  ...nativeEvaluations.filter((e) => e.iteration > 0).map((e, i) => `| ${e.epoch.toFixed(0)} | ${pct(e.test_accuracy)} | ${pct(pageEvaluations[i + 1].test_accuracy)} |`),
  '',
  '| throughput (images/s) | native (`lth`) | page (wasm, Worker) | page / native |',
  '|---|---:|---:|---:|',
  `| training | ${rate(native.train_samples_per_second)} | ${rate(page.train_samples_per_second)} | ${report.page_over_native.train.toFixed(2)} |`,
  `| evaluation | ${rate(native.evaluation_samples_per_second)} | ${rate(page.evaluation_samples_per_second)} | ${report.page_over_native.evaluation.toFixed(2)} |`,
  '',
  sameNumbers ? 'The page and the native build gave identical evaluations, bit for bit.' : '**The page and the native build gave different evaluations.**',
];
// The native training step along the pruning ladder, from `lth bench` (run just before).
const ladder = JSON.parse(readFileSync(`${out}/native.json`, 'utf8'));
lines.push(
  '',
  `Native training step along the pruning ladder (\`lth bench\`: images/s, median of ${ladder.repetitions} interleaved repetitions of ${ladder.steps} steps; sparse kernels below ${ladder.sparse_below * 100}% density):`,
  '',
  '| weights remaining | dense kernels | sparse kernels | automatic | automatic / dense network |',
  '|---:|---:|---:|---:|---:|',
  ...ladder.training.map((r) => `| ${r.percent_remaining.toFixed(2)}% | ${rate(r.dense_kernels)} | ${rate(r.sparse_kernels)} | ${rate(r.automatic)} | ${r.automatic_over_dense_network.toFixed(2)}× |`),
);
writeFileSync(`${out}/results.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
