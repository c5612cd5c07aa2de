//! The order in which training examples are visited: a fresh seeded shuffle every epoch, cut
//! into batches; the last incomplete batch of an epoch is dropped (so an epoch is
//! ⌊train size / batch size⌋ iterations, 916 for MNIST's 55,000 with batch 60).

use crate::rng::{Rng, Stream};

/// ⌊examples / batch size⌋: the last incomplete batch of an epoch is dropped.
pub fn iterations_per_epoch(examples: usize, batch_size: usize) -> usize {
    examples / batch_size
}

pub struct BatchOrder {
    rng: Rng,
    order: Vec<u32>,
    position: usize,
    batch_size: usize,
}

impl BatchOrder {
    pub fn new(examples: usize, batch_size: usize, seed: u64) -> BatchOrder {
        let mut batches = BatchOrder {
            rng: Rng::new(seed, Stream::DataOrder),
            order: (0..examples as u32).collect(),
            position: 0,
            batch_size,
        };
        batches.rng.shuffle(&mut batches.order);
        batches
    }

    pub fn iterations_per_epoch(&self) -> usize {
        iterations_per_epoch(self.order.len(), self.batch_size)
    }

    /// Indices of the next batch.
    pub fn next_batch(&mut self) -> &[u32] {
        if self.position + self.batch_size > self.order.len() {
            self.rng.shuffle(&mut self.order);
            self.position = 0;
        }
        self.position += self.batch_size;
        &self.order[self.position - self.batch_size..self.position]
    }
}
