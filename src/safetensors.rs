//! The safetensors format, read and written: tickets (src/ticket.rs) and checkpoints
//! (src/checkpoint.rs) are safetensors files, read by PyTorch, NumPy, JAX
//! (`safetensors.numpy.load_file`).
//!
//! The format (written by hand here; it is this small, and the `safetensors` crate orders and
//! checks differently: see docs/design/dependencies.md):
//!   8 bytes   N, the header's length, u64 little-endian
//!   N bytes   a JSON object: per tensor {"dtype": "F32" | "U8", "shape": [..], "data_offsets":
//!             [begin, end]}, plus "__metadata__": {key: string value}; padded with spaces to a
//!             multiple of 8 so that the data is aligned
//!   the rest  the tensors' bytes, little-endian, row-major; offsets count from the header's end
//!
//! `write` keeps the tensors in the order given and writes the header's keys sorted (serde_json's
//! map), so a file is the same bytes every time. `parse` checks the header against the data
//! (lengths, offsets, overlaps) before anything is read from it, with messages that say what is
//! wrong; what the tensors must be is the caller's to check.

use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};

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

/// A shape as text: "(6, 1, 5, 5)".
pub(crate) fn shape_text(shape: &[usize]) -> String {
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
