//! The parameter layout: a model's parameter tensors (names, kinds, shapes, offsets) in the one
//! flat buffer that holds its weights and biases (and, in the same layout, their gradients and the
//! optimizer's moments). It is computed from the model's spec alone (`ModelSpec::layout`), so
//! `Model`, `Mask`, tickets and checkpoints all read the same list, and a file is checked against
//! it before any model is built.

use std::ops::{Deref, Range};

use super::architecture::{Activation, LayerSpec};

/// The kinds of weight tensor the paper prunes at different rates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WeightKind {
    /// A convolution's filters.
    Conv,
    /// A fully connected layer before the last.
    Hidden,
    /// The last layer (the classifier).
    Output,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
    /// Prunable weights.
    Weight(WeightKind),
    /// Never pruned.
    Bias,
}

/// A named view into the flat parameter buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamTensor {
    /// "conv1.weight", "fc1.bias", ...: layers with parameters are counted per kind.
    pub name: String,
    pub kind: TensorKind,
    pub offset: usize,
    /// Conv weight: (filters, channels, kh, kw); fc weight: (inputs, outputs), y = x·W + b; bias:
    /// (outputs).
    pub shape: Vec<usize>,
}

impl ParamTensor {
    /// Number of elements (a tensor always has at least one).
    pub fn element_count(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn range(&self) -> Range<usize> {
        self.offset..self.offset + self.element_count()
    }

    /// True for prunable weights (a mask covers them), false for biases.
    pub fn is_weight(&self) -> bool {
        matches!(self.kind, TensorKind::Weight(_))
    }
}

/// The parameter tensors in the flat buffer's order: per layer with parameters, its weight then
/// its bias. Derefs to the slice of tensors.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamLayout {
    tensors: Vec<ParamTensor>,
}

impl ParamLayout {
    /// The layout of `layers` from `input`, whose outputs are `shapes` (as `architecture::check`
    /// gives them). The one place that names and places the parameters.
    pub(crate) fn new(input: Activation, layers: &[LayerSpec], shapes: &[Activation]) -> ParamLayout {
        let (mut convs, mut fcs) = (0, 0);
        let mut tensors = Vec::new();
        let mut offset = 0;
        let inputs = std::iter::once(input).chain(shapes.iter().copied());
        for (index, (layer, input)) in layers.iter().zip(inputs).enumerate() {
            let (name, kind, weight_shape, outputs) = match *layer {
                LayerSpec::Conv { filters, kernel, .. } => {
                    convs += 1;
                    (format!("conv{convs}"), WeightKind::Conv, vec![filters, input.channels, kernel, kernel], filters)
                }
                LayerSpec::Fc { outputs } => {
                    fcs += 1;
                    let kind = if index + 1 == layers.len() { WeightKind::Output } else { WeightKind::Hidden };
                    (format!("fc{fcs}"), kind, vec![input.len(), outputs], outputs)
                }
                LayerSpec::MaxPool { .. } => continue,
            };
            let weight = ParamTensor {
                name: format!("{name}.weight"),
                kind: TensorKind::Weight(kind),
                offset,
                shape: weight_shape,
            };
            let bias_offset = weight.range().end;
            let bias = ParamTensor {
                name: format!("{name}.bias"),
                kind: TensorKind::Bias,
                offset: bias_offset,
                shape: vec![outputs],
            };
            offset = bias.range().end;
            tensors.extend([weight, bias]);
        }
        ParamLayout { tensors }
    }

    /// Entries in the flat buffer.
    pub fn param_count(&self) -> usize {
        self.tensors.last().map_or(0, |t| t.range().end)
    }

    /// The prunable weight tensors, in order.
    pub fn weights(&self) -> impl Iterator<Item = &ParamTensor> {
        self.tensors.iter().filter(|t| t.is_weight())
    }

    /// Weights that pruning may remove (biases excluded).
    pub fn weight_count(&self) -> usize {
        self.weights().map(ParamTensor::element_count).sum()
    }
}

impl Deref for ParamLayout {
    type Target = [ParamTensor];

    fn deref(&self) -> &[ParamTensor] {
        &self.tensors
    }
}

impl<'a> IntoIterator for &'a ParamLayout {
    type Item = &'a ParamTensor;
    type IntoIter = std::slice::Iter<'a, ParamTensor>;

    fn into_iter(self) -> Self::IntoIter {
        self.tensors.iter()
    }
}

#[cfg(test)]
mod tests {
    use crate::nn::{ModelSpec, TensorKind::*, WeightKind::*};

    #[test]
    fn lenet_5s_tensors_are_named_kinded_shaped_and_placed_in_layer_order() {
        let layout = ModelSpec::from_name("lenet-5").unwrap().layout();
        let tensors: Vec<_> = layout.iter().map(|t| (t.name.as_str(), t.kind, t.shape.clone(), t.offset)).collect();
        assert_eq!(
            tensors,
            [
                ("conv1.weight", Weight(Conv), vec![6, 1, 5, 5], 0),
                ("conv1.bias", Bias, vec![6], 150),
                ("conv2.weight", Weight(Conv), vec![16, 6, 5, 5], 156),
                ("conv2.bias", Bias, vec![16], 2556),
                ("fc1.weight", Weight(Hidden), vec![400, 120], 2572),
                ("fc1.bias", Bias, vec![120], 50572),
                ("fc2.weight", Weight(Hidden), vec![120, 84], 50692),
                ("fc2.bias", Bias, vec![84], 60772),
                ("fc3.weight", Weight(Output), vec![84, 10], 60856),
                ("fc3.bias", Bias, vec![10], 61696),
            ]
        );
        assert_eq!((layout.param_count(), layout.weight_count()), (61706, 61470));
    }
}
