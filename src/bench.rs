//! Training-step throughput of LeNet-300-100 on MNIST at the levels of the pruning ladder, with
//! the dense kernels, the sparse kernels, or the automatic choice. Shared by `lth bench` and the
//! page's benchmark, so both measure the same thing; the caller supplies the clock.

use serde::Serialize;

use crate::config::Config;
use crate::data::Mnist;
use crate::experiment::Clock;
use crate::nn::dense::SPARSE_BELOW;
use crate::nn::Model;
use crate::prune::{prune_by_magnitude, Mask};
use crate::rng::{Rng, Stream};
use crate::train::Trainer;

/// The paper's ladder points used in the benchmark: 100, 51.3, 21.1, 6.95 and 3.6% remaining.
pub const LEVELS: [usize; 5] = [0, 3, 7, 12, 15];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernels {
    Dense,
    Sparse,
    /// What training uses: sparse below `SPARSE_BELOW` density.
    Auto,
}

impl Kernels {
    fn sparse_below(self) -> f64 {
        match self {
            Kernels::Dense => 0.0,
            Kernels::Sparse => 1.01,
            Kernels::Auto => SPARSE_BELOW,
        }
    }
}

/// The mask of `level` for the model's initial weights: each layer magnitude-pruned straight to
/// the ladder's count (20% a round in hidden layers, 10% in the output layer).
pub fn ladder_mask(config: &Config, model: &Model, level: usize) -> Mask {
    let dense = Mask::dense(&model.tensors);
    prune_by_magnitude(&dense, &model.params, &config.prune_counts(&dense, level))
}

/// Examples per second over `iterations` training steps (after one untimed warm-up step) of the
/// network pruned to `level`, with the given kernels.
pub fn training_throughput(
    config: &Config,
    data: &Mnist,
    level: usize,
    kernels: Kernels,
    iterations: usize,
    clock: &dyn Clock,
) -> f64 {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
    let mask = ladder_mask(config, &model, level);
    let mut trainer = Trainer::with_sparse_below(config, model, mask, data.train.len(), kernels.sparse_below());
    trainer.train_step(&data.train);
    let start = clock.now_millis();
    for _ in 0..iterations {
        trainer.train_step(&data.train);
    }
    let millis = clock.now_millis() - start;
    (iterations * config.batch_size) as f64 * 1000.0 / millis.max(1e-9)
}

/// Examples per second of evaluation (forward passes in chunks, as during training) of the dense
/// network over the validation set.
pub fn evaluation_throughput(config: &Config, data: &Mnist, clock: &dyn Clock) -> f64 {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
    let mask = Mask::dense(&model.tensors);
    let mut trainer = Trainer::new(config, model, mask, data.train.len());
    trainer.evaluate(&data.validation);
    let start = clock.now_millis();
    let stats = trainer.evaluate(&data.validation);
    stats.examples as f64 * 1000.0 / (clock.now_millis() - start).max(1e-9)
}
