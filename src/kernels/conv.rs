//! 2-D convolution and max pooling, NCHW (PyTorch's layout, so an exported ticket's conv weights
//! (filters, channels, kh, kw) load there as they are).
//!
//! Convolution runs through the dense kernel, one image at a time (its columns stay in cache): the
//! image's input patches are laid out as columns (im2col: one row per (channel, ky, kx), one
//! column per output pixel), and
//!
//!   forward:  out (F, OH·OW) = W (F, C·KH·KW) · cols
//!   d_W:      d_W (F, C·KH·KW) += d_out · colsᵀ       (summed over the images in order)
//!   d_x:      d_cols = Wᵀ · d_out, then each column added back where its patch came from (col2im)
//!
//! The backward pass rebuilds each image's columns rather than keeping the batch's (for Conv-2 at
//! the paper's width they would take over 100 MB).
//!
//! `gemm` skips the zeros of its left operand, so pruned filter weights cost nothing in the
//! forward pass and in d_x, and dead ReLUs nothing in d_W. Each fast function has its naive twin
//! below (direct loops over the definition), the oracle of the tests.

use crate::kernels::gemm::{gemm, Op, Shape};

/// The geometry of a convolution: square kernel, the same stride and zero padding on both axes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub filters: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: usize,
}

impl ConvShape {
    /// Output height and width, or None when the kernel does not fit the padded input (or the
    /// padded input's size overflows).
    pub fn output_size(&self) -> Option<(usize, usize)> {
        let span = |size: usize| {
            let padded = self.padding.checked_mul(2)?.checked_add(size)?;
            (self.stride > 0 && self.kernel > 0 && padded >= self.kernel)
                .then(|| (padded - self.kernel) / self.stride + 1)
        };
        Some((span(self.height)?, span(self.width)?))
    }

    /// Weights per filter: C·KH·KW.
    pub fn patch(&self) -> usize {
        self.channels * self.kernel * self.kernel
    }

    fn output(&self) -> (usize, usize) {
        self.output_size().expect("convolution shape checked when the model was built")
    }

    /// The input pixel (y, x) that output pixel (oy, ox) sees through kernel tap (ky, kx), or None
    /// in the zero padding.
    fn source(&self, oy: usize, ox: usize, ky: usize, kx: usize) -> Option<(usize, usize)> {
        let y = (oy * self.stride + ky).checked_sub(self.padding)?;
        let x = (ox * self.stride + kx).checked_sub(self.padding)?;
        (y < self.height && x < self.width).then_some((y, x))
    }

    /// The output positions o (of `outputs`) whose tap `tap` reads inside an input of `size`:
    /// 0 <= o·stride + tap − padding < size. Outside them the tap reads the zero padding.
    fn inside(&self, tap: usize, size: usize, outputs: usize) -> std::ops::Range<usize> {
        let first = self.padding.saturating_sub(tap).div_ceil(self.stride);
        // o·stride + tap − padding <= size − 1  <=>  o <= (size − 1 + padding − tap) / stride
        let end = match (size + self.padding).checked_sub(tap + 1) {
            Some(limit) => (limit / self.stride + 1).min(outputs),
            None => 0,
        };
        first..end.max(first)
    }
}

/// One run of a kernel tap in one image: the output columns of one output row whose tap reads
/// inside the input, where they start in the image's `cols` (C·KH·KW, OH·OW), and where the first
/// of them reads in the image's x (C, H, W); successive columns read `stride` apart.
struct TapRun {
    cols_start: usize,
    len: usize,
    x_start: usize,
}

/// Every run of every kernel tap (c, ky, kx) and output row of one image, in the order tap, row
/// (col2im's sums depend on it). Taps that read only zero padding have no runs.
fn for_each_tap_run(shape: &ConvShape, mut visit: impl FnMut(TapRun)) {
    let (out_h, out_w) = shape.output();
    let (k, pixels, plane) = (shape.kernel, out_h * out_w, shape.height * shape.width);
    for c in 0..shape.channels {
        for ky in 0..k {
            let rows = shape.inside(ky, shape.height, out_h);
            for kx in 0..k {
                let outputs = shape.inside(kx, shape.width, out_w);
                if outputs.is_empty() {
                    continue;
                }
                let tap = (c * k + ky) * k + kx;
                let x_of_first = outputs.start * shape.stride + kx - shape.padding;
                for oy in rows.clone() {
                    let y = oy * shape.stride + ky - shape.padding;
                    visit(TapRun {
                        cols_start: tap * pixels + oy * out_w + outputs.start,
                        len: outputs.len(),
                        x_start: c * plane + y * shape.width + x_of_first,
                    });
                }
            }
        }
    }
}

