//! On real MNIST (data/mnist): one epoch of LeNet-300-100 with the paper's settings reaches 96% test
//! accuracy, and a second run with the same seed reproduces every number and weight bit for bit.
//! Without the files the test is skipped with a note, unless TICKETLAB_REQUIRE_MNIST is set.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use std::path::Path;

use ticketlab::data::mnist::read_files;
use ticketlab::experiment::SystemClock;
use ticketlab::{Experiment, Results, Status};

/// The four MNIST files, or None (after a note on stderr) when they are missing and not required.
fn mnist_files() -> Option<[Vec<u8>; 4]> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/mnist");
    match read_files(&dir) {
        Ok(files) => Some(files),
        Err(error) if std::env::var_os("TICKETLAB_REQUIRE_MNIST").is_some() => {
            panic!("TICKETLAB_REQUIRE_MNIST is set and MNIST cannot be read: run scripts/fetch-mnist ({error})")
        }
        Err(error) => {
            eprintln!(
                "note: skipping the MNIST training test, MNIST cannot be read ({error}); \
                 set TICKETLAB_REQUIRE_MNIST=1 to make this a failure"
            );
            None
        }
    }
}

/// Seed 3 reaches 96.87% after one epoch with the current kernels; seeds 0-9 range from 96.05%
/// to 96.87%, so 96% is a regression floor, not a tuned pass mark.
const SEED: u64 = 3;
const ONE_EPOCH: usize = 916; // ⌊55,000 / 60⌋ batches.
const MIN_TEST_ACCURACY: f64 = 0.96;

fn train_one_epoch(files: &[Vec<u8>; 4]) -> (Results, Vec<f32>) {
    let config = format!(r#"{{"seed": {SEED}, "iterations": {ONE_EPOCH}, "eval_every": {ONE_EPOCH}}}"#);
    let mut experiment = Experiment::from_json(&config).expect("valid settings");
    experiment.load_idx(common::as_slices(files)).expect("MNIST loads");
    experiment.run_to_end(&SystemClock::new(), |_| {}).expect("runs");
    (experiment.results(), experiment.params().expect("trained").to_vec())
}

#[test]
fn lenet_300_100_reaches_96_percent_in_one_epoch_reproducibly() {
    let Some(files) = mnist_files() else { return };
    let (results, params) = train_one_epoch(&files);

    assert_eq!(results.status, Status::Done, "error: {:?}", results.error);
    assert_eq!(results.train_examples, 55_000);
    assert_eq!(results.iterations_per_epoch, ONE_EPOCH);
    assert_eq!(results.rounds.len(), 1, "a dense run (rounds 0) is one round");
    let round = &results.rounds[0];
    assert!(round.complete);
    assert_eq!(round.iterations_completed, ONE_EPOCH);
    let iterations: Vec<usize> = round.evaluations.iter().map(|e| e.iteration).collect();
    assert_eq!(iterations, [0, ONE_EPOCH]);
    let (first, last) = (&round.evaluations[0], &round.evaluations[1]);
    assert!(first.test_accuracy < 0.3, "an untrained network is near chance: {}", first.test_accuracy);
    assert_eq!(last.epoch, 1.0);
    eprintln!(
        "seed {SEED}, one epoch: validation {:.2}%, test {:.2}%, {:.0} training samples/s",
        last.validation_accuracy * 100.0,
        last.test_accuracy * 100.0,
        results.train_samples_per_second
    );
    assert!(
        last.test_accuracy >= MIN_TEST_ACCURACY,
        "test accuracy after one epoch is {:.2}%, below {:.0}%",
        last.test_accuracy * 100.0,
        MIN_TEST_ACCURACY * 100.0
    );

    let (again, params_again) = train_one_epoch(&files);
    assert_eq!(again.rounds[0].evaluations, round.evaluations, "the same seed gave different evaluations");
    assert!(
        params_again == params,
        "the same seed gave different weights: {} vs {}",
        common::fingerprint(&params_again),
        common::fingerprint(&params)
    );
}

/// The page's precomputed run (www/precomputed/quick-seed0.json, made by scripts/precompute) must
/// be what the core computes now: its dense round is trained again here and compared, every
/// evaluation to the last bit. If the numerics change on purpose, rerun scripts/precompute.
#[test]
fn the_pages_precomputed_run_is_what_the_core_computes() {
    let Some(files) = mnist_files() else { return };
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/precomputed/quick-seed0.json");
    let shipped: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("shipped")).expect("JSON");
    let mut config = shipped["config"].clone();
    config["rounds"] = 0.into();
    let mut experiment = Experiment::from_json(&config.to_string()).expect("the shipped settings are valid");
    experiment.load_idx(common::as_slices(&files)).expect("MNIST loads");
    experiment.run_to_end(&SystemClock::new(), |_| {}).expect("runs");
    let mut dense = serde_json::to_value(&experiment.results().rounds[0]).expect("serialises");
    let mut expected = shipped["rounds"][0].clone();
    for round in [&mut dense, &mut expected] {
        round.as_object_mut().expect("a round").remove("seconds");
    }
    assert_same(&dense, &expected, "rounds[0]");
}

/// JSON trees equal, numbers to the last couple of bits (serde_json's default float parsing may
/// miss the shortest representation JS wrote by one unit in the last place).
fn assert_same(actual: &serde_json::Value, expected: &serde_json::Value, path: &str) {
    use serde_json::Value;
    match (actual, expected) {
        (Value::Number(a), Value::Number(e)) => {
            let (a, e) = (a.as_f64().expect("a number"), e.as_f64().expect("a number"));
            assert!(
                (a - e).abs() <= 4.0 * f64::EPSILON * e.abs().max(1e-300),
                "{path}: {a} against {e}; rerun scripts/precompute if the numerics changed on purpose"
            );
        }
        (Value::Object(a), Value::Object(e)) => {
            assert_eq!(a.keys().collect::<Vec<_>>(), e.keys().collect::<Vec<_>>(), "{path}");
            for (key, value) in a {
                assert_same(value, &e[key], &format!("{path}.{key}"));
            }
        }
        (Value::Array(a), Value::Array(e)) => {
            assert_eq!(a.len(), e.len(), "{path}");
            for (index, (a, e)) in a.iter().zip(e).enumerate() {
                assert_same(a, e, &format!("{path}[{index}]"));
            }
        }
        _ => assert_eq!(actual, expected, "{path}"),
    }
}
