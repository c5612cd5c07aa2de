//! A ticket as a file: the mask and the weights its survivors start from, with the settings that
//! made it, in the safetensors format (read by PyTorch, NumPy, JAX: `safetensors.numpy.load_file`).
//!
//! The file format itself (header, padding, the checks on both) is `crate::safetensors`.
//!
//! The tensors, per layer of the model, in model order:
//!   `<layer>.weight`       F32, the initial values: θ0 under reset = "init", θk under "rewind" (the
//!                          values the survivors restart from). Pruned entries keep their values;
//!                          multiply by the mask. Conv: (filters, channels, kh, kw). Fully
//!                          connected: (inputs, outputs), as the model stores them, y = x·W + b
//!                          (torch.nn.Linear stores the transpose, (outputs, inputs)).
//!   `<layer>.bias`         F32, (outputs): the biases' initial values (never pruned).
//!   `<layer>.weight_mask`  U8, the weight's shape: 1 kept, 0 pruned.
//! Metadata: "format" ("ticketlab-ticket"), "config" (the run's settings, JSON), "model", "level",
//! "percent_remaining", "weights_remaining", "fc_weight_layout".
//!
//! Reading checks everything against the model that the config names, and refuses a file that
//! does not fit with a message that says what is wrong and what to do.

use std::collections::HashMap;

use serde_json::json;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::limits::MAX_ROUNDS;
use crate::nn::{Mask, ParamLayout, ParamTensor};
use crate::safetensors::{f32_bytes, f32_values, parse, shape_text, write, Contents, Entry, Tensor};

/// What `format` says in a ticket's metadata.
pub const FORMAT: &str = "ticketlab-ticket";

/// The suffix of a weight tensor's mask: "fc1.weight" → "fc1.weight_mask".
const MASK_SUFFIX: &str = "_mask";

const FC_WEIGHT_LAYOUT: &str =
    "(inputs, outputs): y = x @ W + b; torch.nn.Linear stores the transpose, (outputs, inputs)";

/// A mask and the weights its survivors start from.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticket {
    /// The settings of the run that found it.
    pub config: Config,
    /// Its pruning level, counted from the dense network (0).
    pub level: usize,
    pub mask: Mask,
    /// Every parameter in the model's flat layout (pruned weights included, not zeroed).
    pub initial_params: Vec<f32>,
}

impl Ticket {
    /// Share of the prunable weights kept, in percent.
    pub fn percent_remaining(&self) -> f64 {
        100.0 * self.mask.density()
    }

    /// The ticket as a safetensors file.
    pub fn to_safetensors(&self) -> Vec<u8> {
        let masks: HashMap<&str, &[bool]> =
            self.mask.layers.iter().map(|layer| (layer.name.as_str(), &layer.keep[..])).collect();
        let mut tensors = Vec::new();
        for tensor in &self.config.model_spec().layout() {
            let values = f32_bytes(&self.initial_params[tensor.range()]);
            tensors.push(Tensor {
                name: tensor.name.clone(),
                dtype: "F32",
                shape: tensor.shape.clone(),
                bytes: values,
            });
            if let Some(keep) = masks.get(tensor.name.as_str()) {
                let bytes: Vec<u8> = keep.iter().map(|&k| u8::from(k)).collect();
                tensors.push(Tensor { name: mask_name(tensor), dtype: "U8", shape: tensor.shape.clone(), bytes });
            }
        }
        // The format allows string values only.
        let metadata = json!({
            "format": FORMAT,
            "config": self.config.to_json(),
            "model": self.config.model,
            "level": self.level.to_string(),
            "percent_remaining": format!("{:.4}", self.percent_remaining()),
            "weights_remaining": self.mask.kept().to_string(),
            "fc_weight_layout": FC_WEIGHT_LAYOUT,
        });
        write(tensors, metadata)
    }

