//! Dense matrix products on row-major f32 slices, through ndarray (matrixmultiply: AVX natively,
//! simd128 in the wasm build).
//!
//! Contract: `c (m, n) = op(a) (m, k) · op(b) (k, n)`, added to `c` when `accumulate`, where
//! `op(x)` is `x` or its transpose, read in place (no copy) through a transposed view.
//!
//! Native builds run matrixmultiply's AVX kernel without FMA (see .cargo/config.toml): every output
//! element is then summed in the same order with the same roundings as the wasm simd128 kernel, so
//! a seed gives bit-identical runs in the terminal and in the browser.

use ndarray::linalg::general_mat_mul;
use ndarray::{ArrayView2, ArrayViewMut2};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    AsIs,
    /// Use the transpose of the stored matrix.
    Transposed,
}

/// Shape of a product: `op(a)` is (m, k), `op(b)` is (k, n), `c` is (m, n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

fn view(data: &[f32], rows: usize, cols: usize, op: Op) -> ArrayView2<'_, f32> {
    match op {
        Op::AsIs => ArrayView2::from_shape((rows, cols), data).expect("matrix slice has rows*cols elements"),
        Op::Transposed => {
            ArrayView2::from_shape((cols, rows), data).expect("matrix slice has rows*cols elements").reversed_axes()
        }
    }
}

/// c = op(a)·op(b) (+ c if `accumulate`).
pub fn gemm(shape: Shape, a: &[f32], op_a: Op, b: &[f32], op_b: Op, c: &mut [f32], accumulate: bool) {
    let Shape { m, k, n } = shape;
    let a = view(&a[..m * k], m, k, op_a);
    let b = view(&b[..k * n], k, n, op_b);
    let mut c = ArrayViewMut2::from_shape((m, n), &mut c[..m * n]).expect("c slice has m*n elements");
    general_mat_mul(1.0, &a, &b, if accumulate { 1.0 } else { 0.0 }, &mut c);
}

/// The naive twin of [`gemm`]: three loops, sums in f64. The oracle for tests.
pub fn gemm_naive(shape: Shape, a: &[f32], op_a: Op, b: &[f32], op_b: Op, c: &mut [f32], accumulate: bool) {
    let Shape { m, k, n } = shape;
    let a_at = |i: usize, p: usize| {
        if op_a == Op::AsIs {
            a[i * k + p]
        } else {
            a[p * m + i]
        }
    };
    let b_at = |p: usize, j: usize| {
        if op_b == Op::AsIs {
            b[p * n + j]
        } else {
            b[j * k + p]
        }
    };
    for i in 0..m {
        for j in 0..n {
            let mut sum = if accumulate { c[i * n + j] as f64 } else { 0.0 };
            for p in 0..k {
                sum += a_at(i, p) as f64 * b_at(p, j) as f64;
            }
            c[i * n + j] = sum as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Rng, Stream};

    fn random(len: usize, rng: &mut Rng) -> Vec<f32> {
        (0..len).map(|_| rng.uniform_f32() * 2.0 - 1.0).collect()
    }

    #[test]
    fn fast_matches_naive_on_odd_shapes_and_every_transpose() {
        let mut rng = Rng::new(11, Stream::Scratch);
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 7), (17, 33, 9), (60, 784, 30), (64, 31, 100), (9, 300, 10)] {
            for op_a in [Op::AsIs, Op::Transposed] {
                for op_b in [Op::AsIs, Op::Transposed] {
                    for accumulate in [false, true] {
                        let shape = Shape { m, k, n };
                        let a = random(m * k, &mut rng);
                        let b = random(k * n, &mut rng);
                        let start = random(m * n, &mut rng);
                        let (mut fast, mut naive) = (start.clone(), start.clone());
                        gemm(shape, &a, op_a, &b, op_b, &mut fast, accumulate);
                        gemm_naive(shape, &a, op_a, &b, op_b, &mut naive, accumulate);
                        for (x, y) in fast.iter().zip(&naive) {
                            // f32 summation of k products of magnitude <= 1: error grows like k * eps.
                            assert!(
                                (x - y).abs() <= 1e-6 * k as f32 + 1e-6,
                                "{m}x{k}x{n} {op_a:?} {op_b:?}: {x} vs {y}"
                            );
                        }
                    }
                }
            }
        }
    }
}
