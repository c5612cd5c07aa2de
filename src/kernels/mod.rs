//! Hot loops. Each fast kernel keeps its naive twin beside it as the test oracle.
pub mod conv;
pub mod elementwise;
pub mod gemm;
pub mod sparse;
pub mod transpose;

/// What the kernels' tests share (their unit tests here, and tests/kernel_oracle.rs against
/// ndarray): inputs with exact zeros, the convolution shapes they try, and the comparison with
/// an oracle. Not for use outside tests.
#[doc(hidden)]
pub mod test_support {
    use crate::rng::Rng;

    /// A convolution to try: (channels, height, width, filters, kernel, stride, padding, batch).
    pub type ConvCase = (usize, usize, usize, usize, usize, usize, usize, usize);

    /// Convolutions on odd shapes, strides and padding.
    pub const CONV_CASES: [ConvCase; 5] = [
        (1, 5, 5, 1, 1, 1, 0, 1),
        (1, 7, 6, 3, 3, 1, 1, 2),
        (2, 9, 7, 4, 3, 2, 0, 3),
        (3, 6, 8, 2, 5, 1, 2, 2),
        (2, 4, 4, 5, 4, 3, 1, 1),
    ];

    /// Uniform in [-1, 1), with about `zeros` of the entries exactly 0 (like pixels and ReLUs).
    pub fn random_with_zeros(len: usize, zeros: f32, rng: &mut Rng) -> Vec<f32> {
        (0..len)
            .map(|_| {
                let value = rng.uniform_f32() * 2.0 - 1.0;
                if rng.uniform_f32() < zeros {
                    0.0
                } else {
                    value
                }
            })
            .collect()
    }

    /// Each entry within the rounding of an f32 sum of `terms` products of magnitude ≤ 1 of the
    /// f64 oracle's.
    pub fn assert_close(fast: &[f32], oracle: &[f32], terms: usize, what: &str) {
        assert_eq!(fast.len(), oracle.len(), "{what}: lengths");
        for (index, (a, b)) in fast.iter().zip(oracle).enumerate() {
            assert!((a - b).abs() <= 1e-6 * terms as f32 + 1e-6, "{what}[{index}]: {a} vs {b}");
        }
    }
}
