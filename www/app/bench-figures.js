// The benchmark's figures from its samples: medians, the ladder's speed-ups, the ratios the
// speed issue sets targets for, and LeNet-5's training ratios. Pure functions, shared by the
// page (app/bench.js) and by scripts/bench.mjs, which pools the samples of several page runs.

export const KERNELS = ['dense', 'sparse', 'auto'];

/** The middle value (the upper one of an even count, as `lth bench` takes it). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** ticketlab's median over another engine's, or null where that engine has no figure. */
const over = (ticketlab, other) => (other.training.median > 0 ? ticketlab.training.median / other.training.median : null);

/**
 * Fills in every median and ratio of `results` ({engines, ladder, lenet5: {engines}} with
 * samples; a LeNet-5 engine that cannot train has none, and its median is null); returns it.
 */
export function withMedians(results) {
  const { engines, ladder, lenet5 } = results;
  for (const engine of engines) {
    engine.training.median = median(engine.training.samples);
    engine.evaluation.median = median(engine.evaluation.samples);
  }
  for (const level of ladder) {
    for (const kernels of KERNELS) level[kernels].median = median(level[kernels].samples);
    level.auto_over_dense_network = level.auto.median / ladder[0].auto.median;
  }
  const [ticketlab, tfjsWasm, tfjsCpu] = engines;
  results.ratios = {
    training_ticketlab_over_tfjs_wasm: ticketlab.training.median / tfjsWasm.training.median,
    training_ticketlab_over_tfjs_cpu: ticketlab.training.median / tfjsCpu.training.median,
    evaluation_ticketlab_over_tfjs_wasm: ticketlab.evaluation.median / tfjsWasm.evaluation.median,
    evaluation_ticketlab_over_tfjs_cpu: ticketlab.evaluation.median / tfjsCpu.evaluation.median,
  };
  for (const engine of lenet5.engines) engine.training.median = engine.training.samples.length ? median(engine.training.samples) : null;
  const [lenet5Ticketlab, ...lenet5Others] = lenet5.engines;
  lenet5.ratios = Object.fromEntries(lenet5Others.map((other) => [`training_ticketlab_over_${other.name.replace('-', '_')}`, over(lenet5Ticketlab, other)]));
  return results;
}

/** Several runs' results as one: the first run's details with every run's samples. */
export function pool(runs) {
  const pooled = structuredClone(runs[0]);
  for (const run of runs.slice(1)) {
    run.engines.forEach((engine, i) => {
      pooled.engines[i].training.samples.push(...engine.training.samples);
      pooled.engines[i].evaluation.samples.push(...engine.evaluation.samples);
    });
    run.ladder.forEach((level, i) => KERNELS.forEach((k) => pooled.ladder[i][k].samples.push(...level[k].samples)));
    run.lenet5.engines.forEach((engine, i) => {
      pooled.lenet5.engines[i].training.samples.push(...engine.training.samples);
      pooled.lenet5.engines[i].cannot_train ??= engine.cannot_train;
    });
  }
  pooled.settings.repetitions = pooled.engines[0].training.samples.length;
  pooled.seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return withMedians(pooled);
}
