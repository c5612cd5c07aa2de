//! A network written as a short text, checked against the input it will see.
//!
//! Layers are separated by commas, input to output:
//!
//! - `conv:FxK` — F filters of K×K, stride 1, no padding; `conv:FxKpP` pads P pixels of zeros on
//!   every side, `conv:FxKsS` strides S (both may follow, in the order p then s: `conv:64x3p1s2`);
//! - `pool` — 2×2 max pooling (`pool:S` for S×S windows);
//! - `fc:N` — fully connected to N outputs (the first one flattens a map).
//!
//! Every convolution and every fully connected layer but the last is followed by a ReLU; the
//! last layer must be `fc` with one output per class. For example LeNet-5 on 28×28 digits:
//! `conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10`.
//!
//! Errors name the layer (by position and text) and the shapes that do not fit.

use std::fmt;

use crate::kernels::conv::{ConvShape, PoolShape};
use crate::limits::{
    megabytes, EVALUATION_CHUNK, MAX_ACTIVATIONS, MAX_KERNEL, MAX_LAYERS, MAX_PADDING, MAX_PARAMETERS, MAX_WIDTH,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerSpec {
    Conv { filters: usize, kernel: usize, padding: usize, stride: usize },
    MaxPool { size: usize },
    Fc { outputs: usize },
}

impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LayerSpec::Conv { filters, kernel, padding, stride } => {
                write!(f, "conv:{filters}x{kernel}")?;
                if padding > 0 {
                    write!(f, "p{padding}")?;
                }
                if stride != 1 {
                    write!(f, "s{stride}")?;
                }
                Ok(())
            }
            LayerSpec::MaxPool { size: 2 } => write!(f, "pool"),
            LayerSpec::MaxPool { size } => write!(f, "pool:{size}"),
            LayerSpec::Fc { outputs } => write!(f, "fc:{outputs}"),
        }
    }
}

/// What flows between layers: a stack of maps (channels, height, width), or a flat vector
/// (written as (width, 1, 1)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Activation {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    pub flat: bool,
}

impl Activation {
    pub fn image(channels: usize, height: usize, width: usize) -> Activation {
        Activation { channels, height, width, flat: false }
    }

    pub fn len(&self) -> usize {
        self.channels * self.height * self.width
    }

    /// `len` in u64 (the same on wasm32 and x86_64), or None if it overflows: for shapes not
    /// known to fit yet.
    pub fn checked_len(&self) -> Option<u64> {
        (self.channels as u64).checked_mul(self.height as u64)?.checked_mul(self.width as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.flat {
            write!(f, "a vector of {}", self.len())
        } else {
            write!(f, "{} map(s) of {}×{}", self.channels, self.height, self.width)
        }
    }
}

/// A whole number of a layer; `name` is the layer ("layer 2 (conv:8x3)"). Numbers beyond `limit`
/// are refused by `check`, with the shapes; here only those too large to hold at all.
fn whole(text: &str, what: &str, limit: usize, name: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(value) => Ok(value),
        Err(_) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => {
            Err(format!("{name}: {what} {text} is more than the limit of {limit}"))
        }
        Err(_) => Err(format!("{name}: the {what} \"{text}\" is not a whole number")),
    }
}

/// A whole number of a layer that must be at least 1.
fn number(text: &str, what: &str, limit: usize, name: &str) -> Result<usize, String> {
    match whole(text, what, limit, name)? {
        0 => Err(format!("{name}: the {what} must be at least 1")),
        value => Ok(value),
    }
}