/// cols (C·KH·KW, OH·OW) from one image's x (C, H, W).
fn im2col(shape: &ConvShape, x: &[f32], cols: &mut Vec<f32>) {
    let (out_h, out_w) = shape.output();
    cols.clear();
    cols.resize(shape.patch() * out_h * out_w, 0.0);
    for_each_tap_run(shape, |run| {
        let out = &mut cols[run.cols_start..][..run.len];
        let source = &x[run.x_start..];
        if shape.stride == 1 {
            out.copy_from_slice(&source[..run.len]);
        } else {
            for (i, value) in out.iter_mut().enumerate() {
                *value = source[i * shape.stride];
            }
        }
    });
}

/// One image's d_x (C, H, W) = the sum, over every patch column, of d_cols added where it came from.
fn col2im(shape: &ConvShape, d_cols: &[f32], d_x: &mut [f32]) {
    d_x.fill(0.0);
    for_each_tap_run(shape, |run| {
        let target = &mut d_x[run.x_start..];
        let gradients = &d_cols[run.cols_start..][..run.len];
        if shape.stride == 1 {
            // A slice add, which the compiler vectorises.
            for (t, &g) in target[..run.len].iter_mut().zip(gradients) {
                *t += g;
            }
        } else {
            for (i, &g) in gradients.iter().enumerate() {
                target[i * shape.stride] += g;
            }
        }
    });
}

/// Buffers reused from step to step: one image's patch columns and their gradient.
#[derive(Default)]
pub struct ConvScratch {
    cols: Vec<f32>,
    d_cols: Vec<f32>,
}

/// y (B, F, OH, OW) = conv(x (B, C, H, W), w (F, C, KH, KW)) + bias (F), image by image (one
/// image's columns stay in cache, and its product lands in y's layout as it is).
pub fn conv_forward(
    shape: &ConvShape,
    w: &[f32],
    bias: &[f32],
    x: &[f32],
    y: &mut [f32],
    batch: usize,
    scratch: &mut ConvScratch,
) {
    let (out_h, out_w) = shape.output();
    let pixels = out_h * out_w;
    let product = Shape { m: shape.filters, k: shape.patch(), n: pixels };
    let (image_in, image_out) = (shape.channels * shape.height * shape.width, shape.filters * pixels);
    for (x, y) in x.chunks_exact(image_in).zip(y.chunks_exact_mut(image_out)).take(batch) {
        im2col(shape, x, &mut scratch.cols);
        gemm(product, w, Op::AsIs, &scratch.cols, Op::AsIs, y, false);
        for (map, &b) in y.chunks_exact_mut(pixels).zip(bias) {
            for value in map {
                *value += b;
            }
        }
    }
}

/// Where a convolution's backward pass writes: d_w (F, C, KH, KW), d_bias (F), and d_x
/// (B, C, H, W) when asked for (the first layer's is never needed).
pub struct ConvGradients<'a> {
    pub weights: &'a mut [f32],
    pub bias: &'a mut [f32],
    pub input: Option<&'a mut [f32]>,
}

/// The gradients of a convolution of x (B, C, H, W) from d_y (B, F, OH, OW), image by image.
/// d_w and d_bias sum over the images in order, as one product over the whole batch would.
pub fn conv_backward(
    shape: &ConvShape,
    w: &[f32],
    x: &[f32],
    d_y: &[f32],
    gradients: ConvGradients,
    batch: usize,
    scratch: &mut ConvScratch,
) {
    let ConvGradients { weights: d_w, bias: d_bias, mut input } = gradients;
    let (out_h, out_w) = shape.output();
    let pixels = out_h * out_w;
    let (image_in, image_out) = (shape.channels * shape.height * shape.width, shape.filters * pixels);
    d_bias.fill(0.0);
    let weights = Shape { m: shape.filters, k: pixels, n: shape.patch() };
    let inputs = Shape { m: shape.patch(), k: shape.filters, n: pixels };
    for (b, (x, d_out)) in x.chunks_exact(image_in).zip(d_y.chunks_exact(image_out)).take(batch).enumerate() {
        for (sum, map) in d_bias.iter_mut().zip(d_out.chunks_exact(pixels)) {
            for &g in map {
                *sum += g;
            }
        }
        im2col(shape, x, &mut scratch.cols);
        gemm(weights, d_out, Op::AsIs, &scratch.cols, Op::Transposed, d_w, b > 0);
        if let Some(d_x) = input.as_deref_mut() {
            scratch.d_cols.resize(shape.patch() * pixels, 0.0);
            gemm(inputs, w, Op::Transposed, d_out, Op::AsIs, &mut scratch.d_cols, false);
            col2im(shape, &scratch.d_cols, &mut d_x[b * image_in..][..image_in]);
        }
    }
}

