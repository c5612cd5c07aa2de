//! A ticket as a file: the mask and the weights its survivors start from, with the settings that
//! made it, in the safetensors format (read by PyTorch, NumPy, JAX: `safetensors.numpy.load_file`).
//!
//! The format (written by hand here; it is this small):
//!   8 bytes   N, the header's length, u64 little-endian
//!   N bytes   a JSON object: per tensor {"dtype": "F32" | "U8", "shape": [..], "data_offsets":
//!             [begin, end]}, plus "__metadata__": {key: string value}; padded with spaces to a
//!             multiple of 8 so that the data is aligned
//!   the rest  the tensors' bytes, little-endian, row-major; offsets count from the header's end
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

use serde_json::{json, Map, Value};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::limits::MAX_ROUNDS;
use crate::nn::{Mask, ParamLayout, ParamTensor};

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

/// A safetensors file, taken apart: metadata, tensor entries by name, and the data they index.
pub(crate) struct Contents<'a> {
    pub metadata: HashMap<String, String>,
    pub entries: HashMap<String, Entry>,
    pub data: &'a [u8],
}

/// One tensor's entry in the header.
pub(crate) struct Entry {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub begin: usize,
    pub end: usize,
}

/// One tensor to write: its name, dtype, shape and little-endian bytes.
pub(crate) struct Tensor {
    pub name: String,
    pub dtype: &'static str,
    pub shape: Vec<usize>,
    pub bytes: Vec<u8>,
}

/// Little-endian bytes of f32 values, as the format stores them.
pub(crate) fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// The f32 values of little-endian bytes (the inverse of `f32_bytes`; a length that is not a
/// multiple of 4 is checked against the tensor's shape before).
pub(crate) fn f32_values(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|chunk| f32::from_le_bytes(chunk.try_into().expect("chunks of 4"))).collect()
}

/// A safetensors file of `tensors` (in this order in the data) and `metadata` (string values).
pub(crate) fn write(tensors: Vec<Tensor>, metadata: Value) -> Vec<u8> {
    let mut header = Map::new();
    let mut data = Vec::new();
    for Tensor { name, dtype, shape, bytes } in tensors {
        let begin = data.len();
        data.extend_from_slice(&bytes);
        header.insert(name, json!({"dtype": dtype, "shape": shape, "data_offsets": [begin, data.len()]}));
    }
    header.insert("__metadata__".into(), metadata);
    let mut text = Value::Object(header).to_string();
    text.push_str(&" ".repeat((8 - text.len() % 8) % 8));
    let mut file = (text.len() as u64).to_le_bytes().to_vec();
    file.extend_from_slice(text.as_bytes());
    file.extend_from_slice(&data);
    file
}

fn shape_text(shape: &[usize]) -> String {
    format!("({})", shape.iter().map(usize::to_string).collect::<Vec<_>>().join(", "))
}

/// Bytes per element of a safetensors dtype; None for a name the format does not define.
fn dtype_size(dtype: &str) -> Option<usize> {
    Some(match dtype {
        "BOOL" | "U8" | "I8" | "F8_E5M2" | "F8_E4M3" => 1,
        "U16" | "I16" | "F16" | "BF16" => 2,
        "U32" | "I32" | "F32" => 4,
        "U64" | "I64" | "F64" => 8,
        _ => return None,
    })
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

/// Splits a safetensors file into its metadata, its tensor entries (checked against the data's
/// length and each other) and its data; `advice` ends the message for bytes that are not one.
pub(crate) fn parse<'a>(bytes: &'a [u8], what: &str, advice: &str) -> Result<Contents<'a>> {
    let fail = |message: String| Error::data(what, message);
    let not_safetensors = || {
        fail(format!(
            "not a safetensors file: one starts with an 8-byte header length and a JSON header (\"{{...\"); {advice}"
        ))
    };
    if bytes.len() < 9 || bytes[8] != b'{' {
        return Err(not_safetensors());
    }
    let header_len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes"));
    let rest = bytes.len() - 8;
    if header_len > rest as u64 {
        return Err(fail(format!(
            "truncated: its header should be {header_len} bytes long, but only {rest} bytes follow the header length; download or copy the file again"
        )));
    }
    let (header, data) = bytes[8..].split_at(header_len as usize);
    let header: Value = std::str::from_utf8(header)
        .ok()
        .and_then(|text| serde_json::from_str(text).ok())
        .filter(Value::is_object)
        .ok_or_else(|| fail("its header is not a JSON object: the file is damaged or not a safetensors file".into()))?;
    let mut metadata = HashMap::new();
    let mut entries = HashMap::new();
    for (name, value) in header.as_object().expect("checked") {
        if name == "__metadata__" {
            let object = value.as_object().ok_or_else(|| fail("its __metadata__ is not a JSON object".into()))?;
            for (key, value) in object {
                let text = value.as_str().ok_or_else(|| {
                    fail(format!("__metadata__ \"{key}\" is {value}; the format allows string values only"))
                })?;
                metadata.insert(key.clone(), text.to_string());
            }
            continue;
        }
        let entry = entry(value).map_err(|problem| fail(format!("tensor {name}: {problem}")))?;
        if entry.end > data.len() {
            return Err(fail(format!(
                "tensor {name}: its data_offsets [{}, {}] reach past the end of the data ({} bytes): the file is truncated or its header is wrong",
                entry.begin,
                entry.end,
                data.len()
            )));
        }
        entries.insert(name.clone(), entry);
    }
    let mut spans: Vec<(&String, &Entry)> = entries.iter().collect();
    spans.sort_by_key(|(_, entry)| (entry.begin, entry.end));
    for pair in spans.windows(2) {
        let ((first, a), (second, b)) = (pair[0], pair[1]);
        if b.begin < a.end {
            return Err(fail(format!(
                "tensors {first} [{}, {}] and {second} [{}, {}] overlap in the data: the header is damaged",
                a.begin, a.end, b.begin, b.end
            )));
        }
    }
    Ok(Contents { metadata, entries, data })
}

/// One header entry, checked on its own: a known dtype, a shape, and offsets that hold it.
fn entry(value: &Value) -> std::result::Result<Entry, String> {
    let dtype = value.get("dtype").and_then(Value::as_str).ok_or("no \"dtype\" string")?;
    let size = dtype_size(dtype).ok_or_else(|| format!("unknown dtype \"{dtype}\""))?;
    let shape = value
        .get("shape")
        .and_then(Value::as_array)
        .and_then(|dims| {
            dims.iter().map(|d| d.as_u64().and_then(|d| usize::try_from(d).ok())).collect::<Option<Vec<_>>>()
        })
        .ok_or("no \"shape\" list of whole numbers")?;
    let offsets = value
        .get("data_offsets")
        .and_then(Value::as_array)
        .and_then(|pair| {
            pair.iter().map(|o| o.as_u64().and_then(|o| usize::try_from(o).ok())).collect::<Option<Vec<_>>>()
        })
        .filter(|pair| pair.len() == 2)
        .ok_or("no \"data_offsets\" pair of whole numbers")?;
    let (begin, end) = (offsets[0], offsets[1]);
    let length = shape.iter().try_fold(size, |total, &d| total.checked_mul(d));
    if begin > end || length != Some(end - begin) {
        return Err(format!(
            "data_offsets [{begin}, {end}] do not hold shape {} of {dtype} ({} bytes)",
            shape_text(&shape),
            length.map_or("too many".to_string(), |l| l.to_string())
        ));
    }
    Ok(Entry { dtype: dtype.to_string(), shape, begin, end })
}
