//! The kernels against an independent oracle: the same products computed with ndarray (its `dot`,
//! its windows and slices, in f64), not with the naive twins that sit beside the kernels and were
//! written by the same hands. Dense and transposed matrix products, the sparse products of a
//! pruned layer, and a convolution's forward and backward passes, on odd shapes, strides and padding.
#![cfg(not(target_arch = "wasm32"))] // native: ndarray is a native dev-dependency

use ndarray::{s, Array1, Array2, Array4, ArrayView2, Axis};
use ticketlab::kernels::conv::{conv_backward, conv_forward, ConvGradients, ConvScratch, ConvShape};
use ticketlab::kernels::gemm::{gemm, Op, Shape};
use ticketlab::kernels::sparse::{
    sparse_backward_input, sparse_backward_weights, sparse_forward, SparsePattern, SparseScratch,
};
use ticketlab::kernels::test_support::{random_with_zeros as random, CONV_CASES};
use ticketlab::rng::{Rng, Stream};

fn f64s(values: &[f32]) -> Vec<f64> {
    values.iter().map(|&v| v as f64).collect()
}

/// Each entry within the rounding of an f32 sum of `terms` products of magnitude ≤ 1.
fn assert_close(fast: &[f32], oracle: impl IntoIterator<Item = f64>, terms: usize, what: &str) {
    let oracle: Vec<f64> = oracle.into_iter().collect();
    assert_eq!(fast.len(), oracle.len(), "{what}: lengths");
    for (index, (&a, &b)) in fast.iter().zip(&oracle).enumerate() {
        assert!((a as f64 - b).abs() <= 1e-6 * terms as f64 + 1e-6, "{what}[{index}]: {a} vs {b}");
    }
}

/// The stored matrix as ndarray sees it, transposed when `op` says so.
fn operand(values: &[f64], rows: usize, cols: usize, op: Op) -> ArrayView2<'_, f64> {
    let stored = ArrayView2::from_shape((rows, cols), values).unwrap();
    match op {
        Op::AsIs => stored,
        Op::Transposed => stored.reversed_axes(),
    }
}

#[test]
fn matrix_products_match_ndarray_in_every_orientation() {
    let mut rng = Rng::new(11, Stream::Scratch);
    for &(m, k, n) in &[(1, 1, 1), (3, 5, 7), (17, 9, 33), (64, 31, 10), (5, 300, 100)] {
        for op_a in [Op::AsIs, Op::Transposed] {
            for op_b in [Op::AsIs, Op::Transposed] {
                for accumulate in [false, true] {
                    let a = random(m * k, 0.3, &mut rng);
                    let b = random(k * n, 0.3, &mut rng);
                    let start = random(m * n, 0.0, &mut rng);
                    let (a64, b64) = (f64s(&a), f64s(&b));
                    let (a_rows, a_cols) = if op_a == Op::AsIs { (m, k) } else { (k, m) };
                    let (b_rows, b_cols) = if op_b == Op::AsIs { (k, n) } else { (n, k) };
                    let mut expected = operand(&a64, a_rows, a_cols, op_a).dot(&operand(&b64, b_rows, b_cols, op_b));
                    if accumulate {
                        expected += &Array2::from_shape_vec((m, n), f64s(&start)).unwrap();
                    }
                    let mut c = start;
                    gemm(Shape { m, k, n }, &a, op_a, &b, op_b, &mut c, accumulate);
                    let what = format!("gemm {m}x{k}x{n} {op_a:?} {op_b:?} accumulate {accumulate}");
                    assert_close(&c, expected.iter().copied(), k, &what);
                }
            }
        }
    }
}

#[test]
fn sparse_products_of_a_pruned_layer_match_ndarray_with_the_mask_applied() {
    let mut rng = Rng::new(12, Stream::Scratch);
    for &(batch, rows, cols, density) in &[(1, 7, 3, 0.5), (6, 40, 17, 0.2), (60, 300, 100, 0.05), (9, 12, 12, 1.0)] {
        let keep: Vec<bool> = (0..rows * cols).map(|_| rng.uniform_f64() < density).collect();
        let mut w = random(rows * cols, 0.0, &mut rng);
        w.iter_mut().zip(&keep).filter(|(_, &kept)| !kept).for_each(|(value, _)| *value = 0.0);
        let x = random(batch * rows, 0.4, &mut rng);
        let d_y = random(batch * cols, 0.2, &mut rng);
        let (w64, x64, d_y64) = (f64s(&w), f64s(&x), f64s(&d_y));
        let w_nd = ArrayView2::from_shape((rows, cols), &w64).unwrap();
        let x_nd = ArrayView2::from_shape((batch, rows), &x64).unwrap();
        let d_y_nd = ArrayView2::from_shape((batch, cols), &d_y64).unwrap();
        let what = format!("sparse batch {batch}, {rows}x{cols} at density {density}");

        let pattern = SparsePattern::from_mask(&keep, rows, cols);
        let mut scratch = SparseScratch::default();
        let mut y = vec![f32::NAN; batch * cols];
        sparse_forward(&pattern, &w, &x, &mut y, batch, &mut scratch);
        assert_close(&y, x_nd.dot(&w_nd), rows, &format!("y {what}"));

        // The gradient of the kept weights only: the pruned entries are not written.
        let mut d_w = vec![f32::NAN; rows * cols];
        sparse_backward_weights(&pattern, &d_y, &mut d_w, batch, &mut scratch);
        let d_w_expected = x_nd.t().dot(&d_y_nd);
        for (index, &kept) in keep.iter().enumerate() {
            if kept {
                assert_close(
                    &d_w[index..=index],
                    [d_w_expected.as_slice().unwrap()[index]],
                    batch,
                    &format!("d_w {what}"),
                );
            } else {
                assert!(d_w[index].is_nan(), "d_w {what}[{index}]: a pruned entry was written");
            }
        }

        let mut d_x = vec![f32::NAN; batch * rows];
        sparse_backward_input(&pattern, &w, &mut d_x, batch, &mut scratch);
        assert_close(&d_x, d_y_nd.dot(&w_nd.t()), cols, &format!("d_x {what}"));
    }
}

