//! Neural-network building blocks: layers with paired forward/backward passes, the loss, weight
//! initialisers, and the model that strings layers together over one flat parameter buffer.
pub mod architecture;
pub mod dense;
pub mod init;
pub mod loss;
pub mod mask;
pub mod model;

pub use mask::{LayerCount, LayerMask, Mask};
pub use model::{Model, ModelSpec, ParamTensor, TensorKind, WeightKind, WeightLayer, Workspace};