/// The naive twin of [`conv_forward`]: the definition, summed in f64.
pub fn conv_forward_naive(shape: &ConvShape, w: &[f32], bias: &[f32], x: &[f32], y: &mut [f32], batch: usize) {
    let (out_h, out_w) = shape.output();
    let (c_n, h, wd, k) = (shape.channels, shape.height, shape.width, shape.kernel);
    for b in 0..batch {
        for f in 0..shape.filters {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    let mut sum = bias[f] as f64;
                    for c in 0..c_n {
                        for ky in 0..k {
                            for kx in 0..k {
                                if let Some((yy, xx)) = shape.source(oy, ox, ky, kx) {
                                    sum += w[((f * c_n + c) * k + ky) * k + kx] as f64
                                        * x[((b * c_n + c) * h + yy) * wd + xx] as f64;
                                }
                            }
                        }
                    }
                    y[((b * shape.filters + f) * out_h + oy) * out_w + ox] = sum as f32;
                }
            }
        }
    }
}

/// The naive twin of [`conv_backward`]: every gradient straight from the definition, in f64
/// (d_x is always written).
pub fn conv_backward_naive(
    shape: &ConvShape,
    w: &[f32],
    x: &[f32],
    d_y: &[f32],
    gradients: ConvGradients,
    batch: usize,
) {
    let ConvGradients { weights: d_w, bias: d_bias, input: d_x } = gradients;
    let d_x = d_x.expect("the naive twin computes d_x");
    let (out_h, out_w) = shape.output();
    let (c_n, h, wd, k) = (shape.channels, shape.height, shape.width, shape.kernel);
    let mut d_w64 = vec![0.0f64; d_w.len()];
    let mut d_x64 = vec![0.0f64; batch * c_n * h * wd];
    let mut d_bias64 = vec![0.0f64; shape.filters];
    for b in 0..batch {
        for f in 0..shape.filters {
            for oy in 0..out_h {
                for ox in 0..out_w {
                    let g = d_y[((b * shape.filters + f) * out_h + oy) * out_w + ox] as f64;
                    d_bias64[f] += g;
                    for c in 0..c_n {
                        for ky in 0..k {
                            for kx in 0..k {
                                if let Some((yy, xx)) = shape.source(oy, ox, ky, kx) {
                                    let wi = ((f * c_n + c) * k + ky) * k + kx;
                                    let xi = ((b * c_n + c) * h + yy) * wd + xx;
                                    d_w64[wi] += g * x[xi] as f64;
                                    d_x64[xi] += g * w[wi] as f64;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    let round = |from: &[f64], to: &mut [f32]| to.iter_mut().zip(from).for_each(|(t, &f)| *t = f as f32);
    round(&d_w64, d_w);
    round(&d_x64, d_x);
    round(&d_bias64, d_bias);
}

/// Max pooling over non-overlapping `size`×`size` windows (the last partial row or column of
/// windows is dropped, as in PyTorch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub size: usize,
}

impl PoolShape {
    /// Output height and width, or None when a window does not fit.
    pub fn output_size(&self) -> Option<(usize, usize)> {
        (self.size > 0 && self.height >= self.size && self.width >= self.size)
            .then(|| (self.height / self.size, self.width / self.size))
    }
}

/// y (B, C, H/s, W/s) = the maximum of each window; `argmax` keeps where each came from (the
/// first maximum in reading order) for the backward pass.
pub fn max_pool_forward(shape: &PoolShape, x: &[f32], y: &mut [f32], argmax: &mut Vec<u32>, batch: usize) {
    let (out_h, out_w) = shape.output_size().expect("pooling shape checked when the model was built");
    let (h, w, s) = (shape.height, shape.width, shape.size);
    argmax.clear();
    for plane in 0..batch * shape.channels {
        let input = &x[plane * h * w..][..h * w];
        for oy in 0..out_h {
            for ox in 0..out_w {
                let mut best = (oy * s) * w + ox * s;
                for ky in 0..s {
                    for kx in 0..s {
                        let at = (oy * s + ky) * w + ox * s + kx;
                        if input[at] > input[best] {
                            best = at;
                        }
                    }
                }
                y[(plane * out_h + oy) * out_w + ox] = input[best];
                argmax.push((plane * h * w + best) as u32);
            }
        }
    }
}

/// d_x = d_y routed back to the argmax of each window, 0 elsewhere.
pub fn max_pool_backward(d_y: &[f32], argmax: &[u32], d_x: &mut [f32]) {
    d_x.fill(0.0);
    for (&g, &at) in d_y.iter().zip(argmax) {
        d_x[at as usize] += g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::test_support::{assert_close, random_with_zeros as random, CONV_CASES};
    use crate::rng::{Rng, Stream};

    #[test]
    fn convolution_matches_its_naive_twin_on_odd_shapes_strides_and_padding() {
        let mut rng = Rng::new(5, Stream::Scratch);
        for (channels, height, width, filters, kernel, stride, padding, batch) in CONV_CASES {
            let shape = ConvShape { channels, height, width, filters, kernel, stride, padding };
            let (out_h, out_w) = shape.output_size().unwrap();
            let case = format!("{shape:?} batch {batch}");
            // Pruned-looking weights and image-like inputs: both with exact zeros.
            let w = random(filters * shape.patch(), 0.5, &mut rng);
            let bias = random(filters, 0.0, &mut rng);
            let x = random(batch * channels * height * width, 0.6, &mut rng);
            let d_y = random(batch * filters * out_h * out_w, 0.3, &mut rng);
            let out_len = batch * filters * out_h * out_w;

            let mut scratch = ConvScratch::default();
            let (mut y, mut y_naive) = (vec![f32::NAN; out_len], vec![f32::NAN; out_len]);
            conv_forward(&shape, &w, &bias, &x, &mut y, batch, &mut scratch);
            conv_forward_naive(&shape, &w, &bias, &x, &mut y_naive, batch);
            assert_close(&y, &y_naive, shape.patch(), &format!("y {case}"));

            let (mut d_w, mut d_w_naive) = (vec![f32::NAN; w.len()], vec![f32::NAN; w.len()]);
            let (mut d_b, mut d_b_naive) = (vec![f32::NAN; filters], vec![f32::NAN; filters]);
            let (mut d_x, mut d_x_naive) = (vec![f32::NAN; x.len()], vec![f32::NAN; x.len()]);
            let gradients = ConvGradients { weights: &mut d_w, bias: &mut d_b, input: Some(&mut d_x) };
            conv_backward(&shape, &w, &x, &d_y, gradients, batch, &mut scratch);
            let naive = ConvGradients { weights: &mut d_w_naive, bias: &mut d_b_naive, input: Some(&mut d_x_naive) };
            conv_backward_naive(&shape, &w, &x, &d_y, naive, batch);
            let pixels = batch * out_h * out_w;
            assert_close(&d_w, &d_w_naive, pixels, &format!("d_w {case}"));
            assert_close(&d_b, &d_b_naive, pixels, &format!("d_bias {case}"));
            assert_close(&d_x, &d_x_naive, filters * kernel * kernel, &format!("d_x {case}"));
        }
    }

    #[test]
    fn shapes_that_do_not_fit_have_no_output() {
        let conv = ConvShape { channels: 1, height: 2, width: 9, filters: 1, kernel: 3, stride: 1, padding: 0 };
        assert_eq!(conv.output_size(), None);
        assert_eq!(ConvShape { padding: 1, ..conv }.output_size(), Some((2, 9)));
        assert_eq!(ConvShape { stride: 0, ..conv }.output_size(), None);
        assert_eq!(ConvShape { padding: usize::MAX / 2, ..conv }.output_size(), None);
        let pool = PoolShape { channels: 1, height: 1, width: 4, size: 2 };
        assert_eq!(pool.output_size(), None);
        assert_eq!(PoolShape { height: 5, ..pool }.output_size(), Some((2, 2)));
    }

    #[test]
    fn max_pooling_takes_each_windows_maximum_and_routes_its_gradient_back() {
        // One 4×5 plane: windows of 2×2, the last column dropped.
        let x = [
            1.0, 5.0, 2.0, 0.0, 9.0, //
            3.0, 4.0, 8.0, 7.0, 9.0, //
            -1.0, -2.0, 0.5, 0.5, 9.0, //
            -3.0, -4.0, 0.5, 0.25, 9.0,
        ];
        let shape = PoolShape { channels: 1, height: 4, width: 5, size: 2 };
        let (mut y, mut argmax) = (vec![0.0; 4], Vec::new());
        max_pool_forward(&shape, &x, &mut y, &mut argmax, 1);
        assert_eq!(y, [5.0, 8.0, -1.0, 0.5]);
        assert_eq!(argmax, [1, 7, 10, 12]); // ties go to the first in reading order
        let mut d_x = vec![f32::NAN; 20];
        max_pool_backward(&[1.0, 2.0, 3.0, 4.0], &argmax, &mut d_x);
        let mut expected = [0.0f32; 20];
        expected[1] = 1.0;
        expected[7] = 2.0;
        expected[10] = 3.0;
        expected[12] = 4.0;
        assert_eq!(d_x, expected);
    }
}