/// `FxK[pP][sS]` of a conv layer.
fn conv(arguments: &str, name: &str) -> Result<LayerSpec, String> {
    let usage = || {
        format!("{name}: write a convolution as conv:FxK, e.g. conv:32x3 (32 filters of 3×3), optionally with pP (padding) and sS (stride): conv:32x3p1s2")
    };
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let (filters, rest) = arguments.split_once('x').ok_or_else(usage)?;
    let end_of_kernel = rest.find(['p', 's']).unwrap_or(rest.len());
    let (kernel, mut options) = rest.split_at(end_of_kernel);
    if !digits(kernel) {
        return Err(usage());
    }
    let mut padding = 0;
    let mut stride = 1;
    if let Some(after) = options.strip_prefix('p') {
        let end = after.find('s').unwrap_or(after.len());
        if !digits(&after[..end]) {
            return Err(usage());
        }
        padding = whole(&after[..end], "padding", MAX_PADDING, name)?;
        options = &after[end..];
    }
    if let Some(after) = options.strip_prefix('s') {
        stride = number(after, "stride", MAX_KERNEL, name)?;
        options = "";
    }
    if !options.is_empty() {
        return Err(usage());
    }
    Ok(LayerSpec::Conv {
        filters: number(filters, "number of filters", MAX_WIDTH, name)?,
        kernel: number(kernel, "kernel size", MAX_KERNEL, name)?,
        padding,
        stride,
    })
}

/// The layers of `text`, syntax only (see [`check`] for the shapes and the limits).
pub fn parse(text: &str) -> Result<Vec<LayerSpec>, String> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.iter().all(|item| item.is_empty()) {
        return Err("the architecture is empty: list its layers, e.g. conv:32x3,pool,fc:100,fc:10".into());
    }
    if items.len() > MAX_LAYERS {
        return Err(layer_count_error(items.len()));
    }
    let layer = |(index, &item): (usize, &&str)| {
        let name = format!("layer {} ({item})", index + 1);
        let (kind, arguments) = item.split_once(':').unwrap_or((item, ""));
        match kind {
            "conv" => conv(arguments, &name),
            "pool" if arguments.is_empty() => Ok(LayerSpec::MaxPool { size: 2 }),
            "pool" => Ok(LayerSpec::MaxPool { size: number(arguments, "window size", MAX_KERNEL, &name)? }),
            "fc" => Ok(LayerSpec::Fc { outputs: number(arguments, "number of outputs", MAX_WIDTH, &name)? }),
            "" => Err(format!("layer {}: an empty layer (two commas in a row, or a comma at an end)", index + 1)),
            other => Err(format!("{name}: \"{other}\" is not a layer: the layers are conv:FxK, pool and fc:N")),
        }
    };
    items.iter().enumerate().map(layer).collect()
}

fn layer_count_error(layers: usize) -> String {
    format!("the network has {layers} layers, more than the limit of {MAX_LAYERS}")
}

/// What a network costs to hold and to run, in f32 values (see `limits`). Counted in u64, so
/// that a network is refused with the same message on wasm32 (a 32-bit usize) as natively.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Footprint {
    /// Weights and biases.
    pub parameters: u64,
    /// Per example: every layer's output, its ReLU's, and each pooling window's argmax.
    pub outputs_per_example: u64,
    /// Per example: the widest layer's input or output (the backward pass keeps two buffers of it).
    pub widest: u64,
    /// One image's patch columns and their gradient, per convolution, whatever the batch.
    pub conv_columns: u64,
    /// Per example, the forward pass's multiply-adds as a dense network does them (no zero
    /// skipped): fc inputs × outputs, conv filters × patch × output pixels.
    pub forward_multiply_adds: u64,
    /// The first weight layer's: its d_x is never needed (the input is the data).
    pub first_layer_multiply_adds: u64,
}

