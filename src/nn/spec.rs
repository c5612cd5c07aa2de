//! A model's spec: its input, its layers and its classes, by name (`ModelSpec::NAMED`) or from a
//! network's text (see `architecture`). Everything about a network that does not need its
//! weights comes from here: its shapes, its footprint against the limits, and its parameter
//! layout.

use super::architecture::{self, Activation, Footprint, LayerSpec};
use super::layout::{ParamLayout, ParamTensor, TensorKind, WeightKind};

/// Which network to build: its input, its layers (see `architecture` for the text form), and
/// the number of classes. ReLUs follow every convolution and every fully connected layer but the
/// last; they are implied, not listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSpec {
    pub input: Activation,
    pub layers: Vec<LayerSpec>,
    pub classes: usize,
}

/// MNIST digits: one 28×28 map.
const MNIST_INPUT: Activation = Activation { channels: 1, height: 28, width: 28, flat: false };

impl ModelSpec {
    /// The models the page and the CLI offer by name, for 28×28 MNIST digits, and their text.
    pub const NAMED: [(&'static str, &'static str); 8] = [
        ("lenet-300-100", "fc:300,fc:100,fc:10"),
        // LeCun et al. 1998, with "same" padding on the first convolution so that 28×28
        // digits give the classic 5×5×16 maps before the fully connected layers.
        ("lenet-5", "conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10"),
        // The paper's Conv-2/4/6 (its figure 2, for CIFAR-10): pairs of 3×3 "same" convolutions
        // with 64, 128, 256 filters, a 2×2 max pool after each pair, then 256-256-10. On 28×28
        // maps the pools give 14×14, 7×7 and 3×3.
        ("conv-2", "conv:64x3p1,conv:64x3p1,pool,fc:256,fc:256,fc:10"),
        ("conv-4", "conv:64x3p1,conv:64x3p1,pool,conv:128x3p1,conv:128x3p1,pool,fc:256,fc:256,fc:10"),
        (
            "conv-6",
            "conv:64x3p1,conv:64x3p1,pool,conv:128x3p1,conv:128x3p1,pool,conv:256x3p1,conv:256x3p1,pool,fc:256,fc:256,fc:10",
        ),
        // The same with a quarter of the filters (16, 32, 64): the paper's widths cost about 16×
        // as much in the convolutions, too slow to watch in a browser. The fully connected layers
        // keep their widths.
        ("conv-2-quarter", "conv:16x3p1,conv:16x3p1,pool,fc:256,fc:256,fc:10"),
        ("conv-4-quarter", "conv:16x3p1,conv:16x3p1,pool,conv:32x3p1,conv:32x3p1,pool,fc:256,fc:256,fc:10"),
        (
            "conv-6-quarter",
            "conv:16x3p1,conv:16x3p1,pool,conv:32x3p1,conv:32x3p1,pool,conv:64x3p1,conv:64x3p1,pool,fc:256,fc:256,fc:10",
        ),
    ];

    /// The names of `NAMED`, for messages.
    pub fn names() -> Vec<&'static str> {
        ModelSpec::NAMED.iter().map(|&(name, _)| name).collect()
    }

    /// A model by name (see `NAMED`).
    pub fn from_name(name: &str) -> Option<ModelSpec> {
        let &(_, text) = ModelSpec::NAMED.iter().find(|&&(named, _)| named == name)?;
        Some(ModelSpec::from_architecture(text, MNIST_INPUT, 10).expect("the named models are valid"))
    }

    /// A model by name, or else from its architecture text, for 28×28 MNIST digits.
    pub fn for_mnist(name_or_text: &str) -> Result<ModelSpec, String> {
        if let Some(spec) = ModelSpec::from_name(name_or_text) {
            return Ok(spec);
        }
        if !name_or_text.contains(':') {
            return Err(format!(
                "unknown model \"{name_or_text}\"; expected one of: {}, or a network such as conv:32x3,pool,fc:100,fc:10",
                ModelSpec::names().join(", ")
            ));
        }
        ModelSpec::from_architecture(name_or_text, MNIST_INPUT, 10)
    }

    /// A network from its text (`conv:6x5p2,pool,fc:10`), checked against `input`.
    pub fn from_architecture(text: &str, input: Activation, classes: usize) -> Result<ModelSpec, String> {
        let layers = architecture::parse(text)?;
        architecture::check(input, &layers, classes)?;
        Ok(ModelSpec { input, layers, classes })
    }

    /// A fully connected ReLU network: inputs -> hidden... -> classes.
    pub fn mlp(inputs: usize, hidden: &[usize], classes: usize) -> ModelSpec {
        let layers = hidden.iter().chain([&classes]).map(|&outputs| LayerSpec::Fc { outputs }).collect();
        ModelSpec { input: Activation { channels: inputs, height: 1, width: 1, flat: true }, layers, classes }
    }

    /// Values per example at the input.
    pub fn inputs(&self) -> usize {
        self.input.len()
    }

    /// The shape after each layer (the spec was checked when made).
    pub(crate) fn shapes(&self) -> Vec<Activation> {
        architecture::check(self.input, &self.layers, self.classes).expect("spec checked when made")
    }

    /// What the network costs to hold and to run (see `crate::limits`).
    pub fn footprint(&self) -> Footprint {
        architecture::footprint(self.input, &self.layers, &self.shapes())
    }

    /// The parameter tensors in the flat buffer's order (see `ParamLayout`). Computed from the
    /// spec alone, so that ticket and checkpoint files are checked before any model is built.
    pub fn layout(&self) -> ParamLayout {
        ParamLayout::new(self.input, &self.layers, &self.shapes())
    }

    /// The prunable weight tensors, in order, with their sizes and kinds (from `layout`).
    pub fn weight_layers(&self) -> Vec<WeightLayer> {
        let summary = |tensor: &ParamTensor| match tensor.kind {
            TensorKind::Weight(kind) => {
                Some(WeightLayer { name: tensor.name.clone(), size: tensor.element_count(), kind })
            }
            TensorKind::Bias => None,
        };
        self.layout().iter().filter_map(summary).collect()
    }

    pub fn classes(&self) -> usize {
        self.classes
    }
}

/// A prunable weight tensor as the spec describes it: a summary of its `ParamTensor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightLayer {
    pub name: String,
    pub size: usize,
    pub kind: WeightKind,
}
