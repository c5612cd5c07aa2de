//! The training loop's parts: one optimisation step on the next batch, and evaluation of a
//! dataset in chunks. `Experiment` schedules them; nothing here knows about time or events.

use crate::config::Config;
use crate::data::{BatchOrder, Dataset};
use crate::nn::dense::SPARSE_BELOW;
use crate::nn::loss::LossStats;
use crate::nn::Mask;
use crate::nn::{Model, Workspace};
use crate::optim::Optimizer;

pub use crate::limits::EVALUATION_CHUNK;

pub struct Trainer {
    pub model: Model,
    /// Pruned weights are 0 and their gradients are zeroed before every update, so their
    /// optimizer moments stay 0 and they stay exactly 0; every survivor, negative or positive, trains.
    pub mask: Mask,
    /// The layers that run the dense kernels and have pruned weights: their gradients are
    /// masked after every backward pass (the sparse kernels never write pruned entries).
    gradient_mask: Mask,
    optimizer: Optimizer,
    batches: BatchOrder,
    grads: Vec<f32>,
    d_logits: Vec<f32>,
    workspace: Workspace,
    x: Vec<f32>,
    labels: Vec<u8>,
}

impl Trainer {
    /// Ready to train `model` under `mask` (its pruned weights are set to 0 here) with a fresh
    /// optimizer, on `train_examples` examples visited in the seed's order.
    pub fn new(config: &Config, model: Model, mask: Mask, train_examples: usize) -> Trainer {
        Trainer::with_sparse_below(config, model, mask, train_examples, SPARSE_BELOW)
    }

    /// As `new`, with layers below `sparse_below` density on the sparse kernels (benchmarks
    /// compare 0.0, never sparse, with 1.01, always).
    pub fn with_sparse_below(
        config: &Config,
        mut model: Model,
        mask: Mask,
        train_examples: usize,
        sparse_below: f64,
    ) -> Trainer {
        mask.apply(&mut model.params);
        let sparse_layers = model.use_sparse_kernels(&mask, sparse_below);
        let gradient_mask = Mask {
            layers: mask
                .layers
                .iter()
                .filter(|l| l.kept() < l.size() && !sparse_layers.contains(&l.name))
                .cloned()
                .collect(),
        };
        let param_count = model.params.len();
        let mut optimizer = Optimizer::new(config.optimizer(), param_count);
        if mask.density() < sparse_below {
            optimizer.restrict_to(mask.trainable_indices(param_count));
        }
        Trainer {
            mask,
            gradient_mask,
            optimizer,
            batches: BatchOrder::new(train_examples, config.batch_size, config.seed),
            grads: vec![0.0; param_count],
            d_logits: Vec::new(),
            workspace: Workspace::default(),
            x: Vec::new(),
            labels: Vec::new(),
            model,
        }
    }

    pub fn iterations_per_epoch(&self) -> usize {
        self.batches.iterations_per_epoch()
    }

    /// One optimisation step on the next batch; returns that batch's loss statistics
    /// (measured before the update).
    pub fn train_step(&mut self, train: &Dataset) -> LossStats {
        let indices = self.batches.next_batch();
        train.gather(indices.iter().map(|&i| i as usize), &mut self.x, &mut self.labels);
        let stats = self.model.loss_and_gradients(
            &self.x,
            &self.labels,
            &mut self.workspace,
            &mut self.d_logits,
            &mut self.grads,
        );
        self.gradient_mask.apply(&mut self.grads);
        self.optimizer.step(&mut self.model.params, &self.grads);
        stats
    }

    /// Scores examples `start..start + EVALUATION_CHUNK` (clipped to the set); returns their stats.
    pub fn evaluate_chunk(&mut self, data: &Dataset, start: usize) -> LossStats {
        let end = (start + EVALUATION_CHUNK).min(data.len());
        data.gather(start..end, &mut self.x, &mut self.labels);
        self.model.evaluate(&self.x, &self.labels, &mut self.workspace)
    }

    /// Adds the last `evaluate_chunk`'s (true, predicted) class pairs to `confusion`.
    pub fn count_predictions(&self, confusion: &mut [u32]) {
        self.model.count_predictions(&self.labels, &self.workspace, confusion);
    }

    /// Scores a whole dataset.
    pub fn evaluate(&mut self, data: &Dataset) -> LossStats {
        let mut total = LossStats::default();
        for start in (0..data.len()).step_by(EVALUATION_CHUNK) {
            total.add(self.evaluate_chunk(data, start));
        }
        total
    }
}
