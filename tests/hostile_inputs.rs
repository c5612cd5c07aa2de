//! Hostile and mistaken inputs: networks, files and flags that once panicked, aborted on
//! allocations of many gigabytes, wrapped around, or lost a finished run's work are refused with
//! a message that gives the value and the limit. Each refusal is shown to come from a check that
//! runs before the work it guards (the settings' limits before any model is built, a file's
//! header before its data is read, outputs before training), never by timing it.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{FrozenClock, SyntheticMnistDir};
use serde_json::{json, Value};
use ticketlab::checkpoint::Checkpoint;
use ticketlab::config::Settings;
use ticketlab::nn::{Mask, Model, ModelSpec};
use ticketlab::rng::{Rng, Stream};
use ticketlab::ticket::Ticket;
use ticketlab::{Config, Experiment, Status};

/// A safetensors file with no tensors and this metadata.
fn header_only(metadata: Value) -> Vec<u8> {
    let header = json!({ "__metadata__": metadata }).to_string();
    [&(header.len() as u64).to_le_bytes()[..], header.as_bytes()].concat()
}

fn with_metadata(file: &[u8], key: &str, value: &str) -> Vec<u8> {
    let (mut header, data) = common::split_safetensors(file);
    header["__metadata__"][key] = json!(value);
    common::join_safetensors(&header, &data)
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
    let mut mask = Mask::dense(&model.layout);
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
    // Tickets and checkpoints are checked against `ModelSpec::layout`, computed from the
    // spec without building (and allocating) the model: it is the layout the model has.
    let mut networks: Vec<&str> = ModelSpec::names();
    networks.extend(["conv:32x3,pool,fc:100,fc:10", "pool,conv:8x3s2,fc:10", "conv:64x3p1s2,fc:10"]);
    for network in networks {
        let spec = ModelSpec::for_mnist(network).expect("a valid network");
        let model = Model::new(spec.clone(), Config::default().init(), &mut Rng::new(0, Stream::Scratch));
        assert_eq!(spec.layout(), model.layout, "{network}");
    }
    // The largest named network, Conv-2 (3.3 million parameters), named by a header without
    // tensors: refused for its first missing tensor, with nothing read.
    let file = header_only(json!({"config": Settings::defaults_for("conv-2").to_json()}));
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
    assert_contains(
        &message,
        &["setting \"rounds\"", "at level 100", "to level 101, past the limit of 100", "prune at most 0 round(s)"],
    );
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
    assert_contains(&message.to_string(), &["past the limit of 100"]);
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

// ---- The command line --------------------------------------------------------------------------

/// `lth COMMAND ARGS` on `data` (a folder that need not exist, /nonexistent/mnist: then reading
/// MNIST is an error, so a refusal for anything else shows that its check came first).
fn lth(command: &str, data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lth")).arg(command).arg("--data").arg(data).args(args).output().expect("lth runs")
}

/// The run was refused with exit code `code` and a message with `parts`, by a check, not by a
/// panic or an allocation failure, and before any training began.
fn assert_refused(run: &Output, code: i32, parts: &[&str]) {
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(code), "{stderr}");
    assert_contains(&stderr, parts);
    for crash in ["panicked", "memory allocation", "/nonexistent"] {
        assert!(!stderr.contains(crash), "\"{crash}\" in: {stderr}");
    }
    // What train, imp and bench print as they start their work.
    for started in [" on MNIST: ", "IMP on ", "repetition 1 of"] {
        assert!(!stderr.contains(started), "the work began: {stderr}");
    }
    assert!(run.stdout.is_empty(), "{}", String::from_utf8_lossy(&run.stdout));
}

/// Small runs on synthetic digits: 400 to train on, batches of 20.
const SMALL: [&str; 8] = ["--validation-size", "100", "--batch-size", "20", "--iterations", "2", "--eval-every", "2"];

