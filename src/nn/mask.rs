//! A Mask says which prunable weights survive (it is shaped by the parameter layout, `layout`;
//! `prune` computes new ones): one keep/prune flag per weight, per weight tensor,
//! in model order. Biases are never pruned and have no mask. A Mask is a value: pruning makes a
//! new one, it never edits one in place.

use serde::{Deserialize, Serialize};

use super::layout::ParamLayout;
use crate::error::{Error, Result};

#[derive(Clone, Debug, PartialEq)]
pub struct LayerMask {
    /// The weight tensor's name, e.g. "fc1.weight".
    pub name: String,
    /// Where the tensor starts in the model's flat parameter buffer.
    pub offset: usize,
    pub keep: Vec<bool>,
}

impl LayerMask {
    pub fn kept(&self) -> usize {
        self.keep.iter().filter(|&&k| k).count()
    }

    pub fn size(&self) -> usize {
        self.keep.len()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mask {
    pub layers: Vec<LayerMask>,
}

/// Weights kept in one layer, for reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LayerCount {
    pub name: String,
    pub kept: usize,
    pub size: usize,
}

impl Mask {
    /// Everything kept: the dense network of this layout.
    pub fn dense(layout: &ParamLayout) -> Mask {
        let layers = layout
            .weights()
            .map(|t| LayerMask { name: t.name.clone(), offset: t.offset, keep: vec![true; t.element_count()] })
            .collect();
        Mask { layers }
    }

    pub fn kept(&self) -> usize {
        self.layers.iter().map(LayerMask::kept).sum()
    }

    pub fn size(&self) -> usize {
        self.layers.iter().map(LayerMask::size).sum()
    }

    /// Fraction of the prunable weights kept, in [0, 1].
    pub fn density(&self) -> f64 {
        self.kept() as f64 / self.size().max(1) as f64
    }

    pub fn counts(&self) -> Vec<LayerCount> {
        self.layers.iter().map(|l| LayerCount { name: l.name.clone(), kept: l.kept(), size: l.size() }).collect()
    }

    /// Sets the pruned entries of a buffer in the parameter layout (weights, gradients) to 0.
    pub fn apply(&self, buffer: &mut [f32]) {
        for layer in &self.layers {
            for (value, &keep) in buffer[layer.offset..layer.offset + layer.size()].iter_mut().zip(&layer.keep) {
                // A select rather than a branch: a mask's pattern is unpredictable, and this runs
                // over every masked gradient after every backward pass.
                *value = if keep { *value } else { 0.0 };
            }
        }
    }

    /// Indices (in the parameter layout of `param_count` entries) of everything that trains:
    /// the kept weights and every parameter outside the masked tensors (the biases).
    pub fn trainable_indices(&self, param_count: usize) -> Vec<u32> {
        let mut pruned = vec![false; param_count];
        for layer in &self.layers {
            for (flag, &keep) in pruned[layer.offset..layer.offset + layer.size()].iter_mut().zip(&layer.keep) {
                *flag = !keep;
            }
        }
        (0..param_count as u32).filter(|&i| !pruned[i as usize]).collect()
    }

    /// One byte per prunable weight, 1 kept and 0 pruned, layer after layer in model order: the
    /// form in which a mask crosses to another worker.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.layers.iter().flat_map(|layer| layer.keep.iter().map(|&keep| u8::from(keep))).collect()
    }

    /// The mask that `bytes` (as made by `to_bytes`) describe, shaped like this one; `what` names
    /// the bytes in errors. Refuses bytes of the wrong length or other than 0 and 1.
    pub fn with_bytes(&self, bytes: &[u8], what: &str) -> Result<Mask> {
        if bytes.len() != self.size() {
            return Err(Error::data(
                what,
                format!(
                    "expected {} bytes, one per prunable weight ({}), got {}; was it made for another model?",
                    self.size(),
                    self.layers.iter().map(|l| format!("{} {}", l.name, l.size())).collect::<Vec<_>>().join(", "),
                    bytes.len()
                ),
            ));
        }
        if let Some(position) = bytes.iter().position(|&b| b > 1) {
            return Err(Error::data(
                what,
                format!("byte {position} is {}; expected 0 (pruned) or 1 (kept)", bytes[position]),
            ));
        }
        let mut rest = bytes;
        let layers = self
            .layers
            .iter()
            .map(|layer| {
                let (own, others) = rest.split_at(layer.size());
                rest = others;
                LayerMask {
                    name: layer.name.clone(),
                    offset: layer.offset,
                    keep: own.iter().map(|&b| b == 1).collect(),
                }
            })
            .collect();
        Ok(Mask { layers })
    }

    /// True when every weight this mask keeps, `earlier` kept too.
    pub fn is_within(&self, earlier: &Mask) -> bool {
        self.layers.len() == earlier.layers.len()
            && self.layers.iter().zip(&earlier.layers).all(|(now, before)| {
                now.keep.len() == before.keep.len() && now.keep.iter().zip(&before.keep).all(|(&n, &b)| !n || b)
            })
    }
}
