//! Magnitude pruning (Frankle & Carbin §2): remove the surviving weights of smallest magnitude.
//!
//! `prune_by_magnitude(mask, weights, counts)` is a pure function: given the current mask, the
//! trained weights (flat parameter layout) and how many survivors to remove, it returns the new
//! mask. Layer-wise pruning ranks each layer's survivors on their own; global pruning ranks all
//! survivors together. Ties are broken by position, so the result never depends on sort order.

use crate::nn::Mask;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Each layer removes its own count (the paper's choice for LeNet and Conv-2/4/6).
    LayerWise,
    /// One ranking across all layers (the paper's choice for VGG-19 and ResNet-18).
    Global,
}

/// How many survivors to remove: one count per layer (layer-wise) or one in all (global).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PruneCounts {
    PerLayer(Vec<usize>),
    Total(usize),
}

/// The new mask after removing the given number of smallest-magnitude survivors.
pub fn prune_by_magnitude(mask: &Mask, weights: &[f32], counts: &PruneCounts) -> Mask {
    let mut next = mask.clone();
    // (|w|, layer, index) for each survivor in the ranking's scope.
    let survivors = |layer: usize| {
        let m = &mask.layers[layer];
        m.keep.iter().enumerate().filter(|(_, &k)| k).map(move |(i, _)| (weights[m.offset + i].abs(), layer, i))
    };
    let mut remove = |mut ranked: Vec<(f32, usize, usize)>, count: usize| {
        let count = count.min(ranked.len());
        if count == 0 {
            return;
        }
        let by_magnitude_then_position = |a: &(f32, usize, usize), b: &(f32, usize, usize)| {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
        };
        ranked.select_nth_unstable_by(count - 1, by_magnitude_then_position);
        for &(_, layer, index) in &ranked[..count] {
            next.layers[layer].keep[index] = false;
        }
    };
    match counts {
        PruneCounts::PerLayer(per_layer) => {
            for (layer, &count) in per_layer.iter().enumerate() {
                remove(survivors(layer).collect(), count);
            }
        }
        PruneCounts::Total(count) => remove((0..mask.layers.len()).flat_map(survivors).collect(), *count),
    }
    next
}
