//! Every limit on the size of a network and of a run, in one place.
//!
//! A network comes from text that anyone can write: a flag, a config file, or the metadata of a
//! ticket or checkpoint file. These limits are checked when that text is read (by
//! `nn::architecture::check`, which every `ModelSpec` and so every `Config` goes through),
//! before anything is allocated, so that a typo or a hostile file is refused at once
//! with the limit and the value, instead of aborting on a 64 GB allocation. Sizes computed from
//! these numbers use checked arithmetic.
//!
//! They are set so that every real network passes with room to spare (LeNet-300-100, LeNet-5,
//! Conv-2/4/6 at the paper's width and at a quarter of it, docs/cli.md's examples), and so that a
//! network at the limits still runs in one browser worker (wasm32 addresses 4 GB at most):
//! - parameters: the largest named network, Conv-2, has 3,317,450. A run keeps about six copies
//!   (weights, gradients, two Adam moments, θ0, the last evaluated weights), 24 bytes a
//!   parameter, so the limit of 5,000,000 costs 120 MB (and each finished round 20 MB more);
//! - activations: the largest pass of a named network is Conv-6's at the paper's width,
//!   evaluating a chunk of 500 images: 249,362,344 values (997 MB; a training step of batch 500
//!   measured 1.19 GB resident natively). The limit of 300,000,000 (1,200 MB) leaves it a fifth
//!   to spare, and the quarter widths take 42 to 63 million (166 to 251 MB).
//!
//! MB are 10^6 bytes of 4-byte values (f32).

/// Layers in a network (conv, pool and fc; the ReLUs are implied). Conv-6 has 12.
pub const MAX_LAYERS: usize = 32;

/// Filters of a convolution, outputs of a fully connected layer. Conv-6's widest layer has 256.
pub const MAX_WIDTH: usize = 4096;

/// A convolution's kernel size and stride, a pooling window's size: more than twice the 28×28
/// image. LeNet-5's kernels are 5×5.
pub const MAX_KERNEL: usize = 64;

/// A convolution's zero padding on each side. The named networks pad 1 or 2 pixels.
pub const MAX_PADDING: usize = 64;

/// Weights and biases of a network, in all.
pub const MAX_PARAMETERS: u64 = 5_000_000;

/// Activation values that one pass keeps, for max(`batch_size`, `EVALUATION_CHUNK`) examples
/// (see `nn::architecture::Footprint`): each layer's output, its ReLU's and its pooling
/// indices, the two gradient buffers, and each convolution's patch columns for one image.
pub const MAX_ACTIVATIONS: u64 = 300_000_000;

/// Examples scored per forward pass during evaluation. Here because a pass's memory depends on
/// it: a network must be able to evaluate a chunk within `MAX_ACTIVATIONS` whatever its batch.
pub const EVALUATION_CHUNK: usize = 500;

/// Images in a training batch (`batch_size`); memory is checked per network besides.
pub const MAX_BATCH_SIZE: usize = 65_536;

/// Training iterations of a round; also the largest `eval_every` and `rewind_step`.
pub const MAX_ITERATIONS: usize = 100_000_000;

/// Pruning rounds in a run (`rounds`; a `target_remaining` resolves to 40 at most, the page's
/// cap), and so the highest level a ticket may name: levels count pruning rounds from the dense
/// network, also across a ticket imported and pruned further.
pub const MAX_ROUNDS: usize = 100;

/// Trials of `lth imp` (seeds seed, seed + 1, ...): the paper averages five, the page allows 10.
pub const MAX_TRIALS: usize = 1000;

/// Megabytes (10^6 bytes) that `values` f32 values take, for messages.
pub fn megabytes(values: u64) -> u64 {
    values.saturating_mul(4) / 1_000_000
}
