//! The order in which training examples are visited: a fresh seeded shuffle every epoch, cut
//! into batches; the last incomplete batch of an epoch is dropped (so an epoch is
//! ⌊train size / batch size⌋ iterations, 916 for MNIST's 55,000 with batch 60).
//!
//! `batch_order_text` writes the order out (`lth train --export-batches FILE`), so that another
//! implementation can train on the same batches (scripts/ticket-pytorch.py, docs/pytorch.md).

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

/// The first line of `batch_order_text`'s files, before its fields.
pub const BATCH_ORDER_HEADER: &str = "# ticketlab batch order v1";

/// The examples of the first `iterations` batches of `BatchOrder::new(examples, batch_size, seed)`,
/// as text: a header line
///
/// `# ticketlab batch order v1 examples=55000 batch_size=60 seed=0 iterations=300 offset=5000`
///
/// then one line per step, its `batch_size` example numbers separated by spaces, each plus
/// `offset`. With `offset` the validation size, the numbers are images of MNIST's training file
/// (counted from 0), since the training split is the images after the validation ones.
pub fn batch_order_text(examples: usize, batch_size: usize, seed: u64, iterations: usize, offset: usize) -> String {
    use std::fmt::Write;
    let mut text = format!(
        "{BATCH_ORDER_HEADER} examples={examples} batch_size={batch_size} seed={seed} iterations={iterations} offset={offset}\n"
    );
    let mut batches = BatchOrder::new(examples, batch_size, seed);
    for _ in 0..iterations {
        for (position, &index) in batches.next_batch().iter().enumerate() {
            let separator = if position == 0 { "" } else { " " };
            write!(text, "{separator}{}", index as usize + offset).expect("writing to a String");
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exported_order_is_the_order_training_visits() {
        let (examples, batch_size, seed, iterations, offset) = (25, 4, 7, 13, 100);
        let text = batch_order_text(examples, batch_size, seed, iterations, offset);
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("# ticketlab batch order v1 examples=25 batch_size=4 seed=7 iterations=13 offset=100")
        );
        let mut batches = BatchOrder::new(examples, batch_size, seed);
        let mut steps = 0;
        for line in lines {
            let written: Vec<usize> = line.split(' ').map(|n| n.parse().unwrap()).collect();
            let expected: Vec<usize> = batches.next_batch().iter().map(|&i| i as usize + offset).collect();
            assert_eq!(written, expected, "step {steps}");
            steps += 1;
        }
        // 13 steps of 6 an epoch: the file crosses two reshuffles.
        assert_eq!(steps, iterations);
    }
}