    /// Reads and checks a ticket; `what` names the file in errors. Everything in the header
    /// (the settings and their model against the limits, the level, every tensor's name, dtype,
    /// shape and place in the data) is checked before the weights are read, so a hostile file
    /// is refused before anything the size of its model is allocated.
    pub fn from_safetensors(bytes: &[u8], what: &str) -> Result<Ticket> {
        let fail = |message: String| Error::data(what, message);
        let advice = "export the ticket from ticketlab, or save it with safetensors";
        let Contents { metadata, entries, data } = parse(bytes, what, advice)?;
        let config_json = metadata.get("config").ok_or_else(|| {
            fail("its __metadata__ has no \"config\" (the settings, as JSON): it is a safetensors file, but not a ticketlab ticket; export tickets from ticketlab".into())
        })?;
        let config =
            Config::from_json(config_json).map_err(|e| fail(format!("the config in its __metadata__: {e}")))?;
        let level = ticket_level(metadata.get("level")).map_err(fail)?;
        let layout = config.model_spec().layout();
        let expected = expected_entries(&layout);
        check_entries(&entries, &layout, &expected, &config.model).map_err(fail)?;
        let bytes_of = |name: &str| {
            let entry = &entries[name];
            &data[entry.begin..entry.end]
        };
        let mut initial_params = Vec::with_capacity(layout.param_count());
        let mut keep_bytes = Vec::new();
        for tensor in &layout {
            initial_params.extend(f32_values(bytes_of(&tensor.name)));
            if let Some(position) = initial_params[tensor.range()].iter().position(|v| !v.is_finite()) {
                let value = initial_params[tensor.offset + position];
                return Err(fail(format!(
                    "tensor {}: entry {position} is {value}; initial weights must be finite",
                    tensor.name
                )));
            }
            if tensor.is_weight() {
                let name = mask_name(tensor);
                let keep = bytes_of(&name);
                if let Some(position) = keep.iter().position(|&b| b > 1) {
                    return Err(fail(format!(
                        "tensor {name}: entry {position} is {}; a mask holds 1 (kept) or 0 (pruned)",
                        keep[position]
                    )));
                }
                if !keep.contains(&1) {
                    return Err(fail(format!("tensor {name} keeps no weight: layer {} would be cut off", tensor.name)));
                }
                keep_bytes.extend_from_slice(keep);
            }
        }
        let mask = Mask::dense(&layout).with_bytes(&keep_bytes, what)?;
        Ok(Ticket { config, level, mask, initial_params })
    }
}

/// The name of a weight tensor's mask.
fn mask_name(tensor: &ParamTensor) -> String {
    format!("{}{MASK_SUFFIX}", tensor.name)
}

/// The tensors a ticket of this layout holds: per tensor, its values, then a weight's mask.
fn expected_entries(layout: &ParamLayout) -> Vec<String> {
    layout.iter().flat_map(|t| std::iter::once(t.name.clone()).chain(t.is_weight().then(|| mask_name(t)))).collect()
}

/// A ticket's level from its metadata (absent: 0), at most `MAX_ROUNDS`.
fn ticket_level(text: Option<&String>) -> std::result::Result<usize, String> {
    let Some(text) = text else { return Ok(0) };
    let level: u64 = text
        .parse()
        .map_err(|_| format!("\"level\" in its __metadata__ is \"{text}\"; expected a whole number such as \"3\""))?;
    if level > MAX_ROUNDS as u64 {
        return Err(format!(
            "\"level\" in its __metadata__ is {level}, more than the limit of {MAX_ROUNDS} (a level counts pruning rounds \
             from the dense network): the file is damaged"
        ));
    }
    Ok(level as usize)
}

/// Every header entry against the tensors of model `model` (`parse` has checked that each
/// entry's offsets hold its shape inside the data): each expected tensor present with its dtype
/// and shape, and no other.
fn check_entries(
    entries: &HashMap<String, Entry>,
    layout: &ParamLayout,
    expected: &[String],
    model: &str,
) -> std::result::Result<(), String> {
    let check = |name: &str, dtype: &str, shape: &[usize]| {
        let entry = entries.get(name).ok_or_else(|| {
            format!("tensor {name} is missing; a ticket of model {model} has {}", expected.join(", "))
        })?;
        if entry.dtype != dtype {
            return Err(format!("tensor {name} has dtype {}; expected {dtype}", entry.dtype));
        }
        if entry.shape != shape {
            return Err(format!(
                "tensor {name} has shape {}, but model {model} expects {}: is it a ticket of another model, or does its config name the wrong one?",
                shape_text(&entry.shape),
                shape_text(shape)
            ));
        }
        Ok(())
    };
    for tensor in layout {
        check(&tensor.name, "F32", &tensor.shape)?;
        if tensor.is_weight() {
            check(&mask_name(tensor), "U8", &tensor.shape)?;
        }
    }
    if let Some(unknown) = entries.keys().find(|name| !expected.contains(name)) {
        return Err(format!(
            "tensor {unknown} is not part of model {model}, which has {}: is it a ticket of another model, or does its config name the wrong one?",
            expected.join(", ")
        ));
    }
    Ok(())
}