impl Footprint {
    /// The cost of `layer`, from `input` to `output`; None if a count overflows.
    fn of_layer(layer: &LayerSpec, input: Activation, output: Activation, is_last: bool) -> Option<Footprint> {
        let relu = !is_last && !matches!(layer, LayerSpec::MaxPool { .. });
        let (inputs, outputs) = (input.checked_len()?, output.checked_len()?);
        let (parameters, conv_columns, multiply_adds) = match *layer {
            LayerSpec::Conv { filters, kernel, .. } => {
                let (filters, kernel) = (filters as u64, kernel as u64);
                let patch = (input.channels as u64).checked_mul(kernel)?.checked_mul(kernel)?;
                let pixels = (output.height as u64).checked_mul(output.width as u64)?;
                (
                    patch.checked_mul(filters)?.checked_add(filters)?,
                    patch.checked_mul(pixels)?.checked_mul(2)?,
                    patch.checked_mul(filters)?.checked_mul(pixels)?,
                )
            }
            LayerSpec::Fc { .. } => {
                let weights = inputs.checked_mul(outputs)?;
                (weights.checked_add(outputs)?, 0, weights)
            }
            LayerSpec::MaxPool { .. } => (0, 0, 0),
        };
        // A ReLU keeps an output of its own; a pooling keeps where each maximum came from.
        let copies = if relu || matches!(layer, LayerSpec::MaxPool { .. }) { 2 } else { 1 };
        Some(Footprint {
            parameters,
            outputs_per_example: outputs.checked_mul(copies)?,
            widest: inputs.max(outputs),
            conv_columns,
            forward_multiply_adds: multiply_adds,
            first_layer_multiply_adds: multiply_adds,
        })
    }

    fn plus(self, other: Footprint) -> Option<Footprint> {
        Some(Footprint {
            parameters: self.parameters.checked_add(other.parameters)?,
            outputs_per_example: self.outputs_per_example.checked_add(other.outputs_per_example)?,
            widest: self.widest.max(other.widest),
            conv_columns: self.conv_columns.checked_add(other.conv_columns)?,
            forward_multiply_adds: self.forward_multiply_adds.checked_add(other.forward_multiply_adds)?,
            first_layer_multiply_adds: if self.forward_multiply_adds == 0 {
                other.first_layer_multiply_adds
            } else {
                self.first_layer_multiply_adds
            },
        })
    }

    /// Per example, a training step's multiply-adds as a dense network does them: the forward
    /// pass, d_W of every weight layer, and d_x of all but the first.
    pub fn training_multiply_adds(&self) -> u64 {
        3 * self.forward_multiply_adds - self.first_layer_multiply_adds
    }

    /// Activation values a pass of `examples` keeps (see `limits::MAX_ACTIVATIONS`); None past u64.
    pub fn activations(&self, examples: usize) -> Option<u64> {
        let per_example = self.widest.checked_mul(2)?.checked_add(self.outputs_per_example)?;
        (examples as u64).checked_mul(per_example)?.checked_add(self.conv_columns)
    }

    /// The most examples a pass may hold within `MAX_ACTIVATIONS` (0 if not even one).
    pub fn most_examples(&self) -> u64 {
        let per_example = self.widest.saturating_mul(2).saturating_add(self.outputs_per_example).max(1);
        MAX_ACTIVATIONS.saturating_sub(self.conv_columns) / per_example
    }
}

/// The footprint of checked `layers` from `input`, whose shapes `check` gave.
pub fn footprint(input: Activation, layers: &[LayerSpec], shapes: &[Activation]) -> Footprint {
    let inputs = std::iter::once(input).chain(shapes.iter().copied());
    let mut total = Footprint::default();
    for (index, ((layer, input), &output)) in layers.iter().zip(inputs).zip(shapes).enumerate() {
        let is_last = index + 1 == layers.len();
        let cost = Footprint::of_layer(layer, input, output, is_last).expect("checked when made");
        total = total.plus(cost).expect("checked when made");
    }
    total
}

/// A layer's numbers against their bounds in `limits`: a message naming the first one outside.
fn check_numbers(layer: &LayerSpec) -> Result<(), String> {
    // (what, value, least, most)
    let numbers: &[(&str, usize, usize, usize)] = match *layer {
        LayerSpec::Conv { filters, kernel, padding, stride } => &[
            ("number of filters", filters, 1, MAX_WIDTH),
            ("kernel size", kernel, 1, MAX_KERNEL),
            ("padding", padding, 0, MAX_PADDING),
            ("stride", stride, 1, MAX_KERNEL),
        ],
        LayerSpec::MaxPool { size } => &[("window size", size, 1, MAX_KERNEL)],
        LayerSpec::Fc { outputs } => &[("number of outputs", outputs, 1, MAX_WIDTH)],
    };
    for &(what, value, least, most) in numbers {
        if value > most {
            return Err(format!("{what} {value} is more than the limit of {most}"));
        }
        if value < least {
            return Err(format!("the {what} must be at least {least}"));
        }
    }
    Ok(())
}

