//! A model: a sequence of layers over one flat parameter buffer.
//!
//! Parameters (and, in the same layout, gradients and optimizer moments) live in one `Vec<f32>`;
//! `tensors` names the views into it ("fc1.weight", "fc1.bias", ...). Activations live in a
//! `Workspace` that is sized once per batch size and reused, so a training step allocates nothing.

use super::dense::Dense;
use super::init::Init;
use super::loss::{softmax_cross_entropy, LossStats};
use super::mask::Mask;
use crate::kernels::elementwise::{relu_backward, relu_forward};
use crate::kernels::sparse::{SparsePattern, SparseScratch};
use crate::rng::Rng;

/// Which network to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSpec {
    /// Fully connected ReLU network: inputs -> hidden... -> classes.
    Mlp { inputs: usize, hidden: Vec<usize>, classes: usize },
}

impl ModelSpec {
    pub const NAMES: [&'static str; 1] = ["lenet-300-100"];

    /// The models the page and the CLI offer by name, for 28×28 MNIST digits.
    pub fn from_name(name: &str) -> Option<ModelSpec> {
        match name {
            "lenet-300-100" => Some(ModelSpec::Mlp { inputs: 784, hidden: vec![300, 100], classes: 10 }),
            _ => None,
        }
    }

    pub fn inputs(&self) -> usize {
        match self {
            ModelSpec::Mlp { inputs, .. } => *inputs,
        }
    }

    /// An MLP's layer widths, input to output (784, 300, 100, 10 for LeNet-300-100).
    fn widths(&self) -> Vec<usize> {
        match self {
            ModelSpec::Mlp { inputs, hidden, classes } => {
                std::iter::once(*inputs).chain(hidden.iter().copied()).chain([*classes]).collect()
            }
        }
    }

    /// The prunable weight tensors, in order, with their sizes (without building the model).
    pub fn weight_layers(&self) -> Vec<WeightLayer> {
        let widths = self.widths();
        let last = widths.len() - 2;
        widths
            .windows(2)
            .enumerate()
            .map(|(index, pair)| WeightLayer {
                name: format!("fc{}.weight", index + 1),
                size: pair[0] * pair[1],
                is_output: index == last,
            })
            .collect()
    }

    pub fn classes(&self) -> usize {
        match self {
            ModelSpec::Mlp { classes, .. } => *classes,
        }
    }
}

/// A prunable weight tensor as the spec describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightLayer {
    pub name: String,
    pub size: usize,
    /// The last layer (the classifier), pruned at its own rate.
    pub is_output: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TensorKind {
    /// Prunable weights.
    Weight,
    /// Never pruned.
    Bias,
}

/// A named view into the flat parameter buffer.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamTensor {
    pub name: String,
    pub kind: TensorKind,
    pub offset: usize,
    pub shape: Vec<usize>,
}

