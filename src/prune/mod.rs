//! Pruning: the Mask value, magnitude pruning and random pruning as pure functions, and the
//! pruning ladder (how many weights each layer keeps after each round).
pub mod magnitude;
pub mod random;

pub use crate::nn::mask::{LayerCount, LayerMask, Mask};
pub use magnitude::{prune_by_magnitude, Scope};
pub use random::random_mask_like;

/// The number of weights a layer of `size` keeps after `rounds` rounds that each remove
/// `fraction` of the weights remaining, rounded half away from zero (the rounding that gives the
/// paper's LeNet-300-100 counts: 8,275 / 1,056 / 206 after 15 rounds at 20% / 20% / 10%).
pub fn kept_after(size: usize, fraction: f64, rounds: usize) -> usize {
    (0..rounds).fold(size, |remaining, _| remaining - pruned_count(remaining, fraction))
}

/// How many of `remaining` weights one round at `fraction` removes.
pub fn pruned_count(remaining: usize, fraction: f64) -> usize {
    ((remaining as f64 * fraction).round() as usize).min(remaining)
}
