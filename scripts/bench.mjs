// The benchmark behind the speed figures (the README's headline table; docs/speed.md in full):
//   1. REPETITIONS times, alternately: natively, `lth bench` (the training step along the pruning
//      ladder, and evaluation); and in headless Chromium, one run of the benchmark page
//      (bench.html): ticketlab against TensorFlow.js (wasm and cpu backends) and the same ladder,
//      interleaved in one page. Figures are medians over the repetitions. Each repetition also
//      times LeNet-5's training step: natively (`lth bench --model lenet-5 --measure dense`), and in
//      the page with ticketlab and TF.js (cpu backend; its wasm backend is tried, and its error kept
//      if it cannot train a CNN).
//   2. a whole training run of EPOCHS epochs natively and in the main page: accuracy per epoch,
//      which must be identical, and throughput including evaluations.
// Writes bench/native.json, bench/results.json and bench/results.md.
//   node scripts/bench.mjs [epochs=5] [seed=1] [repetitions=5] [steps=200] [cpu_steps=50] [passes=10] [cpu_passes=1]
//                          [lenet5_steps=100] [lenet5_cpu_steps=6]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { start, openPage, waitForStatus, ROOT } from '../tests/e2e/browser.mjs';
import { median, pool } from '../www/app/bench-figures.js';

const options = { epochs: 5, seed: 1, repetitions: 5, steps: 200, cpu_steps: 50, passes: 10, cpu_passes: 1, lenet5_steps: 100, lenet5_cpu_steps: 6 };
for (const argument of process.argv.slice(2)) {
  const [name, value] = argument.split('=');
  if (!(name in options) || !/^\d+$/.test(value ?? '')) {
    console.error(`error: "${argument}": expected name=number with name one of ${Object.keys(options).join(', ')}`);
    process.exit(2);
  }
  options[name] = Number(value);
}
const { epochs, seed, repetitions, steps, lenet5_steps: lenet5Steps } = options;
// The page runs one repetition at a time; the script alternates them with native ones.
const pageSettings = ['steps', 'cpu_steps', 'passes', 'cpu_passes', 'lenet5_steps', 'lenet5_cpu_steps'].map((name) => `${name}=${options[name]}`).join('&') + '&repetitions=1';
const iterationsPerEpoch = 916; // ⌊55,000 / 60⌋
const out = `${ROOT}/bench`;
const lth = `${ROOT}/target/release/lth`;
mkdirSync(out, { recursive: true });

const scratch = mkdtempSync(`${tmpdir()}/ticketlab-bench-`);
const nativeRuns = [];
const nativeLenet5Runs = [];
const pageRuns = [];
let nativeRun;
let pageRun;
const session = await start();
try {
  // Native and page repetitions alternate, so that both see the same load on a shared machine.
  const tab = await openPage(session.browser, `${session.url}bench.html#${pageSettings}`);
  for (let repetition = 1; repetition <= repetitions; repetition++) {
    console.log(`repetition ${repetition} of ${repetitions}: lth bench (${steps} steps a measurement)`);
    const file = `${scratch}/native-${repetition}.json`;
    execFileSync(lth, ['bench', '--iterations', String(steps), '--repetitions', '1', '--out', file], { cwd: ROOT, stdio: 'pipe' }); // a failure's message carries stderr
    nativeRuns.push(JSON.parse(readFileSync(file, 'utf8')));
    console.log(`repetition ${repetition} of ${repetitions}: lth bench --model lenet-5 --measure dense (${lenet5Steps} steps)`);
    const lenet5File = `${scratch}/native-lenet5-${repetition}.json`;
    execFileSync(lth, ['bench', '--model', 'lenet-5', '--measure', 'dense', '--iterations', String(lenet5Steps), '--repetitions', '1', '--out', lenet5File], { cwd: ROOT, stdio: 'pipe' });
    nativeLenet5Runs.push(JSON.parse(readFileSync(lenet5File, 'utf8')));
    console.log(`repetition ${repetition} of ${repetitions}: bench.html#${pageSettings} in headless Chromium`);
    await tab.click('#measure');
    await tab.waitForFunction(() => ['done', 'error'].includes(window.bench.results().status), null, { timeout: 600_000, polling: 250 });
    const run = await tab.evaluate(() => window.bench.results());
    if (run.status !== 'done') throw new Error(`the benchmark page failed: ${run.error}`);
    pageRuns.push(run);
  }

  console.log(`native: lth train, ${epochs} epochs, seed ${seed}`);
  const runConfig = { seed, iterations: epochs * iterationsPerEpoch, eval_every: iterationsPerEpoch };
  writeFileSync(`${scratch}/config.json`, JSON.stringify(runConfig));
  execFileSync(lth, ['train', '--config', `${scratch}/config.json`, '--out', `${scratch}/native.json`], { cwd: ROOT, stdio: 'inherit' });
  nativeRun = JSON.parse(readFileSync(`${scratch}/native.json`, 'utf8'));
  console.log(`page: the ${epochs}-epoch run in index.html`);
  const main = await openPage(session.browser, `${session.url}#seed=${seed}&epochs=${epochs}&eval_every=${iterationsPerEpoch}`);
  await main.click('#train');
  await waitForStatus(main, /^Done/, 1_800_000);
  pageRun = await main.evaluate(() => window.ticketlab.results());
} catch (error) {
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
} finally {
  await session.close();
}
if (process.exitCode) process.exit();