impl ParamTensor {
    /// Number of elements (a tensor always has at least one).
    pub fn element_count(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.element_count()
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Layer {
    Dense(Dense),
    Relu { width: usize },
}

impl Layer {
    fn output_width(&self) -> usize {
        match self {
            Layer::Dense(dense) => dense.outputs,
            Layer::Relu { width } => *width,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Model {
    pub spec: ModelSpec,
    layers: Vec<Layer>,
    pub tensors: Vec<ParamTensor>,
    pub params: Vec<f32>,
}

/// Per-batch buffers: each layer's output, and two gradient buffers used in turn.
#[derive(Default)]
pub struct Workspace {
    outputs: Vec<Vec<f32>>,
    d_current: Vec<f32>,
    d_previous: Vec<f32>,
    /// One per layer: the sparse kernels' backward pass reuses what their forward pass left there.
    sparse: Vec<SparseScratch>,
}

impl Model {
    /// Builds the model with freshly initialised weights (zero biases).
    pub fn new(spec: ModelSpec, init: Init, rng: &mut Rng) -> Model {
        let mut layers = Vec::new();
        let mut tensors = Vec::new();
        let mut param_count = 0;
        match &spec {
            ModelSpec::Mlp { .. } => {
                let widths = spec.widths();
                for (index, pair) in widths.windows(2).enumerate() {
                    let (fan_in, fan_out) = (pair[0], pair[1]);
                    let name = format!("fc{}", index + 1);
                    let weight_offset = param_count;
                    let bias_offset = weight_offset + fan_in * fan_out;
                    param_count = bias_offset + fan_out;
                    tensors.push(ParamTensor {
                        name: format!("{name}.weight"),
                        kind: TensorKind::Weight,
                        offset: weight_offset,
                        shape: vec![fan_in, fan_out],
                    });
                    tensors.push(ParamTensor {
                        name: format!("{name}.bias"),
                        kind: TensorKind::Bias,
                        offset: bias_offset,
                        shape: vec![fan_out],
                    });
                    layers.push(Layer::Dense(Dense {
                        inputs: fan_in,
                        outputs: fan_out,
                        weight_offset,
                        bias_offset,
                        sparse: None,
                    }));
                    if index + 2 < widths.len() {
                        layers.push(Layer::Relu { width: fan_out });
                    }
                }
            }
        }
        let mut params = vec![0.0; param_count];
        for tensor in tensors.iter().filter(|t| t.kind == TensorKind::Weight) {
            let (fan_in, fan_out) = (tensor.shape[0], tensor.shape[1]);
            init.fill(&mut params[tensor.range()], fan_in, fan_out, rng);
        }
        Model { spec, layers, tensors, params }
    }

    pub fn inputs(&self) -> usize {
        self.spec.inputs()
    }

    /// Runs each layer that `mask` prunes below `sparse_below` density (normally `SPARSE_BELOW`)
    /// on the sparse kernels, the others on the dense ones. The pruned weights must already be 0.
    /// Returns the names of the layers now sparse.
    pub fn use_sparse_kernels(&mut self, mask: &Mask, sparse_below: f64) -> Vec<String> {
        let mut sparse = Vec::new();
        for layer in &mut self.layers {
            if let Layer::Dense(dense) = layer {
                let layer_mask = mask.layers.iter().find(|m| m.offset == dense.weight_offset);
                dense.sparse = layer_mask.filter(|m| (m.kept() as f64) < sparse_below * m.size() as f64).map(|m| {
                    sparse.push(m.name.clone());
                    SparsePattern::from_mask(&m.keep, dense.inputs, dense.outputs)
                });
            }
        }
        sparse
    }

    pub fn classes(&self) -> usize {
        self.spec.classes()
    }

    /// Weights that pruning may remove (biases excluded).
    pub fn prunable_weight_count(&self) -> usize {
        self.tensors.iter().filter(|t| t.kind == TensorKind::Weight).map(ParamTensor::element_count).sum()
    }

    /// Forward pass of a batch x (batch, inputs); returns the logits (batch, classes).
    pub fn forward<'w>(&self, x: &[f32], batch: usize, workspace: &'w mut Workspace) -> &'w [f32] {
        debug_assert_eq!(x.len(), batch * self.inputs());
        workspace.outputs.resize_with(self.layers.len(), Vec::new);
        workspace.sparse.resize_with(self.layers.len(), SparseScratch::default);
        for (index, layer) in self.layers.iter().enumerate() {
            let (done, rest) = workspace.outputs.split_at_mut(index);
            let input: &[f32] = if index == 0 { x } else { &done[index - 1] };
            let output = &mut rest[0];
            output.resize(batch * layer.output_width(), 0.0);
            match layer {
                Layer::Dense(dense) => dense.forward(&self.params, input, output, batch, &mut workspace.sparse[index]),
                Layer::Relu { .. } => relu_forward(input, output),
            }
        }
        workspace.outputs.last().expect("a model has layers")
    }

    /// Backward pass after `forward` on the same x: writes every parameter's gradient of the
    /// loss into `grads` (same layout as `params`), given d_logits (batch, classes).
    pub fn backward(&self, x: &[f32], batch: usize, d_logits: &[f32], workspace: &mut Workspace, grads: &mut [f32]) {
        let Workspace { outputs, d_current, d_previous, sparse } = workspace;
        d_current.clear();
        d_current.extend_from_slice(d_logits);
        for (index, layer) in self.layers.iter().enumerate().rev() {
            let input: &[f32] = if index == 0 { x } else { &outputs[index - 1] };
            let input_width = input.len() / batch;
            let need_d_input = index > 0;
            if need_d_input {
                d_previous.resize(batch * input_width, 0.0);
            }
            match layer {
                Layer::Dense(dense) => {
                    let d_input = if need_d_input { Some(&mut d_previous[..]) } else { None };
                    dense.backward(&self.params, input, d_current, grads, d_input, &mut sparse[index]);
                }
                Layer::Relu { .. } => relu_backward(&outputs[index], d_current, d_previous),
            }
            std::mem::swap(d_current, d_previous);
        }
    }

    /// One forward and backward pass on a labelled batch: fills `grads`, returns the loss stats.
    pub fn loss_and_gradients(
        &self,
        x: &[f32],
        labels: &[u8],
        workspace: &mut Workspace,
        d_logits: &mut Vec<f32>,
        grads: &mut [f32],
    ) -> LossStats {
        let batch = labels.len();
        d_logits.resize(batch * self.classes(), 0.0);
        let logits = self.forward(x, batch, workspace);
        let stats = softmax_cross_entropy(logits, labels, self.classes(), Some(d_logits));
        self.backward(x, batch, d_logits, workspace, grads);
        stats
    }

    /// Loss statistics of a labelled batch, forward only.
    pub fn evaluate(&self, x: &[f32], labels: &[u8], workspace: &mut Workspace) -> LossStats {
        let logits = self.forward(x, labels.len(), workspace);
        softmax_cross_entropy(logits, labels, self.classes(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Stream;

    #[test]
    fn lenet_300_100_has_the_papers_parameter_counts() {
        let model = Model::new(
            ModelSpec::from_name("lenet-300-100").unwrap(),
            Init::GlorotNormal,
            &mut Rng::new(0, Stream::WeightInit),
        );
        assert_eq!(model.prunable_weight_count(), 266_200);
        assert_eq!(model.params.len(), 266_200 + 410);
        let names: Vec<&str> = model.tensors.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]);
    }

    #[test]
    fn glorot_weights_have_the_right_spread_and_biases_start_at_zero() {
        let model = Model::new(
            ModelSpec::from_name("lenet-300-100").unwrap(),
            Init::GlorotNormal,
            &mut Rng::new(0, Stream::WeightInit),
        );
        let fc1 = &model.params[model.tensors[0].range()];
        let std = (fc1.iter().map(|w| (*w as f64).powi(2)).sum::<f64>() / fc1.len() as f64).sqrt();
        let expected = (2.0f64 / (784.0 + 300.0)).sqrt();
        assert!((std / expected - 1.0).abs() < 0.01, "std {std} vs {expected}");
        assert!(model.params[model.tensors[1].range()].iter().all(|&b| b == 0.0));
    }
}
