//! MNIST: the four IDX files, checked against each other, split into train / validation / test.
//!
//! The validation set is held out of the 60,000 training images: the first `validation_size`
//! (5,000 by default, as TensorFlow's MNIST reader and the LTH paper do), leaving 55,000 to train
//! on. The 10,000 test images are scored in full. Pixels stay bytes until a batch is assembled.
//!
//! The files are held once (`MnistFiles`, shared) and the three sets are views into them: every
//! run of a page's worker, and every trial and thread of `lth imp`, reads the same bytes.

use std::ops::Range;
use std::sync::Arc;

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
/// Bytes in a cache line (64 on the x86 and ARM cores that run this).
const CACHE_LINE: usize = 64;
/// Images in MNIST's training file (the validation hold-out is taken from them).
pub const TRAINING_SET_IMAGES: usize = 60_000;

/// Labelled images, pixels as bytes (0 = background, 255 = ink): examples `range` of a pair of
/// files held by `MnistFiles`.
#[derive(Clone, Debug)]
pub struct Dataset {
    files: Arc<CheckedPair>,
    range: Range<usize>,
}

impl PartialEq for Dataset {
    fn eq(&self, other: &Dataset) -> bool {
        self.images() == other.images() && self.labels() == other.labels()
    }
}

impl Dataset {
    pub fn len(&self) -> usize {
        self.range.len()
    }

    pub fn is_empty(&self) -> bool {
        self.range.is_empty()
    }

    /// The images' pixels, 784 per image, row after row.
    pub fn images(&self) -> &[u8] {
        &self.files.examples().images[self.range.start * PIXELS..self.range.end * PIXELS]
    }

    pub fn labels(&self) -> &[u8] {
        &self.files.examples().labels[self.range.clone()]
    }

    /// Writes examples `indices` as a batch: x (batch, 784) scaled to [0, 1], and their labels.
    /// (A plain loop into a sized buffer, so the byte-to-float conversion is vectorised.)
    pub fn gather(&self, indices: impl ExactSizeIterator<Item = usize> + Clone, x: &mut Vec<f32>, labels: &mut Vec<u8>) {
        x.resize(indices.len() * PIXELS, 0.0);
        labels.clear();
        let (images, own_labels) = (self.images(), self.labels());
        // A training batch is 60 images drawn at random from 47 MB: each one's first read misses
        // the caches, and the conversion below would wait for them one image at a time. Reading a
        // byte of every cache line of every image first lets those misses overlap (their loads do
        // not depend on each other); it saves about a tenth of a pruned ticket's training step.
        let mut touched = 0u8;
        for index in indices.clone() {
            for &byte in images[index * PIXELS..(index + 1) * PIXELS].iter().step_by(CACHE_LINE) {
                touched ^= byte;
            }
        }
        std::hint::black_box(touched);
        for (row, index) in x.chunks_exact_mut(PIXELS).zip(indices) {
            for (value, &pixel) in row.iter_mut().zip(&images[index * PIXELS..(index + 1) * PIXELS]) {
                *value = pixel as f32 * (1.0 / 255.0);
            }
            labels.push(own_labels[index]);
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mnist {
    pub train: Dataset,
    pub validation: Dataset,
    pub test: Dataset,
}

/// A checked pair of IDX files, in the files' bytes: the images' pixels and their labels.
struct Examples<'a> {
    images: &'a [u8],
    labels: &'a [u8],
}

/// A pair of IDX files (images, labels) that `images_and_labels` accepted, kept whole.
#[derive(Debug)]
struct CheckedPair {
    images_file: Vec<u8>,
    labels_file: Vec<u8>,
    /// Where the data starts after each file's header.
    images_header: usize,
    labels_header: usize,
}

impl CheckedPair {
    fn new(names: [&str; 2], images_file: Vec<u8>, labels_file: Vec<u8>) -> Result<CheckedPair> {
        let examples = images_and_labels(names[0], &images_file, names[1], &labels_file)?;
        let header = |data: &[u8], file: &[u8]| file.len() - data.len();
        let images_header = header(examples.images, &images_file);
        let labels_header = header(examples.labels, &labels_file);
        Ok(CheckedPair { images_file, labels_file, images_header, labels_header })
    }

    fn examples(&self) -> Examples<'_> {
        Examples { images: &self.images_file[self.images_header..], labels: &self.labels_file[self.labels_header..] }
    }

    fn len(&self) -> usize {
        self.labels_file.len() - self.labels_header
    }
}

/// MNIST's four files, checked against each other and held once; `split` makes a run's sets as
/// views into them, without a copy. Cloning shares the files.
#[derive(Clone, Debug)]
pub struct MnistFiles {
    train: Arc<CheckedPair>,
    test: Arc<CheckedPair>,
}

impl MnistFiles {
    /// Takes the four files' bytes (in `FILES` order) as they are, after checking them.
    pub fn new(files: [Vec<u8>; 4]) -> Result<MnistFiles> {
        let [train_images, train_labels, test_images, test_labels] = files;
        Ok(MnistFiles {
            train: Arc::new(CheckedPair::new([TRAIN_IMAGES, TRAIN_LABELS], train_images, train_labels)?),
            test: Arc::new(CheckedPair::new([TEST_IMAGES, TEST_LABELS], test_images, test_labels)?),
        })
    }

    /// The splits: the first `validation_size` training images for validation, the next
    /// `train_size` (0: all the rest) to train on, and the whole test set.
    pub fn split(&self, validation_size: usize, train_size: usize) -> Result<Mnist> {
        let in_file = self.train.len();
        let available = in_file.saturating_sub(validation_size);
        if validation_size == 0 || available == 0 {
            return Err(Error::config(
                "validation_size",
                format!("must be between 1 and {} (the training file has {in_file} images)", in_file.saturating_sub(1)),
            ));
        }
        if train_size > available {
            return Err(Error::config("train_size", format!("{train_size} is more than the {available} training images left after holding out {validation_size} for validation")));
        }
        let train_end = validation_size + if train_size == 0 { available } else { train_size };
        let view = |files: &Arc<CheckedPair>, range: Range<usize>| Dataset { files: Arc::clone(files), range };
        Ok(Mnist {
            validation: view(&self.train, 0..validation_size),
            train: view(&self.train, validation_size..train_end),
            test: view(&self.test, 0..self.test.len()),
        })
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
    /// Parses the four files (bytes in `FILES` order, copied once) and makes the splits (see
    /// `MnistFiles::split`).
    pub fn from_idx(files: [&[u8]; 4], validation_size: usize, train_size: usize) -> Result<Mnist> {
        MnistFiles::new(files.map(<[u8]>::to_vec))?.split(validation_size, train_size)
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
