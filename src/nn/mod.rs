//! Neural-network building blocks: layers with paired forward/backward passes, the loss, weight
//! initialisers, and the model that strings layers together over one flat parameter buffer.
pub mod architecture;
pub mod dense;
pub mod init;
pub mod layout;
pub mod loss;
pub mod mask;
pub mod model;
pub mod spec;

pub use layout::{ParamLayout, ParamTensor, TensorKind, WeightKind};
pub use mask::{LayerCount, LayerMask, Mask};
pub use model::{Model, Workspace};
pub use spec::{ModelSpec, WeightLayer};