/// The network so far, `total`, against the limits on parameters and on a pass's activations
/// (for an evaluation chunk: every run evaluates in chunks of `EVALUATION_CHUNK`).
fn check_total(total: Option<Footprint>) -> Result<Footprint, String> {
    let too_large = || "its sizes overflow 64 bits, far past the limits (see docs/design/limits.md)".to_string();
    let total = total.ok_or_else(too_large)?;
    if total.parameters > MAX_PARAMETERS {
        return Err(format!(
            "the network has {} parameters up to here, more than the limit of {MAX_PARAMETERS}; use fewer filters or outputs",
            total.parameters
        ));
    }
    let activations = total.activations(EVALUATION_CHUNK).ok_or_else(too_large)?;
    if activations > MAX_ACTIVATIONS {
        return Err(format!(
            "evaluating {EVALUATION_CHUNK} images at once takes {activations} activation values ({} MB) up to here, more \
             than the limit of {MAX_ACTIVATIONS} ({} MB); use fewer filters, less padding, or pool earlier",
            megabytes(activations),
            megabytes(MAX_ACTIVATIONS)
        ));
    }
    Ok(total)
}

/// The activation after `layer` (named `name` in errors) from `current`, if it fits.
fn output_shape(name: &str, current: Activation, layer: &LayerSpec) -> Result<Activation, String> {
    let (channels, height, width) = (current.channels, current.height, current.width);
    match *layer {
        LayerSpec::Conv { .. } | LayerSpec::MaxPool { .. } if current.flat => Err(format!(
            "{name} needs maps, but it follows a fully connected layer; put conv and pool layers before the first fc"
        )),
        LayerSpec::Conv { filters, kernel, padding, stride } => {
            let shape = ConvShape { channels, height, width, filters, kernel, stride, padding };
            let (height, width) = shape.output_size().ok_or_else(|| {
                format!("{name}: a {kernel}×{kernel} kernel does not fit {current} with padding {padding}")
            })?;
            Ok(Activation::image(filters, height, width))
        }
        LayerSpec::MaxPool { size } => {
            let shape = PoolShape { channels, height, width, size };
            let (height, width) =
                shape.output_size().ok_or_else(|| format!("{name}: a {size}×{size} window does not fit {current}"))?;
            Ok(Activation::image(channels, height, width))
        }
        LayerSpec::Fc { outputs } => Ok(Activation { channels: outputs, height: 1, width: 1, flat: true }),
    }
}

