//! The IDX parser and the MNIST loader reject every kind of bad file with a message that names the
//! file and says what is wrong, and split good files into the requested sizes.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use ticketlab::data::idx::{encode, parse};
use ticketlab::data::mnist::{PIXELS, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use ticketlab::data::Mnist;
use ticketlab::Error;

/// Synthetic MNIST files: 120 training images, 30 test images.
fn good_files() -> [Vec<u8>; 4] {
    common::synthetic_mnist(3, 120, 30)
}

/// Loads the files with a 20-image validation split and returns the error's message, which must
/// name `file`.
fn load_error(files: &[Vec<u8>; 4], file: &str) -> String {
    let error = Mnist::from_idx(common::as_slices(files), 20, 0).expect_err("bad files are rejected");
    let message = error.to_string();
    assert!(
        matches!(&error, Error::Data { file: f, .. } if f == file),
        "expected an error about {file}, got: {message}"
    );
    assert!(message.contains(file), "the message names the file {file}: {message}");
    message
}

fn assert_mentions(message: &str, words: &[&str]) {
    for word in words {
        assert!(message.contains(word), "expected the message to mention \"{word}\": {message}");
    }
}

#[test]
fn good_synthetic_files_parse_and_split_into_the_requested_sizes() {
    let files = good_files();
    let mnist = Mnist::from_idx(common::as_slices(&files), 20, 0).expect("good files load");
    assert_eq!((mnist.validation.len(), mnist.train.len(), mnist.test.len()), (20, 100, 30));
    assert_eq!(mnist.train.images().len(), 100 * PIXELS);
    assert_eq!(mnist.validation.images().len(), 20 * PIXELS);
    assert_eq!(mnist.test.images().len(), 30 * PIXELS);

    // Validation is the first 20 training images; train_size takes the next ones.
    let parsed_labels = parse(TRAIN_LABELS, &files[1], 1).expect("labels parse");
    assert_eq!(parsed_labels.dims, [120]);
    assert_eq!(mnist.validation.labels(), &parsed_labels.data[..20]);
    assert_eq!(mnist.train.labels(), &parsed_labels.data[20..]);
    let parsed_images = parse(TRAIN_IMAGES, &files[0], 3).expect("images parse");
    assert_eq!(parsed_images.dims, [120, 28, 28]);
    assert_eq!(mnist.train.images(), &parsed_images.data[20 * PIXELS..]);

    let smaller = Mnist::from_idx(common::as_slices(&files), 20, 50).expect("a smaller train_size loads");
    assert_eq!((smaller.validation.len(), smaller.train.len(), smaller.test.len()), (20, 50, 30));
    assert_eq!(smaller.train.labels(), &parsed_labels.data[20..70]);
}

#[test]
fn encode_and_parse_round_trip() {
    let data: Vec<u8> = (0..24).collect();
    let bytes = encode(&[2, 3, 4], &data);
    assert_eq!(bytes.len(), 4 + 3 * 4 + 24);
    assert_eq!(bytes[..4], [0, 0, 0x08, 3]);
    let parsed = parse("x", &bytes, 3).expect("parses");
    assert_eq!(parsed.dims, [2, 3, 4]);
    assert_eq!(parsed.data, &data[..]);
}

#[test]
fn wrong_magic_names_expected_and_found_values() {
    let mut files = good_files();
    files[0][2] = 0x0d; // 0x00000d03: a float array, not unsigned bytes.
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(&message, &["expected IDX magic 0x00000803", "found 0x00000d03"]);
}

#[test]
fn a_labels_file_given_for_images_is_caught_by_its_dimension_count() {
    let mut files = good_files();
    files[0] = files[1].clone();
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(
        &message,
        &["expected IDX magic 0x00000803", "found 0x00000801", "1 dimension(s) where 3 are expected"],
    );
}

#[test]
fn a_gzip_file_is_recognised_and_the_message_says_to_decompress() {
    let mut files = good_files();
    // A gzip header (1f 8b, deflate, no flags): what a browser or a fetch without gunzip leaves.
    files[3] = vec![0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 1, 2, 3];
    let message = load_error(&files, TEST_LABELS);
    assert_mentions(&message, &["expected IDX magic 0x00000801", "found 0x1f8b0800", "gzip"]);
}

#[test]
fn images_that_are_not_28_by_28_are_rejected() {
    let mut files = good_files();
    files[0] = encode(&[120, 32, 32], &vec![0; 120 * 32 * 32]);
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(&message, &["28×28", "32×32"]);
}

#[test]
fn a_truncated_array_is_rejected() {
    let mut files = good_files();
    files[0].truncate(files[0].len() - 100);
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(&message, &["truncated", "[120, 28, 28]"]);
}

#[test]
fn a_truncated_header_is_rejected() {
    let mut files = good_files();
    files[0].truncate(10); // The magic and half of the three sizes.
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(&message, &["truncated", "16-byte header"]);
}

#[test]
fn trailing_bytes_after_the_array_are_rejected() {
    let mut files = good_files();
    files[1].extend_from_slice(&[0, 0, 0]);
    let message = load_error(&files, TRAIN_LABELS);
    assert_mentions(&message, &["3 unexpected bytes"]);
}

#[test]
fn a_file_shorter_than_the_magic_is_rejected() {
    for length in 0..4 {
        let mut files = good_files();
        files[1].truncate(length);
        let message = load_error(&files, TRAIN_LABELS);
        assert_mentions(&message, &[&format!("{length} bytes is too short")]);
    }
}

#[test]
fn a_zero_dimension_is_rejected() {
    let mut files = good_files();
    files[0] = encode(&[120, 28, 0], &[]);
    let message = load_error(&files, TRAIN_IMAGES);
    assert_mentions(&message, &["dimension 3", "is 0"]);
}

#[test]
fn an_absurdly_large_header_is_rejected_without_overflow() {
    let bytes = encode(&[u32::MAX as usize, u32::MAX as usize, u32::MAX as usize], &[]);
    let message = parse(TRAIN_IMAGES, &bytes, 3).expect_err("rejected").to_string();
    assert!(message.starts_with(TRAIN_IMAGES), "{message}");
    // On 64-bit targets the product overflows; on 32-bit targets the file is "truncated". Both refuse.
    assert!(message.contains("impossibly large") || message.contains("truncated"), "{message}");
}

#[test]
fn a_label_of_10_is_out_of_range() {
    let mut files = good_files();
    let last = files[3].len() - 1;
    files[3][last] = 10;
    let message = load_error(&files, TEST_LABELS);
    assert_mentions(&message, &["label 10", "example 29", "out of range"]);
}

#[test]
fn image_and_label_counts_must_agree() {
    let mut files = good_files();
    files[1] = encode(&[119], &[0; 119]);
    let message = load_error(&files, TRAIN_LABELS);
    assert_mentions(&message, &["119 labels", "120 images", TRAIN_IMAGES]);
}

#[test]
fn a_validation_size_that_leaves_nothing_to_train_on_names_the_field() {
    let files = good_files();
    for validation_size in [0, 120, 500] {
        let error = Mnist::from_idx(common::as_slices(&files), validation_size, 0).expect_err("rejected");
        assert!(matches!(&error, Error::Config { field, .. } if field == "validation_size"), "{error}");
        assert_mentions(&error.to_string(), &["\"validation_size\"", "between 1 and 119", "120 images"]);
    }
}

#[test]
fn a_train_size_beyond_what_is_left_names_the_field() {
    let files = good_files();
    let error = Mnist::from_idx(common::as_slices(&files), 20, 101).expect_err("rejected");
    assert!(matches!(&error, Error::Config { field, .. } if field == "train_size"), "{error}");
    assert_mentions(&error.to_string(), &["\"train_size\"", "101", "100 training images"]);
    // Exactly what is left is fine.
    let mnist = Mnist::from_idx(common::as_slices(&files), 20, 100).expect("train_size = what is left");
    assert_eq!(mnist.train.len(), 100);
}
