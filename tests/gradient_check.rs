//! Finite-difference (central difference) checks of every analytic gradient: the loss, the dense
//! layer, the ReLU, convolution and max pooling, and the whole model's backward pass.
//!
//! Everything runs in f32, so each check compares with a mixed tolerance
//! |analytic − numerical| <= abs_tol + rel_tol · max(|analytic|, |numerical|), where abs_tol covers
//! the f32 rounding of the function value divided by the step 2h (see each check), and rel_tol
//! covers the rounding of the analytic gradient itself plus the O(h²) truncation error.
//! Every check also asserts that the gradients it compares are far from zero, so a backward pass
//! that wrote nothing could not pass.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

use ticketlab::kernels::elementwise::{relu_backward, relu_forward};
use ticketlab::nn::dense::{Dense, Pass};
use ticketlab::nn::init::Init;
use ticketlab::nn::loss::softmax_cross_entropy;
use ticketlab::nn::{Model, ModelSpec, TensorKind, Workspace};
use ticketlab::rng::{Rng, Stream};

/// Uniform values in [-scale, scale).
fn random_values(len: usize, scale: f32, rng: &mut Rng) -> Vec<f32> {
    (0..len).map(|_| (rng.uniform_f32() * 2.0 - 1.0) * scale).collect()
}

/// Central difference of `f` with respect to `values[index]`, restoring the value afterwards.
/// The step actually taken is (x + h) − (x − h) as rounded in f32, not the nominal 2h.
fn central_difference(values: &mut [f32], index: usize, h: f32, mut f: impl FnMut(&[f32]) -> f64) -> f64 {
    let original = values[index];
    let (plus, minus) = (original + h, original - h);
    values[index] = plus;
    let f_plus = f(values);
    values[index] = minus;
    let f_minus = f(values);
    values[index] = original;
    (f_plus - f_minus) / (plus as f64 - minus as f64)
}

struct Tolerance {
    abs: f64,
    rel: f64,
}

/// Asserts every analytic entry matches its numerical twin, and that the gradient is not trivial.
fn assert_gradients_match(what: &str, analytic: &[f32], numerical: &[f64], tolerance: &Tolerance) {
    assert_eq!(analytic.len(), numerical.len(), "{what}: lengths differ");
    let mut worst = 0.0f64;
    for (index, (&a, &n)) in analytic.iter().zip(numerical).enumerate() {
        let a = a as f64;
        let error = (a - n).abs();
        let allowed = tolerance.abs + tolerance.rel * a.abs().max(n.abs());
        assert!(
            error <= allowed,
            "{what}[{index}]: analytic {a:.7} vs numerical {n:.7} (error {error:.2e} > {allowed:.2e})"
        );
        worst = worst.max(error / allowed);
    }
    let largest = analytic.iter().fold(0.0f64, |m, &a| m.max((a as f64).abs()));
    assert!(
        largest > 20.0 * tolerance.abs,
        "{what}: the largest gradient entry {largest:.2e} is too close to the tolerance for the check to mean anything"
    );
    eprintln!("{what}: {} entries, worst error {:.0}% of the allowed", analytic.len(), worst * 100.0);
}

/// L = Σ y ⊙ r in f64: a linear probe whose gradient with respect to y is exactly r.
fn probe_loss(y: &[f32], r: &[f32]) -> f64 {
    y.iter().zip(r).map(|(&y, &r)| y as f64 * r as f64).sum()
}

#[test]
fn softmax_cross_entropy_gradient_is_the_derivative_of_the_mean_loss() {
    let (batch, classes) = (4, 10);
    let mut rng = Rng::new(1, Stream::Scratch);
    let mut logits = random_values(batch * classes, 3.0, &mut rng);
    let labels: Vec<u8> = (0..batch).map(|_| rng.below(classes as u32) as u8).collect();

    let mut d_logits = vec![f32::NAN; batch * classes];
    let stats = softmax_cross_entropy(&logits, &labels, classes, Some(&mut d_logits));
    assert_eq!(stats.examples, batch);

    let mean_loss = |logits: &[f32]| softmax_cross_entropy(logits, &labels, classes, None).loss_sum / batch as f64;
    let h = 1e-2;
    let numerical: Vec<f64> =
        (0..logits.len()).map(|index| central_difference(&mut logits, index, h, mean_loss)).collect();
    // Each row's loss (≈ 2-5) is computed in f32: ~1e-6 absolute rounding, /batch, then /2h = 0.02
    // gives ~1e-5; 5e-5 leaves room. The truncation error h²/6·f''' is below 1e-5 for softmax.
    assert_gradients_match("d_logits", &d_logits, &numerical, &Tolerance { abs: 5e-5, rel: 1e-3 });
}