#[test]
fn lth_trains_and_benchmarks_a_network_that_starts_with_pooling() {
    let data = SyntheticMnistDir::new("leading-pool");
    let out = data.0.join("out");
    let results = out.join("train.json");
    let train =
        lth("train", &data.0, &[&SMALL[..], &["--model", "pool,fc:10", "--out", results.to_str().unwrap()]].concat());
    assert!(train.status.success(), "{}", String::from_utf8_lossy(&train.stderr));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&results).unwrap()).unwrap();
    assert_eq!(written["status"], "done");
    let bench_out = out.join("bench.json");
    let args =
        ["--model", "pool,fc:10", "--measure", "dense", "--repetitions", "1", "--out", bench_out.to_str().unwrap()];
    let bench = lth("bench", &data.0, &[&SMALL[..], &args].concat());
    assert!(bench.status.success(), "{}", String::from_utf8_lossy(&bench.stderr));
}

#[test]
fn lth_draws_a_seed_when_given_none_says_which_and_that_seed_repeats_the_run() {
    let data = SyntheticMnistDir::new("drawn-seed");
    let run = |name: &str, more: &[&str]| {
        let path = data.0.join(name);
        let output = lth("train", &data.0, &[&SMALL[..], more, &["--out", path.to_str().unwrap()]].concat());
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let results: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        (String::from_utf8_lossy(&output.stderr).into_owned(), results)
    };
    let (said, drawn) = run("drawn.json", &[]);
    let seed = drawn["config"]["seed"].as_u64().expect("the results hold the seed drawn");
    assert!(said.contains(&format!("seed {seed}, drawn at random: give --seed {seed} to run it again")), "{said}");
    let (said, again) = run("again.json", &["--seed", &seed.to_string()]);
    assert!(!said.contains("drawn at random"), "{said}");
    let evaluations = |results: &Value| results["rounds"][0]["evaluations"].clone();
    assert_eq!(evaluations(&again), evaluations(&drawn));
    let (_, other) = run("other.json", &[]);
    assert_ne!(other["config"]["seed"], drawn["config"]["seed"], "two draws (1 in 2^32 to fail)");
}

