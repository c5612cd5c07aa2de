// The benchmark page's TensorFlow.js baseline, on the backend named at init ('wasm' or 'cpu'),
// trained on the very batches ticketlab trains on. Protocol in app/rpc.js.
//   init {backend, config, evaluation_chunk} -> {info}
//   train {batches, steps} -> {images_per_second}   evaluate {passes} -> {images_per_second, accuracy, loss}
// The model is the config's, with ticketlab's Gaussian Glorot init (untruncated), biases at zero,
// softmax cross-entropy and Adam:
//   lenet-300-100  784-300-100-10, ReLU, written with TF.js's own ops;
//   lenet-5        built with tf.layers: conv 6@5×5 'same', max pool 2, conv 16@5×5 'valid',
//                  max pool 2, flatten, dense 120, dense 84 (ReLU after each conv and dense but
//                  the last), dense 10. TF.js's layers are channels-last (NHWC), ticketlab's
//                  channels-first (NCHW): with one input channel the images are the same bytes;
//                  only the order in which the 16 maps are flattened differs, which permutes the
//                  first dense layer's rows and changes nothing else.
//
// The training step is TF.js's fastest honest one: optimizer.minimize over the loss inside
// tf.tidy, no reads back until the clock stops. Like ticketlab's step, it assembles its batch
// from the image bytes (scaled to [0, 1]) each time.
import { fetchFile, MNIST_FILES } from './app/mnist.js';
import { serve } from './app/rpc.js';

const VENDOR = new URL('vendor/tfjs/', import.meta.url).href;
const PIXELS = 784;
const CLASSES = 10;

let tf = null;
let config = null;
let evaluationChunk = 0;
let train = null; // {images: Uint8Array, labels: Uint8Array}, the examples after the validation set
let validation = null;
let network = null; // {inputShape, logits, variables, dispose, optimizer}

async function startTf(backend) {
  try {
    // tf.min.js bundles regenerator-runtime, which assigns the global regeneratorRuntime; imported
    // as a module (strict mode) that assignment throws unless the global exists, and its fallback
    // is Function(...), which a Content-Security-Policy without 'unsafe-eval' blocks.
    self.regeneratorRuntime ??= undefined;
    await import(`${VENDOR}tf.min.js`); // UMD bundles: they define self.tf
    if (backend === 'wasm') await import(`${VENDOR}tf-backend-wasm.min.js`);
  } catch (error) {
    throw new Error(`TensorFlow.js did not load from vendor/tfjs/ (${error.message}); build the site with scripts/build, which copies it from npm`);
  }
  tf = self.tf;
  if (backend === 'wasm') tf.wasm.setWasmPaths(VENDOR);
  let started = false;
  try {
    started = await tf.setBackend(backend);
  } catch (error) {
    started = false;
  }
  if (!started || tf.getBackend() !== backend) {
    throw new Error(`TensorFlow.js could not start its ${backend} backend` + (backend === 'wasm'
      ? `: its .wasm files must be served from vendor/tfjs/ (scripts/build copies them from node_modules/@tensorflow/tfjs-backend-wasm/dist)`
      : ''));
  }
}

/** Which build of the wasm backend runs: what TF.js detected, and the .wasm file it fetched. */
async function wasmVariant() {
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const fetched = performance.getEntriesByType('resource').map((e) => e.name.split('/').pop()).filter((n) => n.endsWith('.wasm'));
  return { simd, threads, file: fetched.join(', ') || null };
}

/** The examples of an IDX pair: images (count × 784 bytes) and labels. */
function idxExamples([images, labels]) {
  const header = (bytes, name, magic, size) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.length < size || view.getUint32(0) !== magic) {
      throw new Error(`data/${name} is not an MNIST IDX file; fetch it again (scripts/fetch-mnist)`);
    }
    return view.getUint32(4);
  };
  const count = header(images, MNIST_FILES[0], 0x803, 16);
  if (header(labels, MNIST_FILES[1], 0x801, 8) !== count || images.length !== 16 + count * PIXELS || labels.length !== 8 + count) {
    throw new Error(`data/${MNIST_FILES[0]} and data/${MNIST_FILES[1]} do not match; fetch them again (scripts/fetch-mnist)`);
  }
  return { images: images.subarray(16), labels: labels.subarray(8) };
}

const slice = (set, start, end) => ({ images: set.images.subarray(start * PIXELS, end * PIXELS), labels: set.labels.subarray(start, end) });

/** Writes examples `indices` of `set` into x (scaled to [0, 1]) and labels. */
function gather(set, indices, x, labels) {
  indices.forEach((index, row) => {
    const pixels = set.images.subarray(index * PIXELS, (index + 1) * PIXELS);
    for (let p = 0; p < PIXELS; p++) x[row * PIXELS + p] = pixels[p] * (1 / 255);
    labels[row] = set.labels[index];
  });
}

/** Gaussian Glorot, untruncated: Normal(0, 2 / (fan_in + fan_out)), as ticketlab draws it. */
const glorotScale = (fanIn, fanOut) => Math.sqrt(2 / (fanIn + fanOut));

