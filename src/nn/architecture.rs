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

/// Numbers larger than this in a layer are refused (a typo, not a network for a browser).
const LARGEST: usize = 4096;

fn number(text: &str, what: &str, item: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err(format!("\"{item}\": the {what} must be at least 1")),
        Ok(value) if value > LARGEST => Err(format!("\"{item}\": the {what} {value} is larger than {LARGEST}")),
        Ok(value) => Ok(value),
        Err(_) => Err(format!("\"{item}\": the {what} \"{text}\" is not a whole number")),
    }
}

/// `FxK[pP][sS]` of a conv layer.
fn conv(arguments: &str, item: &str) -> Result<LayerSpec, String> {
    let usage = || {
        format!("\"{item}\": write a convolution as conv:FxK, e.g. conv:32x3 (32 filters of 3×3), optionally with pP (padding) and sS (stride): conv:32x3p1s2")
    };
    let (filters, rest) = arguments.split_once('x').ok_or_else(usage)?;
    let end_of_kernel = rest.find(['p', 's']).unwrap_or(rest.len());
    let (kernel, mut options) = rest.split_at(end_of_kernel);
    if kernel.is_empty() || !kernel.bytes().all(|b| b.is_ascii_digit()) {
        return Err(usage());
    }
    let mut padding = 0;
    let mut stride = 1;
    if let Some(after) = options.strip_prefix('p') {
        let end = after.find('s').unwrap_or(after.len());
        padding = after[..end].parse::<usize>().map_err(|_| usage())?;
        options = &after[end..];
    }
    if let Some(after) = options.strip_prefix('s') {
        stride = number(after, "stride", item)?;
        options = "";
    }
    if !options.is_empty() {
        return Err(usage());
    }
    Ok(LayerSpec::Conv {
        filters: number(filters, "number of filters", item)?,
        kernel: number(kernel, "kernel size", item)?,
        padding,
        stride,
    })
}

/// The layers of `text`, syntax only (see [`check`] for the shapes).
pub fn parse(text: &str) -> Result<Vec<LayerSpec>, String> {
    let items: Vec<&str> = text.split(',').map(str::trim).collect();
    if items.iter().all(|item| item.is_empty()) {
        return Err("the architecture is empty: list its layers, e.g. conv:32x3,pool,fc:100,fc:10".into());
    }
    items
        .iter()
        .map(|&item| {
            let (kind, arguments) = item.split_once(':').unwrap_or((item, ""));
            match kind {
                "conv" => conv(arguments, item),
                "pool" if arguments.is_empty() => Ok(LayerSpec::MaxPool { size: 2 }),
                "pool" => Ok(LayerSpec::MaxPool { size: number(arguments, "window size", item)? }),
                "fc" => Ok(LayerSpec::Fc { outputs: number(arguments, "number of outputs", item)? }),
                "" => Err("an empty layer (two commas in a row, or a comma at an end)".into()),
                other => Err(format!("\"{other}\" is not a layer: the layers are conv:FxK, pool and fc:N")),
            }
        })
        .collect()
}

/// Follows `input` through `layers`: the activation after each layer, or an error naming the
/// first layer that does not fit (a kernel or window larger than its input, a convolution or
/// pooling after a fully connected layer, a last layer that is not fc:`classes`).
pub fn check(input: Activation, layers: &[LayerSpec], classes: usize) -> Result<Vec<Activation>, String> {
    let mut shapes = Vec::with_capacity(layers.len());
    let mut current = input;
    for (index, layer) in layers.iter().enumerate() {
        let name = format!("layer {} ({layer})", index + 1);
        current = match *layer {
            LayerSpec::Conv { .. } | LayerSpec::MaxPool { .. } if current.flat => {
                return Err(format!("{name} needs maps, but it follows a fully connected layer; put conv and pool layers before the first fc"));
            }
            LayerSpec::Conv { filters, kernel, padding, stride } => {
                let shape = ConvShape {
                    channels: current.channels,
                    height: current.height,
                    width: current.width,
                    filters,
                    kernel,
                    stride,
                    padding,
                };
                let (height, width) = shape.output_size().ok_or_else(|| {
                    format!("{name}: a {kernel}×{kernel} kernel does not fit {current} with padding {padding}")
                })?;
                Activation::image(filters, height, width)
            }
            LayerSpec::MaxPool { size } => {
                let shape =
                    PoolShape { channels: current.channels, height: current.height, width: current.width, size };
                let (height, width) = shape
                    .output_size()
                    .ok_or_else(|| format!("{name}: a {size}×{size} window does not fit {current}"))?;
                Activation::image(current.channels, height, width)
            }
            LayerSpec::Fc { outputs } => Activation { channels: outputs, height: 1, width: 1, flat: true },
        };
        shapes.push(current);
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
            ("fc:100000", "larger than 4096"),
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.contains(expected), "{text}: {error}");
        }
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
