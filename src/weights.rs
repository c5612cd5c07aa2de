//! The ticket's weights at the end of a round, summarised for the page's Weights panel: per
//! layer, a histogram of the survivors' trained values with the magnitude below which the next
//! round prunes, and a sample of survivors' |initial| against |trained| magnitude, marked by
//! whether the next round prunes them. Small (a few kilobytes a layer), so every round keeps one.

use crate::nn::Mask;

/// Histogram bins over [−range, range].
pub const BINS: usize = 60;
/// Survivors sampled per layer for the initial-against-trained view.
pub const SAMPLE: usize = 1_000;

#[derive(Clone, Debug, PartialEq)]
pub struct LayerWeights {
    /// The weight tensor's name, e.g. "fc1.weight".
    pub name: String,
    /// Survivors this round, of `size` weights in the layer.
    pub kept: usize,
    pub size: usize,
    /// The largest trained magnitude among the survivors: the histogram spans [−range, range].
    pub range: f32,
    /// Survivors per bin, `BINS` equal bins from −range to range.
    pub counts: Vec<u32>,
    /// The largest trained magnitude the next round prunes in this layer; None after the last
    /// round, or when it prunes none here.
    pub threshold: Option<f32>,
    /// Every `kept / SAMPLE`-th survivor (in tensor order): |initial value|, |trained value|, and
    /// 1 if the next round prunes it.
    pub sample_initial: Vec<f32>,
    pub sample_trained: Vec<f32>,
    pub sample_pruned_next: Vec<u8>,
}

/// Each layer of `mask` (the round's), with its initial and trained values from the flat
/// parameter buffers, and the next round's mask if there is one.
pub fn summarise(mask: &Mask, initial: &[f32], trained: &[f32], next: Option<&Mask>) -> Vec<LayerWeights> {
    mask.layers
        .iter()
        .enumerate()
        .map(|(index, layer)| {
            let survivors: Vec<usize> = (0..layer.keep.len()).filter(|&i| layer.keep[i]).collect();
            let value = |params: &[f32], i: usize| params[layer.offset + i];
            let pruned_next = |i: usize| next.is_some_and(|next| !next.layers[index].keep[i]);
            let range = survivors.iter().map(|&i| value(trained, i).abs()).fold(0.0f32, f32::max);
            let mut counts = vec![0u32; BINS];
            for &i in &survivors {
                // Bin b covers [−range + b·width, −range + (b+1)·width); the top edge goes in the last.
                let position = (value(trained, i) + range) / (2.0 * range).max(f32::MIN_POSITIVE);
                counts[((position * BINS as f32) as usize).min(BINS - 1)] += 1;
            }
            let threshold = survivors
                .iter()
                .filter(|&&i| pruned_next(i))
                .map(|&i| value(trained, i).abs())
                .fold(None, |largest: Option<f32>, m| Some(largest.map_or(m, |l| l.max(m))));
            let stride = survivors.len().div_ceil(SAMPLE).max(1);
            let sampled: Vec<usize> = survivors.iter().copied().step_by(stride).collect();
            LayerWeights {
                name: layer.name.clone(),
                kept: survivors.len(),
                size: layer.keep.len(),
                range,
                counts,
                threshold,
                sample_initial: sampled.iter().map(|&i| value(initial, i).abs()).collect(),
                sample_trained: sampled.iter().map(|&i| value(trained, i).abs()).collect(),
                sample_pruned_next: sampled.iter().map(|&i| u8::from(pruned_next(i))).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::mask::LayerMask;

    fn mask(keep: &[bool]) -> Mask {
        Mask { layers: vec![LayerMask { name: "fc1.weight".into(), offset: 1, keep: keep.to_vec() }] }
    }

    #[test]
    fn histogram_threshold_and_sample_follow_the_weights_and_masks() {
        // Parameter 0 is not part of the layer (a bias, say); the layer is parameters 1..=6.
        let initial = [9.0, 0.5, -0.5, 0.25, 0.1, -0.2, 0.3];
        let trained = [9.0, 1.0, -2.0, 0.0, 0.5, -0.25, 2.0];
        let round = mask(&[true, true, false, true, true, true]);
        let next = mask(&[true, true, false, false, false, true]);
        let [layer] = &summarise(&round, &initial, &trained, Some(&next))[..] else { panic!("one layer") };
        assert_eq!((layer.kept, layer.size, layer.range), (5, 6, 2.0));
        assert_eq!(layer.counts.iter().sum::<u32>(), 5);
        // −2 falls in the first bin, 2 (the top edge) in the last, 1 at three quarters of the way.
        assert_eq!((layer.counts[0], layer.counts[BINS - 1], layer.counts[BINS * 3 / 4]), (1, 1, 1));
        // The next round prunes survivors 4 (trained 0.5) and 5 (−0.25): the threshold is 0.5.
        assert_eq!(layer.threshold, Some(0.5));
        assert_eq!(layer.sample_trained, [1.0, 2.0, 0.5, 0.25, 2.0]);
        assert_eq!(layer.sample_initial, [0.5, 0.5, 0.1, 0.2, 0.3]);
        assert_eq!(layer.sample_pruned_next, [0, 0, 1, 1, 0]);
        let [last] = &summarise(&round, &initial, &trained, None)[..] else { panic!("one layer") };
        assert_eq!((last.threshold, last.sample_pruned_next.iter().sum::<u8>()), (None, 0));
    }

    #[test]
    fn the_sample_is_at_most_its_size_and_spans_the_layer() {
        let size = 4_321;
        let params: Vec<f32> = (0..=size).map(|i| i as f32).collect();
        let round = mask(&vec![true; size]);
        let [layer] = &summarise(&round, &params, &params, None)[..] else { panic!("one layer") };
        assert!(layer.sample_trained.len() <= SAMPLE && layer.sample_trained.len() >= SAMPLE / 2);
        assert_eq!(layer.sample_trained[0], 1.0);
        assert!(*layer.sample_trained.last().unwrap() > (size - 2 * size / SAMPLE) as f32);
    }
}