#[test]
fn dense_backward_matches_finite_differences_of_a_linear_probe() {
    let (inputs, outputs, batch) = (7, 5, 3);
    // Offsets away from 0 with a gap between W and b, so a layer that ignored them would be caught.
    let dense = Dense { inputs, outputs, weight_offset: 3, bias_offset: 3 + inputs * outputs + 2, sparse: None };
    let mut scratch = ticketlab::kernels::sparse::SparseScratch::default();
    let param_count = dense.bias_offset + outputs + 4;
    let mut rng = Rng::new(2, Stream::Scratch);
    let mut params = random_values(param_count, 1.0, &mut rng);
    let mut x = random_values(batch * inputs, 1.0, &mut rng);
    let r = random_values(batch * outputs, 1.0, &mut rng);

    const UNTOUCHED: f32 = 12345.0;
    let mut grads = vec![UNTOUCHED; param_count];
    let mut d_x = vec![f32::NAN; batch * inputs];
    dense.backward(&params, &x, &r, &mut grads, Some(&mut d_x), &mut scratch);

    let mut y = vec![0.0; batch * outputs];
    let weight_range = dense.weight_offset..dense.weight_offset + inputs * outputs;
    let bias_range = dense.bias_offset..dense.bias_offset + outputs;
    for (index, &g) in grads.iter().enumerate() {
        if !weight_range.contains(&index) && !bias_range.contains(&index) {
            assert_eq!(g, UNTOUCHED, "backward wrote grads[{index}], outside the layer's W and b");
        }
    }

    // The probe is linear in W, b and x, so there is no truncation error, only rounding: each y is
    // an f32 sum of 7 products and a bias (|y| <= ~3, rounding ~2e-7), L sums 15 of them times
    // |r| <= 1, so L is off by ~3e-6 at worst, which over 2h = 0.02 gives 1.5e-4; hence 2e-4.
    let h = 1e-2;
    let tolerance = Tolerance { abs: 2e-4, rel: 1e-4 };
    let mut loss_of_params = |params: &[f32]| {
        dense.forward(params, &x, &mut y, batch, Pass::Training, &mut scratch);
        probe_loss(&y, &r)
    };
    let numerical_weights: Vec<f64> =
        weight_range.clone().map(|i| central_difference(&mut params, i, h, &mut loss_of_params)).collect();
    let numerical_bias: Vec<f64> =
        bias_range.clone().map(|i| central_difference(&mut params, i, h, &mut loss_of_params)).collect();
    assert_gradients_match("d_W", &grads[weight_range], &numerical_weights, &tolerance);
    assert_gradients_match("d_b", &grads[bias_range], &numerical_bias, &tolerance);

    let mut loss_of_x = |x: &[f32]| {
        dense.forward(&params, x, &mut y, batch, Pass::Training, &mut scratch);
        probe_loss(&y, &r)
    };
    let numerical_x: Vec<f64> = (0..x.len()).map(|i| central_difference(&mut x, i, h, &mut loss_of_x)).collect();
    assert_gradients_match("d_x", &d_x, &numerical_x, &tolerance);
}

#[test]
fn relu_backward_matches_finite_differences_away_from_the_kink() {
    let width = 4 * 9;
    let mut rng = Rng::new(3, Stream::Scratch);
    // |x| in [0.1, 1): a step of h = 1e-2 never crosses the kink at 0.
    let mut x: Vec<f32> = (0..width)
        .map(|_| {
            let magnitude = 0.1 + 0.9 * rng.uniform_f32();
            if rng.below(2) == 0 {
                magnitude
            } else {
                -magnitude
            }
        })
        .collect();
    assert!(x.iter().any(|&v| v > 0.0) && x.iter().any(|&v| v < 0.0), "both sides of the kink are tested");
    let r = random_values(width, 1.0, &mut rng);

    let mut y = vec![0.0; width];
    relu_forward(&x, &mut y);
    let mut d_x = vec![f32::NAN; width];
    relu_backward(&y, &r, &mut d_x);

    let loss = |x: &[f32]| {
        let mut y = vec![0.0; x.len()];
        relu_forward(x, &mut y);
        probe_loss(&y, &r)
    };
    let numerical: Vec<f64> = (0..width).map(|i| central_difference(&mut x, i, 1e-2, loss)).collect();
    // Piecewise linear and exact in f32 (y = x or 0): the only error is the f64 sum of ~36 products,
    // far below 1e-6 relative; 1e-5 absolute over the 0.02 step is generous.
    assert_gradients_match("relu d_x", &d_x, &numerical, &Tolerance { abs: 1e-5, rel: 1e-5 });
}