// Every repetition's samples, pooled: the page's through its own code, the native ones here.
const page = pool(pageRuns);
const nativeSamples = (pick) => nativeRuns.map(pick);
const nativeDenseNetwork = median(nativeSamples((run) => run.training[0].automatic));
const native = {
  ...nativeRuns[0],
  peak_multiply_adds_per_second: median(nativeSamples((run) => run.peak_multiply_adds_per_second)),
  repetitions,
  training: nativeRuns[0].training.map(({ level, percent_remaining }, i) => {
    const samples = Object.fromEntries(['dense_kernels', 'sparse_kernels', 'automatic'].map((k) => [k, nativeSamples((run) => run.training[i][k])]));
    const medians = Object.fromEntries(Object.entries(samples).map(([k, values]) => [k, median(values)]));
    return { level, percent_remaining, ...medians, automatic_over_dense_network: medians.automatic / nativeDenseNetwork, samples };
  }),
  evaluation_samples_per_second: median(nativeSamples((run) => run.evaluation_samples_per_second)),
  evaluation_samples: nativeSamples((run) => run.evaluation_samples_per_second),
};
writeFileSync(`${out}/native.json`, JSON.stringify(native, null, 2) + '\n');

// LeNet-5's training step: the page's engines (TF.js's wasm backend may have no figure, only the
// error that stopped it) and the native dense network's step.
const nativeLenet5Samples = nativeLenet5Runs.map((run) => run.training[0].automatic);
const lenet5 = {
  config: page.lenet5.config,
  page: page.lenet5.engines,
  native: { steps: lenet5Steps, repetitions, training: { samples: nativeLenet5Samples, median: median(nativeLenet5Samples) } },
  training_multiply_adds_per_image: nativeLenet5Runs[0].training_multiply_adds_per_image,
};
const [lenet5Ticketlab, lenet5TfjsCpu, lenet5TfjsWasm] = lenet5.page;
lenet5.ratios = {
  ...page.lenet5.ratios,
  training_page_over_native: lenet5Ticketlab.training.median / lenet5.native.training.median,
};

