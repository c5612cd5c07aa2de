//! Seeded, portable randomness.
//!
//! ChaCha8 produces the same stream on every platform, so a seed means the same run natively and
//! in WebAssembly. Every consumer (weight init, data order, ...) gets its own stream of the same
//! seed, so drawing more numbers in one place never shifts the numbers drawn in another.
//! Distributions are written out here, with `libm` for the transcendental functions, because the
//! platform's own `ln`/`cos` may differ in the last bit between native and wasm.

use rand_chacha::rand_core::{Rng as _, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The independent streams drawn from one experiment seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The network's initial weights θ0.
    WeightInit,
    /// The order of training examples.
    DataOrder,
    /// The random re-initialisation control's fresh weights at a pruning level.
    ReinitWeights { level: usize },
    /// The random pruning control's mask at a pruning level.
    RandomPrune { level: usize },
    /// Used by tests and tools that need seeded noise of their own.
    Scratch,
}

impl Stream {
    fn id(self) -> u64 {
        match self {
            Stream::WeightInit => 1,
            Stream::DataOrder => 2,
            Stream::Scratch => 99,
            Stream::ReinitWeights { level } => 1_000_000 + level as u64,
            Stream::RandomPrune { level } => 2_000_000 + level as u64,
        }
    }
}

pub struct Rng {
    chacha: ChaCha8Rng,
}

impl Rng {
    pub fn new(seed: u64, stream: Stream) -> Self {
        let mut chacha = ChaCha8Rng::seed_from_u64(seed);
        chacha.set_stream(stream.id());
        Rng { chacha }
    }

    pub fn next_u32(&mut self) -> u32 {
        self.chacha.next_u32()
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform_f64(&mut self) -> f64 {
        (self.chacha.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [0, 1) with 24 random bits (every f32 step in that range).
    pub fn uniform_f32(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / (1u32 << 24) as f32)
    }

    /// Uniform integer in [0, n), unbiased (Lemire's multiply-and-reject). Panics if n == 0.
    pub fn below(&mut self, n: u32) -> u32 {
        assert!(n > 0, "Rng::below(0)");
        let threshold = n.wrapping_neg() % n;
        loop {
            let product = self.next_u32() as u64 * n as u64;
            if (product as u32) >= threshold {
                return (product >> 32) as u32;
            }
        }
    }

    /// Standard normal sample by the Box-Muller transform (one of the pair is used).
    pub fn standard_normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let radius = libm::sqrt(-2.0 * libm::log(1.0 - self.uniform_f64()));
        let angle = 2.0 * std::f64::consts::PI * self.uniform_f64();
        radius * libm::cos(angle)
    }

    /// Fisher-Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u32 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_streams_differ() {
        let draw = |seed, stream| {
            let mut rng = Rng::new(seed, stream);
            (0..8).map(|_| rng.next_u32()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7, Stream::WeightInit), draw(7, Stream::WeightInit));
        assert_ne!(draw(7, Stream::WeightInit), draw(7, Stream::DataOrder));
        assert_ne!(draw(7, Stream::WeightInit), draw(8, Stream::WeightInit));
    }

    #[test]
    fn normal_has_unit_moments() {
        let mut rng = Rng::new(1, Stream::Scratch);
        let n = 200_000;
        let samples: Vec<f64> = (0..n).map(|_| rng.standard_normal()).collect();
        let mean = samples.iter().sum::<f64>() / n as f64;
        let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((variance - 1.0).abs() < 0.01, "variance {variance}");
    }

    #[test]
    fn below_is_in_range_and_covers_it() {
        let mut rng = Rng::new(3, Stream::Scratch);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            seen[rng.below(7) as usize] += 1;
        }
        assert!(seen.iter().all(|&count| count > 850 && count < 1150), "{seen:?}");
    }

    #[test]
    fn shuffle_is_a_permutation() {
        let mut rng = Rng::new(5, Stream::Scratch);
        let mut items: Vec<u32> = (0..1000).collect();
        rng.shuffle(&mut items);
        assert_ne!(items, (0..1000).collect::<Vec<_>>());
        items.sort();
        assert_eq!(items, (0..1000).collect::<Vec<_>>());
    }
}