/// x (B, C, H, W) with `padding` zeros around each map.
fn padded(x: &[f64], batch: usize, shape: &ConvShape) -> Array4<f64> {
    let (c, h, w, p) = (shape.channels, shape.height, shape.width, shape.padding);
    let mut out = Array4::zeros((batch, c, h + 2 * p, w + 2 * p));
    let x = ndarray::ArrayView4::from_shape((batch, c, h, w), x).unwrap();
    out.slice_mut(s![.., .., p..p + h, p..p + w]).assign(&x);
    out
}

#[test]
fn convolutions_match_ndarray_windows_on_odd_shapes_strides_and_padding() {
    let mut rng = Rng::new(13, Stream::Scratch);
    // The unit tests' shapes, and LeNet-5's first layer on two images.
    let cases = CONV_CASES.into_iter().chain([(1, 28, 28, 6, 5, 1, 2, 2)]);
    for (channels, height, width, filters, kernel, stride, padding, batch) in cases {
        let shape = ConvShape { channels, height, width, filters, kernel, stride, padding };
        let (out_h, out_w) = shape.output_size().unwrap();
        let what = format!("{shape:?} batch {batch}");
        let w = random(filters * shape.patch(), 0.5, &mut rng);
        let bias = random(filters, 0.0, &mut rng);
        let x = random(batch * channels * height * width, 0.6, &mut rng);
        let d_y = random(batch * filters * out_h * out_w, 0.3, &mut rng);
        let (w64, x64, d_y64) = (f64s(&w), f64s(&x), f64s(&d_y));
        // The filters as a matrix (F, C·K·K), each patch of the padded input as a row: y = patches · Wᵀ.
        let w_nd = ArrayView2::from_shape((filters, shape.patch()), &w64).unwrap();
        let d_y_nd = Array4::from_shape_vec((batch, filters, out_h, out_w), d_y64).unwrap();
        let x_padded = padded(&x64, batch, &shape);
        let mut y_expected = Array4::<f64>::zeros((batch, filters, out_h, out_w));
        let mut d_w_expected = Array2::<f64>::zeros((filters, shape.patch()));
        let mut d_x_padded = Array4::<f64>::zeros(x_padded.dim());
        for image in 0..batch {
            let windows = x_padded.index_axis(Axis(0), image);
            for (position, window) in
                windows.windows_with_stride((channels, kernel, kernel), (1, stride, stride)).into_iter().enumerate()
            {
                let (oy, ox) = (position / out_w, position % out_w);
                let patch = Array1::from_iter(window.iter().copied());
                let outputs = w_nd.dot(&patch) + Array1::from_iter(bias.iter().map(|&b| b as f64));
                y_expected.slice_mut(s![image, .., oy, ox]).assign(&outputs);
                // Backward: each output's gradient flows to the weights through its patch, and to
                // the input window through the weights.
                let d_out = d_y_nd.slice(s![image, .., oy, ox]);
                d_w_expected += &d_out.insert_axis(Axis(1)).dot(&patch.view().insert_axis(Axis(0)));
                let d_patch = w_nd.t().dot(&d_out).into_shape_with_order((channels, kernel, kernel)).unwrap();
                let (y0, x0) = (oy * stride, ox * stride);
                let mut target = d_x_padded.slice_mut(s![image, .., y0..y0 + kernel, x0..x0 + kernel]);
                target += &d_patch;
            }
        }
        let mut scratch = ConvScratch::default();
        let mut y = vec![f32::NAN; batch * filters * out_h * out_w];
        conv_forward(&shape, &w, &bias, &x, &mut y, batch, &mut scratch);
        assert_close(&y, y_expected.iter().copied(), shape.patch(), &format!("y {what}"));

        let (mut d_w, mut d_b, mut d_x) = (vec![f32::NAN; w.len()], vec![f32::NAN; filters], vec![f32::NAN; x.len()]);
        let gradients = ConvGradients { weights: &mut d_w, bias: &mut d_b, input: Some(&mut d_x) };
        conv_backward(&shape, &w, &x, &d_y, gradients, batch, &mut scratch);
        let pixels = batch * out_h * out_w;
        assert_close(&d_w, d_w_expected.iter().copied(), pixels, &format!("d_w {what}"));
        let d_b_expected = d_y_nd.sum_axis(Axis(3)).sum_axis(Axis(2)).sum_axis(Axis(0));
        assert_close(&d_b, d_b_expected.iter().copied(), pixels, &format!("d_bias {what}"));
        let d_x_expected = d_x_padded.slice(s![.., .., padding..padding + height, padding..padding + width]);
        assert_close(&d_x, d_x_expected.iter().copied(), filters * kernel * kernel, &format!("d_x {what}"));
    }
}
