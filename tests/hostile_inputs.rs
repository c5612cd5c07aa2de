//! Hostile and mistaken inputs: networks, files and flags that once panicked, aborted on
//! allocations of many gigabytes, wrapped around, or lost a finished run's work are refused with
//! a message that gives the value and the limit. Each refusal is shown to come from a check that
//! runs before the work it guards (the settings' limits before any model is built, a file's
//! header before its data is read, outputs before training), never by timing it.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use serde_json::{json, Value};
use ticketlab::checkpoint::Checkpoint;
use ticketlab::nn::{Mask, Model, ModelSpec};
use ticketlab::rng::{Rng, Stream};
use ticketlab::ticket::Ticket;
use ticketlab::{Config, Experiment, Status};

/// A safetensors file with no tensors and this metadata.
fn header_only(metadata: Value) -> Vec<u8> {
    let header = json!({ "__metadata__": metadata }).to_string();
    [&(header.len() as u64).to_le_bytes()[..], header.as_bytes()].concat()
}

/// The file's header and data, to edit.
fn split(file: &[u8]) -> (Value, Vec<u8>) {
    let length = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    (serde_json::from_slice(&file[8..8 + length]).unwrap(), file[8 + length..].to_vec())
}

fn join(header: &Value, data: &[u8]) -> Vec<u8> {
    let text = header.to_string();
    [&(text.len() as u64).to_le_bytes()[..], text.as_bytes(), data].concat()
}

fn with_metadata(file: &[u8], key: &str, value: &str) -> Vec<u8> {
    let (mut header, data) = split(file);
    header["__metadata__"][key] = json!(value);
    join(&header, &data)
}

fn assert_contains(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "\"{part}\" not in: {message}");
    }
}

fn settings(extra: &str) -> Config {
    Config::from_json(&format!(
        r#"{{"validation_size": 100, "batch_size": 60, "iterations": 4, "eval_every": 2{extra}}}"#
    ))
    .expect("valid settings")
}

/// A LeNet-300-100 ticket of `level` (every other weight of fc1 pruned), without training.
fn ticket_at(level: usize, config: Config) -> Ticket {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(1, Stream::WeightInit));
    let mut mask = Mask::dense(&model.tensors);
    mask.layers[0].keep.iter_mut().step_by(2).for_each(|keep| *keep = false);
    Ticket { config, level, mask, initial_params: model.params }
}

fn loaded(mut experiment: Experiment) -> Experiment {
    experiment.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    experiment
}

// ---- Files: tickets and checkpoints ------------------------------------------------------------