/// Follows `input` through `layers`: the activation after each layer, or an error naming the
/// first layer that does not fit (a kernel or window larger than its input, a convolution or
/// pooling after a fully connected layer, a last layer that is not fc:`classes`) or that takes
/// the network past a limit of `crate::limits`. A layer's numbers are checked against their
/// limits before its shape is computed, so no size computed here can overflow unnoticed.
pub fn check(input: Activation, layers: &[LayerSpec], classes: usize) -> Result<Vec<Activation>, String> {
    if layers.len() > MAX_LAYERS {
        return Err(layer_count_error(layers.len()));
    }
    let mut shapes = Vec::with_capacity(layers.len());
    let mut current = input;
    let mut total = Footprint::default();
    for (index, layer) in layers.iter().enumerate() {
        let name = format!("layer {} ({layer})", index + 1);
        check_numbers(layer).map_err(|message| format!("{name}: {message}"))?;
        let output = output_shape(&name, current, layer)?;
        let cost = Footprint::of_layer(layer, current, output, index + 1 == layers.len());
        total = check_total(cost.and_then(|cost| total.plus(cost))).map_err(|message| format!("{name}: {message}"))?;
        shapes.push(output);
        current = output;
    }
    match layers.last() {
        Some(LayerSpec::Fc { outputs }) if *outputs == classes => Ok(shapes),
        Some(last) => Err(format!(
            "the last layer ({last}) must be fc:{classes}, one output per class; add fc:{classes} at the end"
        )),
        None => Err("the architecture has no layers".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MNIST: Activation = Activation { channels: 1, height: 28, width: 28, flat: false };

    #[test]
    fn lenet_5_parses_and_its_shapes_follow_the_classic_network() {
        let text = "conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10";
        let layers = parse(text).unwrap();
        let written: Vec<String> = layers.iter().map(ToString::to_string).collect();
        assert_eq!(written.join(","), text, "display round-trips");
        let shapes = check(MNIST, &layers, 10).unwrap();
        let sizes: Vec<(usize, usize, usize)> = shapes.iter().map(|a| (a.channels, a.height, a.width)).collect();
        assert_eq!(sizes, [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5), (120, 1, 1), (84, 1, 1), (10, 1, 1)]);
    }

    /// Counted by hand: LeNet-300-100's three products, and LeNet-5's two convolutions (6 filters
    /// of 25 taps over 28×28 outputs, 16 of 150 over 10×10) and its three fc layers.
    #[test]
    fn a_training_step_counts_the_dense_multiply_adds_but_the_first_layers_d_x() {
        let counts = |text: &str| {
            let layers = parse(text).unwrap();
            let total = footprint(MNIST, &layers, &check(MNIST, &layers, 10).unwrap());
            (total.forward_multiply_adds, total.training_multiply_adds())
        };
        let mlp = 784 * 300 + 300 * 100 + 100 * 10;
        assert_eq!(counts("fc:300,fc:100,fc:10"), (mlp, 3 * mlp - 784 * 300));
        let (conv1, conv2) = (6 * 25 * 28 * 28, 16 * 150 * 10 * 10);
        let lenet_5 = conv1 + conv2 + 400 * 120 + 120 * 84 + 84 * 10;
        assert_eq!(counts("conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10"), (lenet_5, 3 * lenet_5 - conv1));
        // A pooling first has no weights: the first weight layer is the one after it.
        assert_eq!(counts("pool,fc:10").1, 2 * 196 * 10);
    }

    #[test]
    fn padding_and_stride_options_parse() {
        assert_eq!(
            parse("conv:64x3p1s2").unwrap(),
            [LayerSpec::Conv { filters: 64, kernel: 3, padding: 1, stride: 2 }]
        );
        assert_eq!(parse("conv:8x3s2").unwrap(), [LayerSpec::Conv { filters: 8, kernel: 3, padding: 0, stride: 2 }]);
        assert_eq!(parse(" pool:3 , fc:10 ").unwrap(), [LayerSpec::MaxPool { size: 3 }, LayerSpec::Fc { outputs: 10 }]);
    }

    #[test]
    fn syntax_errors_name_the_item_and_the_fix() {
        for (text, expected) in [
            ("", "is empty"),
            ("conv:32,fc:10", "conv:FxK"),
            ("conv:32x3q1,fc:10", "conv:FxK"),
            ("conv:0x3,fc:10", "number of filters must be at least 1"),
            ("conv:32xk,fc:10", "conv:FxK"),
            ("conv:ax3,fc:10", "number of filters \"a\" is not a whole number"),
            ("fc:10,,fc:10", "empty layer"),
            ("dense:10", "\"dense\" is not a layer"),
            (
                "conv:8x3p99999999999999999999,fc:10",
                "layer 1 (conv:8x3p99999999999999999999): padding 99999999999999999999 is more than the limit of 64",
            ),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn numbers_past_the_limits_are_refused_with_the_layer_the_value_and_the_limit() {
        for (text, expected) in [
            ("conv:1x1p20000,fc:10", "layer 1 (conv:1x1p20000): padding 20000 is more than the limit of 64"),
            ("conv:1x1p4611686018427387904,fc:10", "padding 4611686018427387904 is more than the limit of 64"),
            ("fc:100,fc:100000", "layer 2 (fc:100000): number of outputs 100000 is more than the limit of 4096"),
            ("conv:5000x3,fc:10", "number of filters 5000 is more than the limit of 4096"),
            ("conv:8x65p40,fc:10", "kernel size 65 is more than the limit of 64"),
            ("conv:8x3s65,fc:10", "stride 65 is more than the limit of 64"),
            ("pool:100,fc:10", "window size 100 is more than the limit of 64"),
        ] {
            let error = check(MNIST, &parse(text).unwrap(), 10).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
        let hundred = vec!["fc:4096"; 100].join(",");
        let error = parse(&hundred).expect_err("too many layers");
        assert_eq!(error, "the network has 100 layers, more than the limit of 32");
        let error = check(MNIST, &vec![LayerSpec::Fc { outputs: 10 }; 33], 10).expect_err("too many layers");
        assert!(error.contains("33 layers"), "{error}");
        // Specs made in code, not parsed, are held to the same bounds.
        let no_filters = LayerSpec::Conv { filters: 0, kernel: 3, padding: 0, stride: 1 };
        let error = check(MNIST, &[no_filters, LayerSpec::Fc { outputs: 10 }], 10).expect_err("no filters");
        assert_eq!(error, "layer 1 (conv:0x3): the number of filters must be at least 1");
    }

    #[test]
    fn networks_too_large_to_hold_or_to_run_are_refused_at_the_layer_that_tips_them() {
        // 784·4096 + 4096·4096 weights and 2·4096 biases by the second layer.
        let error = check(MNIST, &parse("fc:4096,fc:4096,fc:10").unwrap(), 10).expect_err("too many parameters");
        assert!(
            error.starts_with(
                "layer 2 (fc:4096): the network has 19996672 parameters up to here, more than the limit of 5000000"
            ),
            "{error}"
        );
        // 4096 maps of 28×28 (and their ReLU) for each of 500 images: 12.8 GB.
        let error = check(MNIST, &parse("conv:4096x3p1,conv:4096x3p1,fc:10").unwrap(), 10).expect_err("too wide");
        assert!(error.starts_with("layer 1 (conv:4096x3p1): evaluating 500 images at once takes"), "{error}");
        assert!(error.contains("more than the limit of 300000000 (1200 MB)"), "{error}");
        // Padding that grows the maps layer after layer.
        let growing = ["conv:64x1p64"; 6].join(",") + ",fc:10";
        let error = check(MNIST, &parse(&growing).unwrap(), 10).expect_err("too large");
        assert!(error.contains("activation values"), "{error}");
    }

    #[test]
    fn the_named_networks_are_within_the_limits_with_room_to_spare() {
        use crate::limits::{EVALUATION_CHUNK, MAX_ACTIVATIONS, MAX_PARAMETERS};
        use crate::nn::ModelSpec;
        for name in ModelSpec::names() {
            let footprint = ModelSpec::from_name(name).unwrap().footprint();
            assert!(footprint.parameters * 3 / 2 <= MAX_PARAMETERS, "{name}: {footprint:?}");
            let activations = footprint.activations(EVALUATION_CHUNK).unwrap();
            assert!(activations * 6 / 5 <= MAX_ACTIVATIONS, "{name}: {activations}");
        }
        let conv_6 = ModelSpec::from_name("conv-6").unwrap().footprint();
        assert_eq!((conv_6.parameters, conv_6.activations(EVALUATION_CHUNK)), (1_802_698, Some(249_362_344)));
        assert_eq!(ModelSpec::from_name("conv-2").unwrap().footprint().parameters, 3_317_450);
    }

    #[test]
    fn impossible_shapes_are_refused_with_the_layer_and_the_shapes() {
        for (text, expected) in [
            ("conv:8x29,fc:10", "layer 1 (conv:8x29): a 29×29 kernel does not fit 1 map(s) of 28×28"),
            ("pool:4,pool:4,pool:4,fc:10", "layer 3 (pool:4): a 4×4 window does not fit 1 map(s) of 1×1"),
            ("fc:100,conv:8x3,fc:10", "layer 2 (conv:8x3) needs maps"),
            ("conv:8x3,pool", "the last layer (pool) must be fc:10"),
            ("fc:100,fc:5", "the last layer (fc:5) must be fc:10"),
        ] {
            let error = check(MNIST, &parse(text).unwrap(), 10).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
    }
}
