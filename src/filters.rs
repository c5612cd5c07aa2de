//! The ticket's convolution filters, round by round, for the page's filter view.
//!
//! For each finished ticket round (level) the experiment keeps two copies of the conv weights:
//! - the *trained* filters, at the end of the round: what the surviving weights learned, and the
//!   weights the next round's magnitude pruning ranked;
//! - the *initial* filters, at the start of the round: the values the survivors were reset to
//!   (θ0 under reset = "init", θk under "rewind", the previous round's trained weights under
//!   "continue"), pruned entries 0.
//!
//! The mask needs no copy: the experiment keeps every level's ticket mask anyway. Fully connected
//! layers are never copied. Conv tensors are copied in model order while they fit a budget of
//! `STORED_WEIGHTS_LIMIT` weights a copy (LeNet-5 has 2,550 conv weights, Conv-2 38,592, Conv-4
//! 260,352), so a deep network's memory stays bounded; the ones after are left out.

use crate::nn::{Mask, Model, ParamTensor, TensorKind, WeightKind};

/// Most conv weights copied per level and copy: 2^18 floats, 1 MiB.
pub const STORED_WEIGHTS_LIMIT: usize = 1 << 18;

/// One conv layer of the ticket at one level.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvFilters {
    /// The weight tensor's name, e.g. "conv1.weight".
    pub name: String,
    /// [filters, input channels, kernel height, kernel width]; the weights are in this order.
    pub shape: Vec<usize>,
    /// At the start of the round (pruned entries 0).
    pub initial: Vec<f32>,
    /// At the end of the round (pruned entries 0).
    pub trained: Vec<f32>,
    /// The round's mask of this layer: true where the weight survives.
    pub keep: Vec<bool>,
}

/// The conv weight tensors that are copied, and the copying.
pub(crate) struct ConvRecorder {
    tensors: Vec<ParamTensor>,
}

impl ConvRecorder {
    /// The conv weight tensors of `model` that fit the budget, in order.
    pub fn for_model(model: &Model) -> ConvRecorder {
        let mut stored = 0;
        let tensors = model
            .layout
            .weights()
            .filter(|t| t.kind == TensorKind::Weight(WeightKind::Conv))
            .take_while(|t| {
                stored += t.element_count();
                stored <= STORED_WEIGHTS_LIMIT
            })
            .cloned()
            .collect();
        ConvRecorder { tensors }
    }

    /// The recorded tensors' weights out of a parameter buffer, one after another.
    pub fn copy(&self, params: &[f32]) -> Vec<f32> {
        self.tensors.iter().flat_map(|tensor| &params[tensor.range()]).copied().collect()
    }

    /// Each recorded layer from two `copy` outputs and the level's mask.
    pub fn filters(&self, initial: &[f32], trained: &[f32], mask: &Mask) -> Vec<ConvFilters> {
        let mut start = 0;
        self.tensors
            .iter()
            .map(|tensor| {
                let range = start..start + tensor.element_count();
                start = range.end;
                let layer_mask = mask.layers.iter().find(|layer| layer.offset == tensor.offset);
                ConvFilters {
                    name: tensor.name.clone(),
                    shape: tensor.shape.clone(),
                    initial: initial[range.clone()].to_vec(),
                    trained: trained[range].to_vec(),
                    keep: layer_mask.expect("every weight tensor has a mask").keep.clone(),
                }
            })
            .collect()
    }
}

/// The two copies of one finished ticket round.
pub(crate) struct LevelFilters {
    pub initial: Vec<f32>,
    pub trained: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::architecture::Activation;
    use crate::nn::init::Init;
    use crate::nn::ModelSpec;
    use crate::rng::{Rng, Stream};

    fn recorder(architecture: &str) -> Vec<String> {
        let spec = ModelSpec::from_architecture(architecture, Activation::image(1, 28, 28), 10).expect("valid");
        let model = Model::new(spec, Init::GlorotNormal, &mut Rng::new(0, Stream::WeightInit));
        ConvRecorder::for_model(&model).tensors.iter().map(|t| t.name.clone()).collect()
    }

    #[test]
    fn conv_layers_are_recorded_in_order_while_they_fit_the_budget_and_fc_layers_never() {
        assert_eq!(recorder("conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10"), ["conv1.weight", "conv2.weight"]);
        assert_eq!(recorder("fc:300,fc:100,fc:10"), Vec::<String>::new());
        // conv2 alone has 512 × 8 × 8 × 8 = 262,144 weights: with conv1's 72 it passes the budget,
        // and the (small) conv3 after it is left out too. (Its stride keeps its maps within the
        // activation limit.)
        assert_eq!(recorder("conv:8x3,conv:512x8s4,conv:4x3,fc:10"), ["conv1.weight"]);
    }
}
