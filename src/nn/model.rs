//! A model: a sequence of layers over one flat parameter buffer.
//!
//! Parameters (and, in the same layout, gradients and optimizer moments) live in one `Vec<f32>`;
//! `layout` names the views into it ("fc1.weight", "fc1.bias", ...; see `ParamLayout`). Activations live in a
//! `Workspace` that is sized once per batch size and reused, so a training step allocates nothing.

use super::architecture::LayerSpec;
use super::dense::{Dense, Pass};
use super::init::Init;
use super::layout::ParamLayout;
use super::loss::{predicted_class, softmax_cross_entropy, LossStats};
use super::mask::Mask;
use super::spec::ModelSpec;
use crate::kernels::conv::{
    conv_backward, conv_forward, max_pool_backward, max_pool_forward, ConvGradients, ConvScratch, ConvShape, PoolShape,
};
use crate::kernels::elementwise::{relu_backward, relu_forward};
use crate::kernels::sparse::{SparsePattern, SparseScratch};
use crate::rng::Rng;

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
    pub layout: ParamLayout,
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
    /// `ModelSpec::layout` says and initialised in that order.
    pub fn new(spec: ModelSpec, init: Init, rng: &mut Rng) -> Model {
        let layout = spec.layout();
        // Each layer with parameters has a weight then a bias tensor, in layer order.
        let mut pairs = layout.chunks_exact(2).map(|pair| (pair[0].offset, pair[1].offset));
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
        let mut params = vec![0.0; layout.param_count()];
        for (tensor, &(fan_in, fan_out)) in layout.weights().zip(&fans) {
            init.fill(&mut params[tensor.range()], fan_in, fan_out, rng);
        }
        Model { spec, layers, layout, params }
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
        self.layout.weight_count()
    }

    /// Forward pass of a batch x (batch, inputs) for training: keeps what `backward` needs;
    /// returns the logits (batch, classes).
    pub fn forward<'w>(&self, x: &[f32], batch: usize, workspace: &'w mut Workspace) -> &'w [f32] {
        self.forward_pass(&self.params, x, batch, Pass::Training, workspace)
    }

    /// Forward pass for inference (no backward pass after it) with these parameters of this
    /// architecture (same layout as `params`: the model's own, or e.g. a finished round's
    /// trained weights). The same logits as `forward`, bit for bit.
    pub fn forward_with<'w>(&self, params: &[f32], x: &[f32], batch: usize, workspace: &'w mut Workspace) -> &'w [f32] {
        self.forward_pass(params, x, batch, Pass::Inference, workspace)
    }

    fn forward_pass<'w>(
        &self,
        params: &[f32],
        x: &[f32],
        batch: usize,
        pass: Pass,
        workspace: &'w mut Workspace,
    ) -> &'w [f32] {
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
                Layer::Dense(dense) => dense.forward(params, input, output, batch, pass, &mut workspace.sparse[index]),
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
        let logits = self.forward_with(&self.params, x, labels.len(), workspace);
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
        let names: Vec<&str> = model.layout.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]);
    }

    #[test]
    fn glorot_weights_have_the_right_spread_and_biases_start_at_zero() {
        let model = Model::new(
            ModelSpec::from_name("lenet-300-100").unwrap(),
            Init::GlorotNormal,
            &mut Rng::new(0, Stream::WeightInit),
        );
        let fc1 = &model.params[model.layout[0].range()];
        let std = (fc1.iter().map(|w| (*w as f64).powi(2)).sum::<f64>() / fc1.len() as f64).sqrt();
        let expected = (2.0f64 / (784.0 + 300.0)).sqrt();
        assert!((std / expected - 1.0).abs() < 0.01, "std {std} vs {expected}");
        assert!(model.params[model.layout[1].range()].iter().all(|&b| b == 0.0));
    }
}