#[test]
fn lth_refuses_networks_past_the_limits_before_reading_any_data() {
    let nowhere = Path::new("/nonexistent/mnist");
    let hundred = vec!["fc:4096"; 100].join(",");
    for (model, message) in [
        ("conv:1x1p20000,fc:10", "layer 1 (conv:1x1p20000): padding 20000 is more than the limit of 64"),
        ("conv:1x1p4611686018427387904,fc:10", "padding 4611686018427387904 is more than the limit of 64"),
        (&hundred, "the network has 100 layers, more than the limit of 32"),
        ("fc:4096,fc:4096,fc:10", "layer 2 (fc:4096): the network has 19996672 parameters up to here"),
    ] {
        for command in ["train", "imp", "bench"] {
            assert_refused(&lth(command, nowhere, &["--model", model]), 1, &["setting \"model\"", message]);
        }
    }
    let config = std::env::temp_dir().join(format!("ticketlab-hostile-config-{}.json", std::process::id()));
    std::fs::write(&config, r#"{"model": "conv:1x1p20000,fc:10"}"#).unwrap();
    let run = lth("train", nowhere, &["--config", config.to_str().unwrap()]);
    std::fs::remove_file(&config).unwrap();
    assert_refused(&run, 1, &["padding 20000 is more than the limit of 64"]);
    let run = lth("train", nowhere, &["--model", "conv-6", "--batch-size", "5000"]);
    assert_refused(&run, 1, &["setting \"batch_size\"", "use a batch of at most 602"]);
}

#[test]
fn lth_refuses_a_hostile_ticket_before_reading_any_data() {
    let nowhere = Path::new("/nonexistent/mnist");
    let file = std::env::temp_dir().join(format!("ticketlab-hostile-ticket-{}.safetensors", std::process::id()));
    std::fs::write(&file, hex(PADDING_BOMB)).unwrap();
    let run = lth("train", nowhere, &["--ticket", file.to_str().unwrap()]);
    std::fs::remove_file(&file).unwrap();
    assert_refused(&run, 1, &["the config in its __metadata__", "padding 20000 is more than the limit of 64"]);
}

#[test]
fn lth_imp_bounds_the_trials_before_reading_any_data() {
    let nowhere = Path::new("/nonexistent/mnist");
    for trials in ["1000000000", "18446744073709551615", "18446744073709551616"] {
        let run = lth("imp", nowhere, &["--trials", trials]);
        assert_refused(&run, 2, &[&format!("--trials: {trials} is more than the limit of 1000")]);
    }
    assert_refused(&lth("imp", nowhere, &["--trials", "0"]), 2, &["--trials: expected a whole number above 0"]);
    let run = lth("imp", nowhere, &["--trials", "2", "--seed", "9007199254740991"]);
    assert_refused(&run, 1, &["seeds 9007199254740991 to 9007199254740992 go past 9007199254740991"]);
}

#[test]
fn lth_checks_what_it_will_write_before_it_trains() {
    let data = SyntheticMnistDir::new("late-checks");
    let a_file = data.0.join("a-file");
    std::fs::write(&a_file, "not a folder").unwrap();
    let under_a_file = a_file.join("results.json");
    let under = under_a_file.to_str().unwrap();
    let ticket = data.0.join("ticket.safetensors");
    let ticket = ticket.to_str().unwrap();
    let out = data.0.join("train.json");
    let out = out.to_str().unwrap();
    let train = |args: &[&str]| lth("train", &data.0, &[&SMALL[..], args].concat());
    // A full disk shows when written: the results are written once before training.
    assert_refused(&train(&["--out", "/dev/full"]), 1, &["/dev/full: cannot write it"]);
    assert_refused(&train(&["--out", under]), 1, &["cannot create the folder"]);
    assert_refused(&train(&["--out", out, "--export-ticket", under]), 1, &["cannot create the folder"]);
    let continued = ["--out", out, "--export-ticket", ticket, "--reset", "continue", "--rounds", "1"];
    assert_refused(&train(&continued), 1, &["--export-ticket: under reset = continue, round 1"]);
    assert!(!Path::new(ticket).exists(), "the check leaves no file behind");
    // An epoch counts the training set the settings describe: 59,900 images, 2,995 batches.
    let run = train(&["--out", out, "--epochs", "1e300"]);
    assert_refused(&run, 1, &["--epochs: 1e300 epochs of 2995 iterations are more than the limit of 100000000 iterations; give at most 33388 epochs"]);

    let imp = |args: &[&str]| lth("imp", &data.0, &[&SMALL[..], &["--trials", "1", "--controls", ""], args].concat());
    assert_refused(&imp(&["--out-dir", under]), 1, &["--out-dir cannot write files in this folder"]);
    let export = data.0.join("tickets");
    let export = export.to_str().unwrap();
    let out_dir = data.0.join("imp");
    let out_dir = out_dir.to_str().unwrap();
    let run = imp(&["--out-dir", out_dir, "--export-tickets", under]);
    assert_refused(&run, 1, &["--export-tickets cannot write files in this folder"]);
    let run = imp(&["--out-dir", out_dir, "--export-tickets", export, "--reset", "continue", "--rounds", "2"]);
    assert_refused(&run, 1, &["--export-tickets: under reset = continue, round 1"]);
    let bench = lth("bench", &data.0, &[&SMALL[..], &["--measure", "dense", "--out", under]].concat());
    assert_refused(&bench, 1, &["cannot create the folder"]);

    // What is checked still works: a run writes its results, and its ticket where asked.
    let run = train(&["--out", out, "--export-ticket", ticket]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let written: Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(written["status"], "done");
    Ticket::from_safetensors(&std::fs::read(ticket).unwrap(), ticket).expect("a ticket");
}