const chromium = execFileSync(process.env.CHROMIUM ?? '/usr/bin/chromium', ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
const engine = (name) => page.engines.find((e) => e.name === name);
const [ticketlab, tfjsWasm, tfjsCpu] = ['ticketlab-wasm', 'tfjs-wasm', 'tfjs-cpu'].map(engine);
const nativeDense = native.training[0].automatic;
const byPercent = (percent) => page.ladder.findIndex((l) => Math.abs(l.percent_remaining - percent) < 0.5);
const ladderSpeedup = (percent) => ({ page: page.ladder[byPercent(percent)].auto_over_dense_network, native: native.training[byPercent(percent)].automatic_over_dense_network });
// The share of this core's 128-bit peak (lth bench's probe: a multiply then an add on four lanes)
// that a training rate uses, counting a dense step's multiply-adds per image.
const peak = native.peak_multiply_adds_per_second;
const shareOfPeak = (imagesPerSecond, multiplyAdds) => (imagesPerSecond * multiplyAdds) / peak;
const mlpMultiplyAdds = native.training_multiply_adds_per_image;
// The speed issue's (15) targets that one run of this script measures; the paper preset's time and
// the memory are measured apart (docs/speed.md).
const targets = {
  ladder_21_percent_over_dense: { ...ladderSpeedup(21.1), target: 1.5 },
  ladder_3_6_percent_over_dense: { ...ladderSpeedup(3.6), target: 6 },
  lenet5_training_page: { value: lenet5Ticketlab.training.median, target: 12_000 },
};

// A dense run is one round: its evaluations are what must agree (wall times never do).
const nativeEvaluations = nativeRun.rounds[0].evaluations;
const pageEvaluations = pageRun.rounds[0].evaluations;
const identical = JSON.stringify(nativeEvaluations) === JSON.stringify(pageEvaluations);
const report = {
  date: new Date().toISOString(),
  machine: { cores: cpus().length, cpu: cpus()[0].model, chromium },
  options,
  targets,
  page: { ...page, lenet5: undefined }, // LeNet-5's page figures are in lenet5, beside the native ones
  native,
  lenet5,
  training_run: {
    config: nativeRun.config,
    identical_evaluations: identical,
    native: { train_samples_per_second: nativeRun.train_samples_per_second, evaluation_samples_per_second: nativeRun.evaluation_samples_per_second, evaluations: nativeEvaluations },
    page: { train_samples_per_second: pageRun.train_samples_per_second, evaluation_samples_per_second: pageRun.evaluation_samples_per_second, evaluations: pageEvaluations },
  },
};
writeFileSync(`${out}/results.json`, JSON.stringify(report, null, 2) + '\n');

const rate = (x) => Math.round(x).toLocaleString('en');
const times = (x) => `${x.toFixed(2)}×`;
const pct = (x) => `${(x * 100).toFixed(2)}%`;
const count = (n, word, plural = `${word}s`) => `${n.toLocaleString('en')} ${n === 1 ? word : plural}`;
const met = (value, target) => (value >= target ? 'met' : 'not met');
const { wasm } = page.tfjs;
const lines = [
  '# ticketlab benchmark',
  '',
  `LeNet-300-100 (784-300-100-10, ReLU) on the real MNIST: batch ${page.config.batch_size}, Adam ${page.config.learning_rate}, Gaussian Glorot init. ` +
    `${report.machine.cpu}, ${report.machine.cores} cores (shared: figures vary with the load); ${chromium}; ${report.date.slice(0, 10)}. ` +
    `Produced by \`scripts/bench\`.`,
  '',
  `**In the page** (bench.html, headless Chromium): each library in its own Web Worker, measured one at a time, ` +
    `medians of ${count(page.settings.repetitions, 'repetition')}, interleaved within the page and alternating with the native ones. A training measurement is ${count(page.settings.steps, 'step')} ` +
    `(TF.js cpu: ${page.settings.cpu_steps}) from a fresh network and optimizer after one untimed warm-up step, every library on the same batches, ` +
    `after a first round of short, unrecorded measurements; ` +
    `an evaluation measurement is ${count(page.settings.passes, 'pass', 'passes')} (TF.js cpu: ${page.settings.cpu_passes}) over the ${page.config.validation_size.toLocaleString('en')} validation images in chunks of ${page.evaluation_chunk}. ` +
    `TensorFlow.js ${page.tfjs.version} runs a custom loop (\`optimizer.minimize\` inside \`tf.tidy\`, \`tf.fused.matMul\` layers, \`tf.losses.softmaxCrossEntropy\`); ` +
    `its wasm backend ran its ${wasm.variant} build (${wasm.file}), since the page is not cross-origin isolated. ` +
    `**Natively**, \`lth bench\` times the same code (src/bench.rs): medians of ${count(native.repetitions, 'repetition')} of ${count(native.steps, 'step')}, and ${count(native.evaluation_passes, 'evaluation pass', 'evaluation passes')}.`,
  '',
  '| | training images/s | evaluation images/s | ticketlab-wasm ÷ this row, training | ticketlab-wasm ÷ this row, evaluation |',
  '|---|---:|---:|---:|---:|',
  ...[['ticketlab-wasm', ticketlab.training.median, ticketlab.evaluation.median],
    ['TF.js-wasm', tfjsWasm.training.median, tfjsWasm.evaluation.median],
    ['TF.js-cpu', tfjsCpu.training.median, tfjsCpu.evaluation.median],
    ['native (`lth`)', nativeDense, native.evaluation_samples_per_second]]
    .map(([name, train, evaluate]) => `| ${name} | ${rate(train)} | ${rate(evaluate)} | ${times(ticketlab.training.median / train)} | ${times(ticketlab.evaluation.median / evaluate)} |`),
  '',
  `TF.js really trains: after a measurement's steps its networks score ${pct(tfjsWasm.evaluation.accuracy)} (wasm, ${count(tfjsWasm.steps, 'step')}) ` +
    `and ${pct(tfjsCpu.evaluation.accuracy)} (cpu, ${count(tfjsCpu.steps, 'step')}) on the validation images.`,
  '',
  'The speed issue\'s (15) targets that this run measures (the paper preset\'s time and the page\'s memory are measured apart: docs/speed.md):',
  '',
  '| | measured | target | |',
  '|---|---:|---:|---|',
  `| training at 21% / dense network (page, native) | ${times(targets.ladder_21_percent_over_dense.page)}, ${times(targets.ladder_21_percent_over_dense.native)} | ≥ 1.5× | ${met(Math.min(targets.ladder_21_percent_over_dense.page, targets.ladder_21_percent_over_dense.native), 1.5)} |`,
  `| training at 3.6% / dense network (page, native) | ${times(targets.ladder_3_6_percent_over_dense.page)}, ${times(targets.ladder_3_6_percent_over_dense.native)} | ≥ 6× | ${met(Math.min(targets.ladder_3_6_percent_over_dense.page, targets.ladder_3_6_percent_over_dense.native), 6)} |`,
  `| LeNet-5 training in the page, images/s | ${rate(targets.lenet5_training_page.value)} | ≥ 12,000 | ${met(targets.lenet5_training_page.value, 12_000)} |`,
  '',
  `Against this core's peak (\`lth bench\`'s probe: ${(peak / 1e9).toFixed(2)} G multiply-adds/s on 128-bit vectors, a multiply then an add, ` +
    'as both builds compute; a dense step\'s multiply-adds per image, zeros the kernels skip included, so a share above 100% is possible): ' +
    `LeNet-300-100's dense step (${rate(mlpMultiplyAdds)} per image) uses ${pct(shareOfPeak(ticketlab.training.median, mlpMultiplyAdds))} of it in the page and ${pct(shareOfPeak(nativeDense, mlpMultiplyAdds))} natively; ` +
    `LeNet-5's (${rate(lenet5.training_multiply_adds_per_image)} per image) ${pct(shareOfPeak(lenet5Ticketlab.training.median, lenet5.training_multiply_adds_per_image))} in the page and ${pct(shareOfPeak(lenet5.native.training.median, lenet5.training_multiply_adds_per_image))} natively.`,
  '',
  `The training step along the pruning ladder, images/s (sparse kernels below ${native.sparse_below * 100}% density in the automatic choice):`,
  '',
  '| weights remaining | page: dense kernels | page: sparse kernels | page: automatic | page: ÷ dense network | native: dense kernels | native: sparse kernels | native: automatic | native: ÷ dense network | page / native |',
  '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...page.ladder.map((p, i) => {
    const n = native.training[i];
    return `| ${p.percent_remaining.toFixed(2)}% | ${rate(p.dense.median)} | ${rate(p.sparse.median)} | ${rate(p.auto.median)} | ${times(p.auto_over_dense_network)} | ` +
      `${rate(n.dense_kernels)} | ${rate(n.sparse_kernels)} | ${rate(n.automatic)} | ${times(n.automatic_over_dense_network)} | ${times(p.auto.median / n.automatic)} |`;
  }),
  '',
  `A whole training run: ${count(epochs, 'epoch')}, seed ${seed}, scored once per epoch (5,000 validation and 10,000 test images), natively and in the main page (its training worker):`,
  '',
  '| epoch | test accuracy (native) | test accuracy (page) |',
  '|---:|---:|---:|',
  ...nativeEvaluations.filter((e) => e.iteration > 0).map((e, i) => `| ${e.epoch.toFixed(0)} | ${pct(e.test_accuracy)} | ${pct(pageEvaluations[i + 1].test_accuracy)} |`),
  '',
  '| throughput over the run (images/s) | native (`lth`) | page (wasm, Worker) | page / native |',
  '|---|---:|---:|---:|',
  `| training | ${rate(nativeRun.train_samples_per_second)} | ${rate(pageRun.train_samples_per_second)} | ${times(pageRun.train_samples_per_second / nativeRun.train_samples_per_second)} |`,
  `| evaluation | ${rate(nativeRun.evaluation_samples_per_second)} | ${rate(pageRun.evaluation_samples_per_second)} | ${times(pageRun.evaluation_samples_per_second / nativeRun.evaluation_samples_per_second)} |`,
  '',
  identical ? 'The page and the native build gave identical evaluations, bit for bit.' : '**The page and the native build gave different evaluations.**',
  '',
  '## LeNet-5 training',
  '',
  `LeNet-5 (conv 6@5×5 with "same" padding, 2×2 max pool, conv 16@5×5, 2×2 max pool, 120, 84, 10; ReLU after each conv and each fully connected layer but the last), ` +
    `batch ${lenet5.config.batch_size}, Adam ${lenet5.config.learning_rate}, Gaussian Glorot init, softmax cross-entropy; the training step only. ` +
    `A measurement is ${count(lenet5Ticketlab.steps, 'step')} (TF.js cpu: ${lenet5TfjsCpu.steps}) from a fresh network and optimizer after one untimed warm-up step, every library on the same batches; ` +
    `medians of ${count(page.settings.repetitions, 'repetition')}, interleaved with the measurements above. ` +
    `TensorFlow.js builds the model with \`tf.layers\` (conv2d, maxPooling2d, flatten, dense) and trains it with the same custom loop; its layers are channels-last (NHWC), ticketlab's channels-first (NCHW): ` +
    `with one input channel the images are the same bytes, and the flatten order only permutes the first dense layer's rows. ` +
    `Its wasm backend is tried once a page run; where it cannot train, its error stands in the row. ` +
    `**Natively**: \`lth bench --model lenet-5 --measure dense --iterations ${lenet5Steps}\`, once per repetition.`,
  '',
  '| | training images/s | ticketlab-wasm ÷ this row |',
  '|---|---:|---:|',
  ...[['ticketlab-wasm', lenet5Ticketlab], ['TF.js-cpu', lenet5TfjsCpu], ['TF.js-wasm', lenet5TfjsWasm]].map(([name, engine]) => (engine.cannot_train
    ? `| ${name} | cannot train: ${engine.cannot_train.replaceAll('|', '\\|')} | – |`
    : `| ${name} | ${rate(engine.training.median)} | ${times(lenet5Ticketlab.training.median / engine.training.median)} |`)),
  `| native (\`lth\`) | ${rate(lenet5.native.training.median)} | ${times(lenet5.ratios.training_page_over_native)} |`,
];
writeFileSync(`${out}/results.md`, lines.join('\n') + '\n');
console.log(lines.join('\n'));
if (!identical) process.exitCode = 1;
