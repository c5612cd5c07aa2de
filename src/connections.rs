//! Which pixels a ticket still listens to: the first layer's surviving input connections, for
//! the page's view of an MLP's mask (the paper's pictures of LeNet-300-100's first layer).
//!
//! The first fully connected layer stores its weights as (inputs, outputs), row-major: the
//! connection from pixel p to hidden unit u is entry p · outputs + u of its mask.

use crate::nn::architecture::LayerSpec;
use crate::nn::{Mask, ModelSpec};

/// Hidden units whose own 28×28 masks are kept for the view.
pub const UNITS_SHOWN: usize = 32;

#[derive(Clone, Debug, PartialEq)]
pub struct InputConnections {
    pub height: usize,
    pub width: usize,
    /// Units of the first layer.
    pub units: usize,
    /// Per pixel (row-major), how many units still take it as input.
    pub per_pixel: Vec<u32>,
    /// For the first `UNITS_SHOWN` units (or all, if fewer), one byte per pixel: 1 if the unit
    /// still takes it. Unit after unit.
    pub unit_masks: Vec<u8>,
}

/// The first layer's connections under `mask`, when that layer is fully connected on a
/// one-channel image (LeNet-300-100 on MNIST); None for a network that starts otherwise.
pub fn input_connections(spec: &ModelSpec, mask: &Mask) -> Option<InputConnections> {
    let LayerSpec::Fc { outputs: units } = *spec.layers.first()? else { return None };
    let input = spec.input;
    let first = mask.layers.first()?;
    if input.flat || input.channels != 1 || first.keep.len() != input.len() * units {
        return None;
    }
    let pixels = input.len();
    let per_pixel = first.keep.chunks_exact(units).map(|row| row.iter().filter(|&&keep| keep).count() as u32).collect();
    let shown = units.min(UNITS_SHOWN);
    let mut unit_masks = Vec::with_capacity(shown * pixels);
    for unit in 0..shown {
        unit_masks.extend((0..pixels).map(|pixel| u8::from(first.keep[pixel * units + unit])));
    }
    Some(InputConnections { height: input.height, width: input.width, units, per_pixel, unit_masks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::init::Init;
    use crate::nn::Model;
    use crate::prune::magnitude::{prune_by_magnitude, PruneCounts};
    use crate::rng::{Rng, Stream};

    #[test]
    fn counts_and_unit_masks_follow_the_first_layers_mask() {
        let spec = ModelSpec::from_name("lenet-300-100").expect("named");
        let model = Model::new(spec.clone(), Init::GlorotNormal, &mut Rng::new(3, Stream::Scratch));
        let dense = Mask::dense(&model.layout);
        let mask = prune_by_magnitude(&dense, &model.params, &PruneCounts::PerLayer(vec![200_000, 0, 0]));
        let view = input_connections(&spec, &mask).expect("an MLP on the image");
        assert_eq!((view.height, view.width, view.units), (28, 28, 300));
        assert_eq!(view.per_pixel.iter().map(|&n| n as usize).sum::<usize>(), 35_200);
        let keep = &mask.layers[0].keep;
        for pixel in [0, 1, 407, 783] {
            let expected = (0..300).filter(|&unit| keep[pixel * 300 + unit]).count() as u32;
            assert_eq!(view.per_pixel[pixel], expected, "pixel {pixel}");
        }
        assert_eq!(view.unit_masks.len(), UNITS_SHOWN * 784);
        for (unit, pixel) in [(0, 0), (5, 400), (31, 783), (17, 123)] {
            assert_eq!(
                view.unit_masks[unit * 784 + pixel],
                u8::from(keep[pixel * 300 + unit]),
                "unit {unit} pixel {pixel}"
            );
        }
        let column_sum: usize = (0..784).map(|pixel| usize::from(view.unit_masks[7 * 784 + pixel])).sum();
        assert_eq!(column_sum, (0..784).filter(|&pixel| keep[pixel * 300 + 7]).count());
    }

    #[test]
    fn a_network_that_starts_with_a_convolution_has_no_input_connections() {
        let spec = ModelSpec::from_name("lenet-5").expect("named");
        let model = Model::new(spec.clone(), Init::GlorotNormal, &mut Rng::new(3, Stream::Scratch));
        assert_eq!(input_connections(&spec, &Mask::dense(&model.layout)), None);
    }
}
