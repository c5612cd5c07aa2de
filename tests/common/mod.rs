//! Helpers shared by the native tests and the browser tests (tests/web.rs).
#![allow(dead_code)]

use ticketlab::data::idx;
use ticketlab::experiment::Clock;
use ticketlab::rng::{Rng, Stream};

/// A clock that never advances: `step` then runs until the schedule ends, whatever its budget,
/// so a test's numbers cannot depend on the machine's speed.
pub struct FrozenClock;

impl Clock for FrozenClock {
    fn now_millis(&self) -> f64 {
        0.0
    }
}

/// MNIST-shaped IDX files of seeded synthetic digits: each class has a random prototype image;
/// an example is its class's prototype plus noise. Learnable, tiny, and the same on every platform.
pub fn synthetic_mnist(seed: u64, train_examples: usize, test_examples: usize) -> [Vec<u8>; 4] {
    let mut rng = Rng::new(seed, Stream::Scratch);
    let prototypes: Vec<Vec<u8>> =
        (0..10).map(|_| (0..784).map(|_| if rng.below(4) == 0 { 60 } else { 0 }).collect()).collect();
    let mut make = |count: usize| {
        let labels: Vec<u8> = (0..count).map(|_| rng.below(10) as u8).collect();
        let images: Vec<u8> = labels
            .iter()
            .flat_map(|&label| prototypes[label as usize].clone())
            .map(|pixel| pixel.saturating_add(rng.below(196) as u8))
            .collect();
        (idx::encode(&[count, 28, 28], &images), idx::encode(&[count], &labels))
    };
    let (train_images, train_labels) = make(train_examples);
    let (test_images, test_labels) = make(test_examples);
    [train_images, train_labels, test_images, test_labels]
}

/// A folder of synthetic MNIST files for the CLI, removed when dropped.
#[cfg(not(target_arch = "wasm32"))]
pub struct SyntheticMnistDir(pub std::path::PathBuf);

#[cfg(not(target_arch = "wasm32"))]
impl SyntheticMnistDir {
    pub fn new(name: &str) -> SyntheticMnistDir {
        let dir = std::env::temp_dir().join(format!("ticketlab-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in ticketlab::data::mnist::FILES.iter().zip(synthetic_mnist(4, 500, 50)) {
            std::fs::write(dir.join(name), bytes).unwrap();
        }
        SyntheticMnistDir(dir)
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Drop for SyntheticMnistDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn as_slices(files: &[Vec<u8>; 4]) -> [&[u8]; 4] {
    [&files[0], &files[1], &files[2], &files[3]]
}

/// FNV-1a over the bits of a float buffer: a short fingerprint that changes if any bit does.
pub fn fingerprint(values: &[f32]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for value in values {
        for byte in value.to_bits().to_le_bytes() {
            hash ^= byte as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// The short fixed-seed runs whose every number must be the same natively and in the browser,
/// on 600 synthetic digits with LeNet-300-100 and Adam, 30 iterations a segment, scored every 10:
/// iterative layer-wise pruning at 60% a round with both controls, reset to θ0 (level 2 runs
/// fc1 and fc2 on the sparse kernels); and one-shot global pruning with
/// rewinding to iteration 5. Returns every round's evaluations, early stop and weights remaining,
/// and the fingerprint of each run's final weights, as one JSON document.
pub fn short_run_record() -> String {
    let base = r#""seed": 42, "iterations": 30, "eval_every": 10, "validation_size": 100, "batch_size": 60"#;
    let runs = [
        format!(r#"{{{base}, "rounds": 2, "prune_rate": 0.6, "controls": ["random_reinit", "random_prune"]}}"#),
        format!(
            r#"{{{base}, "rounds": 2, "prune_scope": "global", "prune_schedule": "one_shot", "reset": "rewind", "rewind_step": 5}}"#
        ),
    ];
    let records: Vec<serde_json::Value> = runs
        .iter()
        .map(|config| {
            let mut experiment = ticketlab::Experiment::from_json(config).expect("valid config");
            experiment.load_idx(as_slices(&synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
            experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
            let results = experiment.results();
            let rounds: Vec<serde_json::Value> = results
                .rounds
                .iter()
                .map(|round| {
                    serde_json::json!({
                        "branch": round.branch,
                        "level": round.level,
                        "weights": round.weights,
                        "evaluations": round.evaluations,
                        "early_stop": round.early_stop,
                    })
                })
                .collect();
            serde_json::json!({
                "config": results.config,
                "rounds": rounds,
                "weights_fingerprint": fingerprint(experiment.params().expect("trained")),
            })
        })
        .collect();
    serde_json::to_string_pretty(&records).expect("serialises") + "\n"
}

/// A safetensors file's JSON header and the data after it, to edit (tests that tamper with files).
pub fn split_safetensors(file: &[u8]) -> (serde_json::Value, Vec<u8>) {
    let length = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&file[8..8 + length]).unwrap(), file[8 + length..].to_vec())
}

/// `header` and `data` as a safetensors file again.
pub fn join_safetensors(header: &serde_json::Value, data: &[u8]) -> Vec<u8> {
    let text = header.to_string();
    [&(text.len() as u64).to_le_bytes()[..], text.as_bytes(), data].concat()
}