// Each builder returns {inputShape, logits(x) -> (batch, 10), variables, dispose()}.
const MODELS = {
  // x: (batch, 784). fused.matMul adds the bias and applies ReLU in one op where TF.js can (in
  // inference; under a gradient tape it runs them as separate ops).
  'lenet-300-100'(seed) {
    const widths = [PIXELS, 300, 100, CLASSES];
    const layers = widths.slice(1).map((outputs, i) => ({
      w: tf.variable(tf.randomNormal([widths[i], outputs], 0, glorotScale(widths[i], outputs), 'float32', seed + i)),
      b: tf.variable(tf.zeros([outputs])),
    }));
    return {
      inputShape: [PIXELS],
      logits: (x) => layers.reduce((h, { w, b }, i) =>
        tf.fused.matMul({ a: h, b: w, bias: b, activation: i < layers.length - 1 ? 'relu' : 'linear' }), x),
      variables: layers.flatMap(({ w, b }) => [w, b]),
      dispose: () => layers.forEach(({ w, b }) => { w.dispose(); b.dispose(); }),
    };
  },
  // x: (batch, 28, 28, 1) -> conv (28, 28, 6) -> pool (14, 14, 6) -> conv (10, 10, 16)
  // -> pool (5, 5, 16) -> flatten 400 -> 120 -> 84 -> 10.
  'lenet-5'(seed) {
    // A convolution's fans count every tap, as ticketlab's (and Keras's) do.
    const init = (fanIn, fanOut, index) => ({ kernelInitializer: tf.initializers.randomNormal({ mean: 0, stddev: glorotScale(fanIn, fanOut), seed: seed + index }) });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 6, kernelSize: 5, padding: 'same', activation: 'relu', ...init(1 * 25, 6 * 25, 0) }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.conv2d({ filters: 16, kernelSize: 5, padding: 'valid', activation: 'relu', ...init(6 * 25, 16 * 25, 1) }),
        tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 120, activation: 'relu', ...init(400, 120, 2) }),
        tf.layers.dense({ units: 84, activation: 'relu', ...init(120, 84, 3) }),
        tf.layers.dense({ units: CLASSES, ...init(84, CLASSES, 4) }),
      ],
    });
    return {
      inputShape: [28, 28, 1],
      logits: (x) => model.apply(x),
      variables: model.trainableWeights.map((weight) => weight.read()),
      dispose: () => model.dispose(),
    };
  },
};

function newNetwork() {
  if (network) {
    network.dispose();
    network.optimizer.dispose();
  }
  network = { ...MODELS[config.model](config.seed), optimizer: tf.train.adam(config.learning_rate, config.beta1, config.beta2, config.epsilon) };
}

/** `count` examples of `x` as the model's input tensor. */
const inputTensor = (x, count) => tf.tensor(x.subarray(0, count * PIXELS), [count, ...network.inputShape]);

serve({
  async init({ backend, config: settings, evaluation_chunk }) {
    if (!(settings.model in MODELS) || settings.optimizer !== 'adam' || settings.init !== 'glorot-normal') {
      throw new Error(`the TF.js baseline is ${Object.keys(MODELS).join(' or ')} with Gaussian Glorot init and Adam: change the other settings back`);
    }
    config = settings;
    evaluationChunk = evaluation_chunk;
    await startTf(backend);
    const all = idxExamples([await fetchFile(MNIST_FILES[0]), await fetchFile(MNIST_FILES[1])]);
    const trainEnd = config.train_size ? config.validation_size + config.train_size : all.labels.length;
    validation = slice(all, 0, config.validation_size);
    train = slice(all, config.validation_size, trainEnd);
    newNetwork();
    return {
      info: { backend: tf.getBackend(), version: tf.version.tfjs, wasm: backend === 'wasm' ? await wasmVariant() : null },
    };
  },

  // A fresh network and optimizer, one untimed warm-up step on the first batch, then `steps`
  // timed steps on the next ones (the batches ticketlab's measurement uses, in its order).
  async train({ batches, steps }) {
    const batch = config.batch_size;
    if (batches.length < (steps + 1) * batch) throw new Error(`${steps} steps need ${steps + 1} batches of indices`);
    newNetwork();
    const x = new Float32Array(batch * PIXELS);
    const labels = new Int32Array(batch);
    const step = (s) => {
      gather(train, batches.subarray(s * batch, (s + 1) * batch), x, labels);
      tf.tidy(() => {
        const xs = inputTensor(x, batch);
        const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES);
        network.optimizer.minimize(() => tf.losses.softmaxCrossEntropy(ys, network.logits(xs)), false, network.variables);
      });
    };
    step(0);
    await network.variables[0].data();
    const start = performance.now();
    for (let s = 1; s <= steps; s++) step(s);
    await network.variables[0].data(); // every queued kernel has run
    return { images_per_second: (steps * batch * 1000) / (performance.now() - start) };
  },

  // Forward passes over the validation set in ticketlab's chunk size, scoring loss and accuracy,
  // `passes` times after one untimed pass; of the network the last `train` left.
  async evaluate({ passes }) {
    const x = new Float32Array(evaluationChunk * PIXELS);
    const labels = new Int32Array(evaluationChunk);
    const pass = () => {
      let [lossSum, correct] = [0, 0];
      for (let start = 0; start < validation.labels.length; start += evaluationChunk) {
        const count = Math.min(evaluationChunk, validation.labels.length - start);
        gather(validation, Array.from({ length: count }, (_, i) => start + i), x, labels);
        const scores = tf.tidy(() => {
          const out = network.logits(inputTensor(x, count));
          const truth = tf.tensor1d(labels.subarray(0, count), 'int32');
          const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(truth, CLASSES), out, undefined, undefined, tf.Reduction.SUM);
          const hits = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), truth), 'float32'));
          return tf.stack([loss, hits]);
        });
        const [chunkLoss, chunkCorrect] = scores.dataSync();
        scores.dispose();
        lossSum += chunkLoss;
        correct += chunkCorrect;
      }
      return { loss: lossSum / validation.labels.length, accuracy: correct / validation.labels.length };
    };
    pass();
    const start = performance.now();
    let scores;
    for (let p = 0; p < passes; p++) scores = pass();
    return { images_per_second: (passes * validation.labels.length * 1000) / (performance.now() - start), ...scores };
  },
});
