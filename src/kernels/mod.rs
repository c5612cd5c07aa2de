//! Hot loops. Each fast kernel keeps its naive twin beside it as the test oracle.
pub mod conv;
pub mod elementwise;
pub mod gemm;
pub mod sparse;
pub mod transpose;

/// What the kernels' tests share: inputs with exact zeros, and the comparison with an oracle.
#[cfg(test)]
pub(crate) mod test_support {
    use crate::rng::Rng;

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
