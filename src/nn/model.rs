//! A model: a sequence of layers over one flat parameter buffer.
//!
//! Parameters (and, in the same layout, gradients and optimizer moments) live in one `Vec<f32>`;
//! `tensors` names the views into it ("fc1.weight", "fc1.bias", ...). Activations live in a
//! `Workspace` that is sized once per batch size and reused, so a training step allocates nothing.

use super::architecture::{self, Activation, Footprint, LayerSpec};
use super::dense::Dense;
use super::init::Init;
use super::loss::{predicted_class, softmax_cross_entropy, LossStats};
use super::mask::Mask;
use crate::kernels::conv::{
    conv_backward, conv_forward, max_pool_backward, max_pool_forward, ConvGradients, ConvScratch, ConvShape, PoolShape,
};
use crate::kernels::elementwise::{relu_backward, relu_forward};
use crate::kernels::sparse::{SparsePattern, SparseScratch};
use crate::rng::Rng;

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
    fn shapes(&self) -> Vec<Activation> {
        architecture::check(self.input, &self.layers, self.classes).expect("spec checked when made")
    }

    /// What the network costs to hold and to run (see `crate::limits`).
    pub fn footprint(&self) -> Footprint {
        architecture::footprint(self.input, &self.layers, &self.shapes())
    }

    /// The parameter tensors in the flat buffer's order: per layer with parameters, its weight
    /// (conv: (filters, channels, kh, kw); fc: (inputs, outputs)) then its bias. Computed from the
    /// spec alone, so that ticket and checkpoint files are checked before any model is built.
    pub fn param_tensors(&self) -> Vec<ParamTensor> {
        let shapes = self.shapes();
        let (mut convs, mut fcs) = (0, 0);
        let mut tensors = Vec::new();
        let mut offset = 0;
        let inputs = std::iter::once(self.input).chain(shapes.iter().copied());
        for (layer, input) in self.layers.iter().zip(inputs) {
            let (name, weight_shape, outputs) = match *layer {
                LayerSpec::Conv { filters, kernel, .. } => {
                    convs += 1;
                    (format!("conv{convs}"), vec![filters, input.channels, kernel, kernel], filters)
                }
                LayerSpec::Fc { outputs } => {
                    fcs += 1;
                    (format!("fc{fcs}"), vec![input.len(), outputs], outputs)
                }
                LayerSpec::MaxPool { .. } => continue,
            };
            let kind = TensorKind::Weight;
            let weight = ParamTensor { name: format!("{name}.weight"), kind, offset, shape: weight_shape };
            let bias_shape = vec![outputs];
            let bias = ParamTensor {
                name: format!("{name}.bias"),
                kind: TensorKind::Bias,
                offset: weight.range().end,
                shape: bias_shape,
            };
            offset = bias.range().end;
            tensors.extend([weight, bias]);
        }
        tensors
    }

    /// The prunable weight tensors, in order, with their sizes (without building the model).
    pub fn weight_layers(&self) -> Vec<WeightLayer> {
        let shapes = self.shapes();
        let (mut convs, mut fcs) = (0, 0);
        let mut input = self.input;
        let mut weight_layers = Vec::new();
        for (index, (layer, &output)) in self.layers.iter().zip(&shapes).enumerate() {
            match *layer {
                LayerSpec::Conv { filters, kernel, .. } => {
                    convs += 1;
                    weight_layers.push(WeightLayer {
                        name: format!("conv{convs}.weight"),
                        size: filters * input.channels * kernel * kernel,
                        kind: WeightKind::Conv,
                    });
                }
                LayerSpec::Fc { outputs } => {
                    fcs += 1;
                    let is_output = index + 1 == self.layers.len();
                    weight_layers.push(WeightLayer {
                        name: format!("fc{fcs}.weight"),
                        size: input.len() * outputs,
                        kind: if is_output { WeightKind::Output } else { WeightKind::Hidden },
                    });
                }
                LayerSpec::MaxPool { .. } => {}
            }
            input = output;
        }
        weight_layers
    }

    pub fn classes(&self) -> usize {
        self.classes
    }
}

