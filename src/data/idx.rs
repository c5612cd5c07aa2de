//! IDX files (the format MNIST ships in), parsed and checked.
//!
//! Layout: magic `00 00 08 D` (0x08 = unsigned bytes, D = number of dimensions), then D sizes as
//! big-endian u32, then the bytes of the array in row-major order. Nothing else is accepted.

use crate::error::{Error, Result};

/// A parsed IDX array of unsigned bytes, borrowing the file's bytes.
#[derive(Debug, PartialEq)]
pub struct IdxArray<'a> {
    pub dims: Vec<usize>,
    pub data: &'a [u8],
}

const UNSIGNED_BYTE: u8 = 0x08;
const REFETCH: &str = "fetch the file again (scripts/fetch-mnist)";

/// Parses `bytes` as an IDX array of unsigned bytes with `expected_dims` dimensions.
/// `file` names the file in error messages.
pub fn parse<'a>(file: &str, bytes: &'a [u8], expected_dims: u8) -> Result<IdxArray<'a>> {
    let expected_magic = u32::from_be_bytes([0, 0, UNSIGNED_BYTE, expected_dims]);
    if bytes.len() < 4 {
        return Err(Error::data(
            file,
            format!(
                "{} bytes is too short to be an IDX file (a header alone is {} bytes); {REFETCH}",
                bytes.len(),
                4 + 4 * expected_dims as usize
            ),
        ));
    }
    let magic = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != expected_magic {
        let hint = if bytes[0] == 0x1f && bytes[1] == 0x8b {
            "this is a gzip file: decompress it (gunzip) first".to_string()
        } else if magic & 0xffff_ff00 == 0x0000_0800 {
            format!(
                "an IDX file of {} dimension(s) where {expected_dims} are expected: is this the right file?",
                bytes[3]
            )
        } else {
            format!("this is not an IDX file of unsigned bytes; {REFETCH}")
        };
        return Err(Error::data(
            file,
            format!("expected IDX magic 0x{expected_magic:08x}, found 0x{magic:08x}: {hint}"),
        ));
    }
    let header_len = 4 + 4 * expected_dims as usize;
    if bytes.len() < header_len {
        return Err(Error::data(
            file,
            format!("truncated: {} bytes, shorter than its {header_len}-byte header; {REFETCH}", bytes.len()),
        ));
    }
    let dims: Vec<usize> =
        bytes[4..header_len].chunks_exact(4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize).collect();
    if let Some(position) = dims.iter().position(|&d| d == 0) {
        return Err(Error::data(file, format!("dimension {} of the header is 0; {REFETCH}", position + 1)));
    }
    let expected_len = dims
        .iter()
        .try_fold(1usize, |product, &d| product.checked_mul(d))
        .and_then(|elements| elements.checked_add(header_len))
        .ok_or_else(|| Error::data(file, format!("header dimensions {dims:?} are impossibly large; {REFETCH}")))?;
    if bytes.len() < expected_len {
        return Err(Error::data(
            file,
            format!(
                "truncated: the header promises {dims:?} ({expected_len} bytes) but the file has {} bytes; {REFETCH}",
                bytes.len()
            ),
        ));
    }
    if bytes.len() > expected_len {
        return Err(Error::data(
            file,
            format!(
                "{} unexpected bytes after the {dims:?} array the header describes; {REFETCH}",
                bytes.len() - expected_len
            ),
        ));
    }
    Ok(IdxArray { dims, data: &bytes[header_len..] })
}

/// Builds an IDX file of unsigned bytes (for tests and tools).
pub fn encode(dims: &[usize], data: &[u8]) -> Vec<u8> {
    let mut bytes = vec![0, 0, UNSIGNED_BYTE, dims.len() as u8];
    for &d in dims {
        bytes.extend_from_slice(&(d as u32).to_be_bytes());
    }
    bytes.extend_from_slice(data);
    bytes
}
