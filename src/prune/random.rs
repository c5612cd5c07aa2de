//! Random pruning, the paper's control: a mask that keeps as many weights in each layer as a
//! given mask, at positions drawn uniformly at random.

use crate::nn::Mask;
use crate::rng::Rng;

pub fn random_mask_like(mask: &Mask, rng: &mut Rng) -> Mask {
    let mut next = mask.clone();
    for layer in &mut next.layers {
        let kept = layer.kept();
        let mut positions: Vec<u32> = (0..layer.size() as u32).collect();
        rng.shuffle(&mut positions);
        layer.keep.fill(false);
        for &position in &positions[..kept] {
            layer.keep[position as usize] = true;
        }
    }
    next
}