/// The smallest |pre-activation| of any hidden unit over the batch, computed in f64 from the
/// parameter views: how far the model is from a ReLU kink.
fn smallest_hidden_preactivation(model: &Model, x: &[f32], batch: usize) -> f64 {
    let mut activations: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut width = model.inputs();
    let mut smallest = f64::INFINITY;
    let layers: Vec<_> = model.layout.chunks(2).collect();
    for (layer_index, pair) in layers.iter().enumerate() {
        let (weight, bias) = (&pair[0], &pair[1]);
        let (fan_in, fan_out) = (weight.shape[0], weight.shape[1]);
        assert_eq!(fan_in, width);
        let w = &model.params[weight.range()];
        let b = &model.params[bias.range()];
        let mut next = vec![0.0f64; batch * fan_out];
        for row in 0..batch {
            for j in 0..fan_out {
                let z = b[j] as f64
                    + (0..fan_in).map(|i| activations[row * fan_in + i] * w[i * fan_out + j] as f64).sum::<f64>();
                let hidden = layer_index + 1 < layers.len();
                if hidden {
                    smallest = smallest.min(z.abs());
                }
                next[row * fan_out + j] = if hidden { z.max(0.0) } else { z };
            }
        }
        activations = next;
        width = fan_out;
    }
    smallest
}

/// Biases start at zero; gives them values in [-0.5, 0.5) so their effect is not special-cased
/// by accident.
fn randomise_biases(model: &mut Model, rng: &mut Rng) {
    let bias_ranges: Vec<_> = model.layout.iter().filter(|t| t.kind == TensorKind::Bias).map(|t| t.range()).collect();
    for range in bias_ranges {
        for b in &mut model.params[range] {
            *b = (rng.uniform_f32() * 2.0 - 1.0) * 0.5;
        }
    }
}

/// Central differences of the model's mean loss on (x, labels) with respect to every parameter.
fn numerical_model_gradients(model: &mut Model, x: &[f32], labels: &[u8], h: f32) -> Vec<f64> {
    let mut workspace = Workspace::default();
    (0..model.params.len())
        .map(|index| {
            let original = model.params[index];
            let (plus, minus) = (original + h, original - h);
            model.params[index] = plus;
            let loss_plus = model.evaluate(x, labels, &mut workspace).mean_loss();
            model.params[index] = minus;
            let loss_minus = model.evaluate(x, labels, &mut workspace).mean_loss();
            model.params[index] = original;
            (loss_plus - loss_minus) / (plus as f64 - minus as f64)
        })
        .collect()
}

