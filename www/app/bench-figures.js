// The benchmark's figures from its samples: medians, the ladder's speed-ups, and the ratios the
// speed issue sets targets for. Pure functions, shared by the page (app/bench.js) and by
// scripts/bench.mjs, which pools the samples of several page runs.

export const KERNELS = ['dense', 'sparse', 'auto'];

/** The middle value (the upper one of an even count, as `lth bench` takes it). */
export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Fills in every median and ratio of `results` ({engines, ladder} with samples); returns it. */
export function withMedians(results) {
  const { engines, ladder } = results;
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
  }
  pooled.settings.repetitions = pooled.engines[0].training.samples.length;
  pooled.seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return withMedians(pooled);
}
