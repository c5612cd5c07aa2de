//! MNIST: the four IDX files, checked against each other, split into train / validation / test.
//!
//! The validation set is held out of the 60,000 training images: the first `validation_size`
//! (5,000 by default, as TensorFlow's MNIST reader and the LTH paper do), leaving 55,000 to train
//! on. The 10,000 test images are scored in full. Pixels stay bytes until a batch is assembled.

use super::idx;
use crate::error::{Error, Result};

pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";
pub const FILES: [&str; 4] = [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS];

pub const IMAGE_SIDE: usize = 28;
pub const PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
pub const CLASSES: usize = 10;
/// Images in MNIST's training file (the validation hold-out is taken from them).
pub const TRAINING_SET_IMAGES: usize = 60_000;

/// Labelled images, pixels as bytes (0 = background, 255 = ink).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Dataset {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Writes examples `indices` as a batch: x (batch, 784) scaled to [0, 1], and their labels.
    /// (A plain loop into a sized buffer, so the byte-to-float conversion is vectorised.)
    pub fn gather(&self, indices: impl ExactSizeIterator<Item = usize>, x: &mut Vec<f32>, labels: &mut Vec<u8>) {
        x.resize(indices.len() * PIXELS, 0.0);
        labels.clear();
        for (row, index) in x.chunks_exact_mut(PIXELS).zip(indices) {
            for (value, &pixel) in row.iter_mut().zip(&self.images[index * PIXELS..(index + 1) * PIXELS]) {
                *value = pixel as f32 * (1.0 / 255.0);
            }
            labels.push(self.labels[index]);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mnist {
    pub train: Dataset,
    pub validation: Dataset,
    pub test: Dataset,
}

/// A checked pair of IDX files, still in the files' bytes: the images' pixels and their labels.
struct Examples<'a> {
    images: &'a [u8],
    labels: &'a [u8],
}

impl Examples<'_> {
    fn len(&self) -> usize {
        self.labels.len()
    }

    /// A dataset of the examples in `range`, copied straight from the files' bytes (so that loading
    /// holds the files and the datasets, never a third copy: the page's workers keep the peak).
    fn copy(&self, range: std::ops::Range<usize>) -> Dataset {
        Dataset {
            images: self.images[range.start * PIXELS..range.end * PIXELS].to_vec(),
            labels: self.labels[range].to_vec(),
        }
    }
}

fn images_and_labels<'a>(
    images_file: &str,
    images: &'a [u8],
    labels_file: &str,
    labels: &'a [u8],
) -> Result<Examples<'a>> {
    let images = idx::parse(images_file, images, 3)?;
    let labels = idx::parse(labels_file, labels, 1)?;
    if images.dims[1..] != [IMAGE_SIDE, IMAGE_SIDE] {
        return Err(Error::data(
            images_file,
            format!("expected {IMAGE_SIDE}×{IMAGE_SIDE} images, found {}×{}", images.dims[1], images.dims[2]),
        ));
    }
    if images.dims[0] != labels.dims[0] {
        return Err(Error::data(
            labels_file,
            format!(
                "{} labels for the {} images of {images_file}: the two files must come from the same set",
                labels.dims[0], images.dims[0]
            ),
        ));
    }
    if let Some(index) = labels.data.iter().position(|&label| label as usize >= CLASSES) {
        return Err(Error::data(
            labels_file,
            format!(
                "label {} of example {index} is out of range 0-9; fetch the file again (scripts/fetch-mnist)",
                labels.data[index]
            ),
        ));
    }
    Ok(Examples { images: images.data, labels: labels.data })
}

impl Mnist {
    /// Parses the four files (bytes in `FILES` order) and makes the splits. `train_size` of 0
    /// means every training image not held out for validation.
    pub fn from_idx(files: [&[u8]; 4], validation_size: usize, train_size: usize) -> Result<Mnist> {
        let full_train = images_and_labels(TRAIN_IMAGES, files[0], TRAIN_LABELS, files[1])?;
        let test = images_and_labels(TEST_IMAGES, files[2], TEST_LABELS, files[3])?;
        let test = test.copy(0..test.len());
        let available = full_train.len().saturating_sub(validation_size);
        if validation_size == 0 || available == 0 {
            return Err(Error::config(
                "validation_size",
                format!(
                    "must be between 1 and {} (the training file has {} images)",
                    full_train.len().saturating_sub(1),
                    full_train.len()
                ),
            ));
        }
        if train_size > available {
            return Err(Error::config("train_size", format!("{train_size} is more than the {available} training images left after holding out {validation_size} for validation")));
        }
        let train_end = validation_size + if train_size == 0 { available } else { train_size };
        Ok(Mnist {
            validation: full_train.copy(0..validation_size),
            train: full_train.copy(validation_size..train_end),
            test,
        })
    }
}

/// Reads the four files (in `FILES` order) from a folder, for native builds.
pub fn read_files(dir: &std::path::Path) -> Result<[Vec<u8>; 4]> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path).map_err(|e| {
            Error::data(&path.display().to_string(), format!("cannot read it ({e}); run scripts/fetch-mnist, or pass --data with the folder that holds the four MNIST files"))
        })
    };
    Ok([read(TRAIN_IMAGES)?, read(TRAIN_LABELS)?, read(TEST_IMAGES)?, read(TEST_LABELS)?])
}
