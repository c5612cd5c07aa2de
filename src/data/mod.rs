//! Data: the validating IDX parser, the MNIST splits, and batching.
pub mod batches;
pub mod idx;
pub mod mnist;

pub use batches::BatchOrder;
pub use mnist::{Dataset, Mnist, MnistFiles};