/// A prunable weight tensor as the spec describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightLayer {
    pub name: String,
    pub size: usize,
    pub kind: WeightKind,
}

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
struct Conv {
    shape: ConvShape,
    weight_offset: usize,
    bias_offset: usize,
}

impl Conv {
    fn weights<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.weight_offset..self.bias_offset]
    }

    fn bias_range(&self) -> std::ops::Range<usize> {
        self.bias_offset..self.bias_offset + self.shape.filters
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Layer {
    Dense(Dense),
    Conv(Conv),
    MaxPool(PoolShape),
    Relu { width: usize },
}

impl Layer {
    fn has_parameters(&self) -> bool {
        matches!(self, Layer::Dense(_) | Layer::Conv(_))
    }

    /// Values per example after this layer.
    fn output_width(&self) -> usize {
        match self {
            Layer::Dense(dense) => dense.outputs,
            Layer::Conv(conv) => {
                let (height, width) = conv.shape.output_size().expect("checked");
                conv.shape.filters * height * width
            }
            Layer::MaxPool(pool) => {
                let (height, width) = pool.output_size().expect("checked");
                pool.channels * height * width
            }
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
    /// One per layer: a convolution's patch columns, kept from forward for backward.
    conv: Vec<ConvScratch>,
    /// One per layer: where each max-pooling window's maximum came from.
    argmax: Vec<Vec<u32>>,
}

impl Model {
    /// Builds the model with freshly initialised weights (zero biases), laid out as
    /// `ModelSpec::param_tensors` says and initialised in that order.
    pub fn new(spec: ModelSpec, init: Init, rng: &mut Rng) -> Model {
        let tensors = spec.param_tensors();
        // Each layer with parameters has a weight then a bias tensor, in layer order.
        let mut pairs = tensors.chunks_exact(2).map(|pair| (pair[0].offset, pair[1].offset));
        let mut layers = Vec::new();
        // (fan_in, fan_out) of each weight tensor, for the initialiser.
        let mut fans = Vec::new();
        let shapes = spec.shapes();
        let mut input = spec.input;
        for (index, (layer, &output)) in spec.layers.iter().zip(&shapes).enumerate() {
            let is_last = index + 1 == spec.layers.len();
            match *layer {
                LayerSpec::Conv { filters, kernel, padding, stride } => {
                    let (weight_offset, bias_offset) = pairs.next().expect("a conv has parameters");
                    let channels = input.channels;
                    // Glorot's fans for a convolution count every tap (Keras and PyTorch agree).
                    fans.push((channels * kernel * kernel, filters * kernel * kernel));
                    let (height, width) = (input.height, input.width);
                    let shape = ConvShape { channels, height, width, filters, kernel, stride, padding };
                    layers.push(Layer::Conv(Conv { shape, weight_offset, bias_offset }));
                }
                LayerSpec::MaxPool { size } => layers.push(Layer::MaxPool(PoolShape {
                    channels: input.channels,
                    height: input.height,
                    width: input.width,
                    size,
                })),
                LayerSpec::Fc { outputs } => {
                    let (weight_offset, bias_offset) = pairs.next().expect("an fc layer has parameters");
                    let inputs = input.len();
                    fans.push((inputs, outputs));
                    layers.push(Layer::Dense(Dense { inputs, outputs, weight_offset, bias_offset, sparse: None }));
                }
            }
            if matches!(layer, LayerSpec::Conv { .. }) || (matches!(layer, LayerSpec::Fc { .. }) && !is_last) {
                layers.push(Layer::Relu { width: output.len() });
            }
            input = output;
        }
        let mut params = vec![0.0; tensors.last().map_or(0, |t| t.range().end)];
        let weights = tensors.iter().filter(|t| t.kind == TensorKind::Weight);
        for (tensor, &(fan_in, fan_out)) in weights.zip(&fans) {
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
        self.forward_with(&self.params, x, batch, workspace)
    }

    /// `forward` with other parameters of this architecture (same layout as `params`), e.g. a
    /// finished round's trained weights.
    pub fn forward_with<'w>(&self, params: &[f32], x: &[f32], batch: usize, workspace: &'w mut Workspace) -> &'w [f32] {
        debug_assert_eq!(x.len(), batch * self.inputs());
        debug_assert_eq!(params.len(), self.params.len());
        workspace.outputs.resize_with(self.layers.len(), Vec::new);
        workspace.sparse.resize_with(self.layers.len(), SparseScratch::default);
        workspace.conv.resize_with(self.layers.len(), ConvScratch::default);
        workspace.argmax.resize_with(self.layers.len(), Vec::new);
        for (index, layer) in self.layers.iter().enumerate() {
            let (done, rest) = workspace.outputs.split_at_mut(index);
            let input: &[f32] = if index == 0 { x } else { &done[index - 1] };
            let output = &mut rest[0];
            output.resize(batch * layer.output_width(), 0.0);
            match layer {
                Layer::Dense(dense) => dense.forward(params, input, output, batch, &mut workspace.sparse[index]),
                Layer::Conv(conv) => {
                    let (w, bias) = (conv.weights(params), &params[conv.bias_range()]);
                    conv_forward(&conv.shape, w, bias, input, output, batch, &mut workspace.conv[index]);
                }
                Layer::MaxPool(pool) => max_pool_forward(pool, input, output, &mut workspace.argmax[index], batch),
                Layer::Relu { .. } => relu_forward(input, output),
            }
        }
        workspace.outputs.last().expect("a model has layers")
    }

    /// Backward pass after `forward` on the same x: writes every parameter's gradient of the
    /// loss into `grads` (same layout as `params`), given d_logits (batch, classes). It stops at
    /// the first layer with parameters, which needs no input gradient: the layers before it (a
    /// leading pool) have nothing to learn.
    pub fn backward(&self, x: &[f32], batch: usize, d_logits: &[f32], workspace: &mut Workspace, grads: &mut [f32]) {
        let Workspace { outputs, d_current, d_previous, sparse, conv: conv_scratch, argmax } = workspace;
        d_current.clear();
        d_current.extend_from_slice(d_logits);
        let first_trained = self.layers.iter().position(Layer::has_parameters).expect("the last layer is fc");
        for (index, layer) in self.layers.iter().enumerate().skip(first_trained).rev() {
            let input: &[f32] = if index == 0 { x } else { &outputs[index - 1] };
            let input_width = input.len() / batch;
            let need_d_input = index > first_trained;
            if need_d_input {
                d_previous.resize(batch * input_width, 0.0);
            }
            match layer {
                Layer::Dense(dense) => {
                    let d_input = if need_d_input { Some(&mut d_previous[..]) } else { None };
                    dense.backward(&self.params, input, d_current, grads, d_input, &mut sparse[index]);
                }
                Layer::Conv(conv) => {
                    let (d_weights, d_bias) = grads[conv.weight_offset..conv.bias_range().end]
                        .split_at_mut(conv.bias_range().start - conv.weight_offset);
                    let d_input = if need_d_input { Some(&mut d_previous[..]) } else { None };
                    let gradients = ConvGradients { weights: d_weights, bias: d_bias, input: d_input };
                    conv_backward(
                        &conv.shape,
                        conv.weights(&self.params),
                        input,
                        d_current,
                        gradients,
                        batch,
                        &mut conv_scratch[index],
                    );
                }
                Layer::MaxPool(_) => max_pool_backward(d_current, &argmax[index], d_previous),
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

    /// Adds the (true class, predicted class) pairs of the last `evaluate` to `confusion`
    /// (classes × classes, a row per true class).
    pub fn count_predictions(&self, labels: &[u8], workspace: &Workspace, confusion: &mut [u32]) {
        let classes = self.classes();
        let logits = workspace.outputs.last().expect("evaluated first");
        for (row, &label) in logits.chunks_exact(classes).zip(labels) {
            confusion[label as usize * classes + predicted_class(row)] += 1;
        }
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