/// The 80 bytes that made `lth train --ticket FILE` abort on a 64 GB allocation: a header with
/// no tensors whose config names conv:1x1p20000,fc:10 (a 40,028×40,028 map into fc:10).
const PADDING_BOMB: &str = "48000000000000007b225f5f6d657461646174615f5f223a7b22636f6e666967223a227b5c226d6f64656c5c223a205c22636f6e763a3178317032303030302c66633a31305c227d227d7d2020202020";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn a_ticket_or_checkpoint_naming_a_network_past_the_limits_is_refused_by_the_settings_check() {
    let bomb = hex(PADDING_BOMB);
    assert_eq!(bomb.len(), 80);
    // 4096 maps of 28×28 twice: 700 MB of weights to build before a tensor was looked at.
    let wide = r#"{"model": "conv:4096x3p1,conv:4096x3p1,fc:10"}"#;
    let checkpoint_of = |config: &str| header_only(json!({"format": "ticketlab-checkpoint", "config": config}));
    for (config, file, limit) in [
        (r#"{"model": "conv:1x1p20000,fc:10"}"#, bomb.clone(), "padding 20000 is more than the limit of 64"),
        (wide, header_only(json!({ "config": wide })), "activation values"),
    ] {
        // The refusal is the settings' own (the limits, checked when the model's text is read,
        // before any model is built), word for word.
        let settings_error = Config::from_json(config).expect_err("past the limits").to_string();
        assert_contains(&settings_error, &["setting \"model\"", limit]);
        let ticket_error = Ticket::from_safetensors(&file, "t.safetensors").expect_err("refused").to_string();
        assert_eq!(ticket_error, format!("t.safetensors: the config in its __metadata__: {settings_error}"));
        let checkpoint_error = Checkpoint::from_safetensors(&checkpoint_of(config)).expect_err("refused").to_string();
        assert_eq!(checkpoint_error, format!("the checkpoint: the config in its __metadata__: {settings_error}"));
    }
}

#[test]
fn files_are_checked_against_the_layout_of_the_spec_which_is_the_models_own() {
    // Tickets and checkpoints are checked against `ModelSpec::param_tensors`, computed from the
    // spec without building (and allocating) the model: it is the layout the model has.
    let mut networks: Vec<&str> = ModelSpec::names();
    networks.extend(["conv:32x3,pool,fc:100,fc:10", "pool,conv:8x3s2,fc:10", "conv:64x3p1s2,fc:10"]);
    for network in networks {
        let spec = ModelSpec::for_mnist(network).expect("a valid network");
        let model = Model::new(spec.clone(), Config::default().init(), &mut Rng::new(0, Stream::Scratch));
        assert_eq!(spec.param_tensors(), model.tensors, "{network}");
    }
    // The largest named network, Conv-2 (3.3 million parameters), named by a header without
    // tensors: refused for its first missing tensor, with nothing read.
    let file = header_only(json!({"config": Config::defaults_for("conv-2").to_json()}));
    let message = Ticket::from_safetensors(&file, "t").expect_err("no tensors").to_string();
    assert_contains(&message, &["tensor conv1.weight is missing; a ticket of model conv-2 has conv1.weight"]);
}

#[test]
fn a_ticket_level_past_the_limit_is_refused_and_levels_never_wrap() {
    let file = ticket_at(1, settings("")).to_safetensors();
    for level in ["18446744073709551615", "101"] {
        let message =
            Ticket::from_safetensors(&with_metadata(&file, "level", level), "t").expect_err("refused").to_string();
        assert_contains(&message, &[&format!("\"level\" in its __metadata__ is {level}, more than the limit of 100")]);
    }
    let message = Ticket::from_safetensors(&with_metadata(&file, "level", "-1"), "t").expect_err("refused").to_string();
    assert_contains(&message, &["\"level\" in its __metadata__ is \"-1\"; expected a whole number"]);

    // A run from a ticket of level 100 (the limit) may train it, not prune it further; one of
    // level 99 may prune one round, and exports that round as level 100.
    let at_limit = Ticket::from_safetensors(&with_metadata(&file, "level", "100"), "t").expect("the limit is allowed");
    let mut further = Experiment::new(settings(r#", "rounds": 1"#));
    let message = further.import_ticket(at_limit.clone()).expect_err("past the limit").to_string();
    assert_contains(&message, &["setting \"rounds\"", "level 100", "past level 100", "prune at most 0 rounds"]);
    Experiment::new(settings("")).import_ticket(at_limit).expect("trains it again");
    let mut experiment = Experiment::new(settings(r#", "rounds": 1"#));
    experiment.import_ticket(ticket_at(99, settings(""))).expect("one round to the limit");
    let mut experiment = loaded(experiment);
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let exported = Ticket::from_safetensors(&experiment.ticket_safetensors(1).expect("round 1"), "t").expect("reads");
    assert_eq!(exported.level, 100);
    // A ticket made by hand, past what a file may say.
    let message =
        Experiment::new(settings("")).import_ticket(ticket_at(usize::MAX, settings(""))).expect_err("refused");
    assert_contains(&message.to_string(), &["past level 100"]);
}

#[test]
fn a_checkpoint_level_past_its_runs_rounds_is_refused_and_never_resumes() {
    let mut experiment = loaded(Experiment::new(settings(r#", "rounds": 2"#)));
    while experiment.ticket(1).is_err() {
        experiment.step(0.0, &FrozenClock).expect("one unit of work");
    }
    let file = experiment.checkpoint_safetensors().expect("after round 0");
    Checkpoint::from_safetensors(&file).expect("reads");
    for level in ["18446744073709551615", "2"] {
        let message = Checkpoint::from_safetensors(&with_metadata(&file, "level", level)).expect_err("refused");
        assert_contains(&message.to_string(), &[&format!("its \"level\" is {level}, but its run has 2 rounds")]);
    }
    // Made by hand: u64::MAX + 1 once wrapped to level 0 and "resumed" to Done.
    let checkpoint = Checkpoint { level: usize::MAX, ..experiment.checkpoint().expect("after round 0") };
    let mut resumed = Experiment::new(settings(r#", "rounds": 2"#));
    let message = resumed.resume_from(checkpoint).expect_err("refused").to_string();
    assert_contains(&message, &["beyond the run's 2 rounds"]);
    assert_eq!(resumed.status(), Status::NoData);
}