#[test]
fn model_gradients_match_finite_differences_of_the_mean_loss() {
    let spec = ModelSpec::mlp(6, &[5, 4], 3);
    let mut model = Model::new(spec, Init::GlorotNormal, &mut Rng::new(5, Stream::WeightInit));
    let mut rng = Rng::new(5, Stream::Scratch);
    randomise_biases(&mut model, &mut rng);
    let batch = 4;
    let x = random_values(batch * 6, 1.0, &mut rng);
    let labels: Vec<u8> = (0..batch).map(|_| rng.below(3) as u8).collect();

    let h = 3e-3;
    // A step of h on one parameter moves any pre-activation by at most h·(largest |input or
    // activation| ≈ 2)·(largest |weight| ≈ 2) ≈ 1e-2; keep every hidden unit further than that
    // from 0, so no central difference straddles a kink.
    let margin = smallest_hidden_preactivation(&model, &x, batch);
    assert!(margin > 0.02, "a hidden pre-activation is {margin:.4} from the ReLU kink: choose other seeds");

    let mut workspace = Workspace::default();
    let mut d_logits = Vec::new();
    let mut grads = vec![f32::NAN; model.params.len()];
    let stats = model.loss_and_gradients(&x, &labels, &mut workspace, &mut d_logits, &mut grads);
    assert!(stats.mean_loss().is_finite());

    let numerical = numerical_model_gradients(&mut model, &x, &labels, h);
    // The mean loss (≈ 1) carries f32 rounding from the forward pass and the per-row loss, a few
    // 1e-7 at worst; divided by 2h = 6e-3 that is up to ~1e-4, hence abs 1e-4. The truncation
    // error h²/6·f''' (≈ 2e-6 with the softmax's curvature of order 1) fits in rel 1e-3 of
    // gradients of order 0.01-0.1.
    let tolerance = Tolerance { abs: 1e-4, rel: 1e-3 };
    for tensor in &model.layout {
        assert_gradients_match(&tensor.name, &grads[tensor.range()], &numerical[tensor.range()], &tolerance);
    }
}

#[test]
fn convolution_backward_matches_finite_differences_of_a_linear_probe() {
    use ticketlab::kernels::conv::{conv_backward, conv_forward, ConvGradients, ConvScratch, ConvShape};
    let shape = ConvShape { channels: 2, height: 6, width: 5, filters: 3, kernel: 3, stride: 2, padding: 1 };
    let batch = 2;
    let (out_h, out_w) = shape.output_size().unwrap();
    let mut rng = Rng::new(4, Stream::Scratch);
    let mut w = random_values(shape.filters * shape.patch(), 1.0, &mut rng);
    let mut bias = random_values(shape.filters, 1.0, &mut rng);
    let mut x = random_values(batch * shape.channels * shape.height * shape.width, 1.0, &mut rng);
    let r = random_values(batch * shape.filters * out_h * out_w, 1.0, &mut rng);
    let mut scratch = ConvScratch::default();
    let mut y = vec![0.0; r.len()];

    conv_forward(&shape, &w, &bias, &x, &mut y, batch, &mut scratch);
    let (mut d_w, mut d_bias, mut d_x) = (vec![f32::NAN; w.len()], vec![f32::NAN; bias.len()], vec![f32::NAN; x.len()]);
    let gradients = ConvGradients { weights: &mut d_w, bias: &mut d_bias, input: Some(&mut d_x) };
    conv_backward(&shape, &w, &x, &r, gradients, batch, &mut scratch);

    // Linear in w, b and x: rounding only. Each y sums at most 18 products and a bias (|y| <= ~10,
    // rounding ~1e-6); L sums 36 of them times |r| <= 1: ~4e-5, over 2h = 0.02 gives 2e-3.
    let h = 1e-2;
    let tolerance = Tolerance { abs: 2e-3, rel: 1e-4 };
    let mut probe = |w: &[f32], bias: &[f32], x: &[f32]| {
        let mut scratch = ConvScratch::default();
        conv_forward(&shape, w, bias, x, &mut y, batch, &mut scratch);
        probe_loss(&y, &r)
    };
    let (w0, b0, x0) = (w.clone(), bias.clone(), x.clone());
    let numerical_w: Vec<f64> =
        (0..w.len()).map(|i| central_difference(&mut w, i, h, |w| probe(w, &b0, &x0))).collect();
    let numerical_b: Vec<f64> =
        (0..bias.len()).map(|i| central_difference(&mut bias, i, h, |b| probe(&w0, b, &x0))).collect();
    let numerical_x: Vec<f64> =
        (0..x.len()).map(|i| central_difference(&mut x, i, h, |x| probe(&w0, &b0, x))).collect();
    assert_gradients_match("conv d_W", &d_w, &numerical_w, &tolerance);
    assert_gradients_match("conv d_b", &d_bias, &numerical_b, &tolerance);
    assert_gradients_match("conv d_x", &d_x, &numerical_x, &tolerance);
}

