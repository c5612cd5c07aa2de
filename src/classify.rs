//! One image through two finished networks, for the page's "Draw a digit" view: the dense
//! network (round 0) and the ticket of a round each answer with their class probabilities.
//!
//! An image is what training sees: 28×28 pixels, row by row, from 0 (background) to 1 (ink),
//! as `Dataset::gather` makes them from MNIST's bytes (byte / 255).

use crate::data::mnist::{IMAGE_SIDE, PIXELS};
use crate::error::{Error, Result};
use crate::nn::loss::softmax;
use crate::nn::{Model, Workspace};

/// The two networks' answers for one image: a probability per class (softmax of the logits).
#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    pub dense: Vec<f32>,
    pub ticket: Vec<f32>,
}

/// One image of MNIST's test set, as training's evaluation sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct TestImage {
    pub pixels: Vec<f32>,
    pub label: u8,
}

/// Refuses an image that is not 28×28 values in [0, 1], naming what is wrong.
pub(crate) fn check_pixels(pixels: &[f32]) -> Result<()> {
    if pixels.len() != PIXELS {
        return Err(Error::Usage(format!(
            "classify: expected {PIXELS} pixels (a {IMAGE_SIDE}×{IMAGE_SIDE} image, row by row), got {}",
            pixels.len()
        )));
    }
    if let Some(index) = pixels.iter().position(|p| !(0.0..=1.0).contains(p)) {
        return Err(Error::Usage(format!(
            "classify: pixel {index} (row {}, column {}) is {}; pixels run from 0 (background) to 1 (ink)",
            index / IMAGE_SIDE,
            index % IMAGE_SIDE,
            pixels[index]
        )));
    }
    Ok(())
}

/// The class probabilities of `model`'s architecture with weights `params` for one checked image.
pub(crate) fn probabilities(model: &Model, params: &[f32], pixels: &[f32]) -> Vec<f32> {
    softmax(model.forward_with(params, pixels, 1, &mut Workspace::default()))
}
