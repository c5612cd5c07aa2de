// The benchmark page's ticketlab worker: times the core's training step and evaluation through
// its Bench handle (src/bench.rs, the code `lth bench` runs natively), for the model of the config
// it is given (the page starts one worker for LeNet-300-100, one for LeNet-5). Protocol in app/rpc.js.
//   init {config} -> {info}   batches {count} -> {indices}
//   train {level, kernels, steps} -> {images_per_second}   evaluate {passes} -> {images_per_second}
import init, { Bench } from './pkg/ticketlab.js';
import { fetchMnist } from './app/mnist.js';
import { serve } from './app/rpc.js';

let bench = null;

serve({
  async init({ config }) {
    try {
      await init();
    } catch (error) {
      throw new Error(`the WebAssembly core did not load (${error.message}); this page needs a browser with WebAssembly SIMD (Chrome 91+, Firefox 89+, Safari 16.4+)`);
    }
    bench = new Bench(JSON.stringify(config));
    bench.load_data(...(await fetchMnist()));
    return { info: bench.info() };
  },
  batches: ({ count }) => ({ indices: bench.batch_indices(count) }),
  train: ({ level, kernels, steps }) => ({ images_per_second: bench.training_throughput(level, kernels, steps) }),
  evaluate: ({ passes }) => ({ images_per_second: bench.evaluation_throughput(passes) }),
});