#[test]
fn max_pool_backward_matches_finite_differences_away_from_ties() {
    use ticketlab::kernels::conv::{max_pool_backward, max_pool_forward, PoolShape};
    let shape = PoolShape { channels: 2, height: 4, width: 6, size: 2 };
    let batch = 2;
    let (out_h, out_w) = shape.output_size().unwrap();
    let mut rng = Rng::new(6, Stream::Scratch);
    // Distinct values at least 0.05 apart (a shuffled ramp), so a step of h = 1e-2 never changes
    // which element is a window's maximum.
    let len = batch * shape.channels * shape.height * shape.width;
    let mut x: Vec<f32> = (0..len).map(|i| i as f32 * 0.05 - 1.0).collect();
    rng.shuffle(&mut x);
    let r = random_values(batch * shape.channels * out_h * out_w, 1.0, &mut rng);
    let (mut y, mut argmax) = (vec![0.0; r.len()], Vec::new());
    max_pool_forward(&shape, &x, &mut y, &mut argmax, batch);
    let mut d_x = vec![f32::NAN; len];
    max_pool_backward(&r, &argmax, &mut d_x);

    let numerical: Vec<f64> = (0..len)
        .map(|i| {
            central_difference(&mut x, i, 1e-2, |x| {
                let (mut y, mut argmax) = (vec![0.0; r.len()], Vec::new());
                max_pool_forward(&shape, x, &mut y, &mut argmax, batch);
                probe_loss(&y, &r)
            })
        })
        .collect();
    // A selected element's gradient is exactly its r; the probe sums 12 terms: rounding ~1e-6 / 0.02.
    assert_gradients_match("max pool d_x", &d_x, &numerical, &Tolerance { abs: 1e-4, rel: 1e-4 });
}

/// A network of `architecture` on 2×6×6 images with 3 classes, seeded by `seed`, with random biases:
/// its backpropagated gradients of the mean loss over a batch of 3, checked against finite
/// differences tensor by tensor. Returns the model, to check more about it.
fn check_cnn_gradients(architecture: &str, seed: u64) -> Model {
    use ticketlab::nn::architecture::Activation;
    let spec = ModelSpec::from_architecture(architecture, Activation::image(2, 6, 6), 3).expect("valid architecture");
    let mut model = Model::new(spec, Init::GlorotNormal, &mut Rng::new(seed, Stream::WeightInit));
    let mut rng = Rng::new(seed, Stream::Scratch);
    randomise_biases(&mut model, &mut rng);
    let batch = 3;
    let x = random_values(batch * 2 * 6 * 6, 1.0, &mut rng);
    let labels: Vec<u8> = (0..batch).map(|_| rng.below(3) as u8).collect();

    let mut workspace = Workspace::default();
    let mut d_logits = Vec::new();
    let mut grads = vec![f32::NAN; model.params.len()];
    model.loss_and_gradients(&x, &labels, &mut workspace, &mut d_logits, &mut grads);
    // A step this small keeps every ReLU and every pooling window on the same side of its kink
    // for these seeds (a kink crossed would show as one wildly wrong entry).
    let numerical = numerical_model_gradients(&mut model, &x, &labels, 3e-3);
    let tolerance = Tolerance { abs: 1e-4, rel: 1e-3 };
    for tensor in &model.layout {
        let what = format!("{architecture}: {}", tensor.name);
        assert_gradients_match(&what, &grads[tensor.range()], &numerical[tensor.range()], &tolerance);
    }
    model
}

#[test]
fn a_convolutional_models_gradients_match_finite_differences_of_the_mean_loss() {
    // Every layer kind: padded and unpadded convolutions, pooling, ReLUs, fully connected layers.
    let model = check_cnn_gradients("conv:3x3p1,pool,conv:2x2,fc:4,fc:3", 8);
    let names: Vec<&str> = model.layout.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "conv1.weight",
            "conv1.bias",
            "conv2.weight",
            "conv2.bias",
            "fc1.weight",
            "fc1.bias",
            "fc2.weight",
            "fc2.bias"
        ]
    );
}

#[test]
fn models_that_start_with_pooling_have_the_gradients_of_finite_differences() {
    // A leading pool has no parameters and nothing before it to learn: the backward pass stops
    // at the first layer with parameters (it once wrote a pool's input gradient into a buffer
    // never sized for it). Two pools in a row, and a pool straight into fc, too.
    for architecture in ["pool,conv:2x2,fc:3", "pool,pool:3,fc:4,fc:3", "pool,fc:3"] {
        check_cnn_gradients(architecture, 9);
    }
}
