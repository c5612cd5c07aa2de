//! Tickets as safetensors files: a ticket exported from a run and imported into a new one trains
//! exactly as it did in the run that found it; files that do not fit are refused with messages
//! that name the problem.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use serde_json::{json, Value};
use ticketlab::config::Settings;
use ticketlab::experiment::{Branch, RoundResult};
use ticketlab::nn::{Mask, Model};
use ticketlab::rng::{Rng, Stream};
use ticketlab::ticket::Ticket;
use ticketlab::{Config, Experiment, Status};

fn config(settings: &str) -> Config {
    Config::from_json(&format!(r#"{{"validation_size": 100, "batch_size": 60, {settings}}}"#)).expect("valid settings")
}

/// An experiment on 600 synthetic digits, from `ticket` if given.
fn loaded(config: Config, ticket: Option<Ticket>) -> Experiment {
    let mut experiment = Experiment::new(config);
    if let Some(ticket) = ticket {
        experiment.import_ticket(ticket).expect("the ticket fits");
    }
    experiment.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    experiment
}

fn finished(mut experiment: Experiment) -> Experiment {
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(experiment.status(), Status::Done, "{:?}", experiment.results().error);
    experiment
}

/// The ticket's rounds, levels counted from the dense network, without wall times.
fn ticket_rounds(experiment: &Experiment, first_level: usize) -> Vec<RoundResult> {
    let results = experiment.results();
    let rounds = results.branch(Branch::Ticket);
    rounds.map(|round| RoundResult { seconds: 0.0, level: round.level + first_level, ..round.clone() }).collect()
}

/// Runs `settings`, exports the ticket of `level`, reads it back, and trains it with the same
/// settings and `further_rounds` rounds of pruning after it: every round equals the original
/// run's round at the same level, bit for bit.
fn check_round_trip(settings: &str, level: usize, further_rounds: usize) {
    let original = finished(loaded(config(settings), None));
    let file = original.ticket_safetensors(level).expect("the level's mask is made");
    let ticket = Ticket::from_safetensors(&file, "ticket.safetensors").expect("reads back");
    assert_eq!(ticket, original.ticket(level).expect("exported"), "reading gives back what was written");
    assert_eq!(ticket.level, level);

    let retrain =
        Config::new(Settings { rounds: further_rounds, ..original.config().settings().clone() }).expect("valid");
    let imported = finished(loaded(retrain, Some(ticket)));
    let expected = &ticket_rounds(&original, 0)[level..=level + further_rounds];
    assert_eq!(ticket_rounds(&imported, level), expected, "the imported ticket trains as it did in its run");
    // An imported run exports its tickets with levels counted from the dense network.
    let again = Ticket::from_safetensors(&imported.ticket_safetensors(0).expect("level 0"), "again").expect("reads");
    assert_eq!(again.level, level);
}

#[test]
fn an_imported_ticket_trains_exactly_as_in_the_run_that_found_it() {
    let settings = r#""seed": 3, "iterations": 30, "eval_every": 10, "rounds": 2, "prune_rate": 0.6"#;
    check_round_trip(settings, 2, 0);
}

#[test]
fn an_imported_ticket_prunes_on_as_the_original_run_did() {
    let settings = r#""seed": 4, "iterations": 20, "eval_every": 10, "rounds": 3, "prune_rate": 0.5"#;
    check_round_trip(settings, 1, 2);
}

#[test]
fn a_rewound_ticket_restarts_from_theta_k() {
    let settings = r#""seed": 5, "iterations": 20, "eval_every": 10, "rounds": 2, "prune_rate": 0.5, "reset": "rewind", "rewind_step": 7"#;
    check_round_trip(settings, 1, 1);
    // The dense network (level 0) starts from θ0 and reaches θk on the way, as in a fresh run.
    check_round_trip(settings, 0, 2);
}

#[test]
fn export_says_what_it_needs() {
    let message =
        |experiment: &Experiment, level| experiment.ticket_safetensors(level).expect_err("refused").to_string();
    let unloaded = Experiment::new(config(r#""iterations": 20"#));
    assert!(message(&unloaded, 0).contains("load_idx"));
    let running = loaded(config(r#""iterations": 20, "rounds": 2"#), None);
    assert!(message(&running, 1).contains("round 1 is not made yet (rounds 0 to 0 have masks)"));
    let rewind = loaded(config(r#""iterations": 20, "rounds": 1, "reset": "rewind", "rewind_step": 5"#), None);
    rewind.ticket_safetensors(0).expect("the dense network starts from θ0");
    let continued = finished(loaded(config(r#""iterations": 20, "rounds": 1, "reset": "continue""#), None));
    assert!(message(&continued, 1).contains("reset = continue"));
}

// ---- Files that do not fit ----------------------------------------------------------------

/// A LeNet-300-100 ticket at level 1 (every other weight of fc1 pruned), without training.
fn small_ticket(model: &str) -> Ticket {
    let config = config(&format!(r#""model": "{model}", "iterations": 20, "rounds": 1"#));
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(1, Stream::WeightInit));
    let mut mask = Mask::dense(&model.layout);
    mask.layers[0].keep.iter_mut().step_by(2).for_each(|keep| *keep = false);
    Ticket { config, level: 1, mask, initial_params: model.params }
}

fn edited(change: impl FnOnce(&mut Value, &mut Vec<u8>)) -> Vec<u8> {
    let (mut header, mut data) = common::split_safetensors(&small_ticket("lenet-300-100").to_safetensors());
    change(&mut header, &mut data);
    common::join_safetensors(&header, &data)
}

fn refusal(file: &[u8]) -> String {
    Ticket::from_safetensors(file, "t.safetensors").expect_err("refused").to_string()
}

fn assert_refused(file: &[u8], parts: &[&str]) {
    let message = refusal(file);
    assert!(message.starts_with("t.safetensors: "), "names the file: {message}");
    for part in parts {
        assert!(message.contains(part), "\"{part}\" not in: {message}");
    }
}

#[test]
fn a_written_ticket_is_a_safetensors_file_with_the_documented_tensors() {
    let ticket = small_ticket("lenet-5");
    let file = ticket.to_safetensors();
    let (header, data) = common::split_safetensors(&file);
    let length = u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
    assert_eq!((8 + length) % 8, 0, "the data starts aligned");
    assert_eq!(header["conv1.weight"], json!({"dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [0, 600]}));
    assert_eq!(header["conv1.weight_mask"]["dtype"], "U8");
    assert_eq!(header["fc1.weight"]["shape"], json!([400, 120]), "fc weights are (inputs, outputs)");
    assert_eq!(header["fc3.bias"]["shape"], json!([10]));
    let metadata = &header["__metadata__"];
    assert_eq!(metadata["level"], "1");
    assert_eq!(metadata["model"], "lenet-5");
    assert!(metadata.as_object().unwrap().values().all(Value::is_string), "metadata values are strings");
    assert_eq!(Config::from_json(metadata["config"].as_str().unwrap()).unwrap(), ticket.config);
    let mask = &header["conv1.weight_mask"]["data_offsets"];
    let (begin, end) = (mask[0].as_u64().unwrap() as usize, mask[1].as_u64().unwrap() as usize);
    assert_eq!(&data[begin..begin + 4], [0, 1, 0, 1], "every other weight of conv1 pruned");
    assert_eq!(end - begin, 150);
    assert_eq!(Ticket::from_safetensors(&file, "t").expect("reads"), ticket);
}

#[test]
fn a_file_that_is_not_a_ticket_is_refused() {
    assert_refused(b"", &["not a safetensors file"]);
    assert_refused(b"{\"fc1.weight\": 1}", &["not a safetensors file"]);
    assert_refused(&[0x89, b'P', b'N', b'G', 13, 10, 26, 10, 0], &["not a safetensors file"]);
    let file = small_ticket("lenet-300-100").to_safetensors();
    assert_refused(&file[..100], &["truncated", "download or copy the file again"]);
    assert_refused(&file[..file.len() - 1], &["reach past the end of the data", "truncated"]);
    let mut garbled = file.clone();
    garbled[9] = b'x';
    assert_refused(&garbled, &["header is not a JSON object"]);
    assert_refused(
        &edited(|header, _| header.as_object_mut().unwrap().remove("__metadata__").map(drop).unwrap()),
        &["no \"config\"", "not a ticketlab ticket"],
    );
    assert_refused(&edited(|header, _| header["__metadata__"]["level"] = json!(1)), &["string values only"]);
    assert_refused(
        &edited(|header, _| header["__metadata__"]["config"] = json!("{\"seed\": -1}")),
        &["the config in its __metadata__", "seed"],
    );
}

#[test]
fn a_damaged_header_is_refused() {
    let out_of_range = edited(|header, data| {
        let end = data.len() + 4;
        header["fc3.bias"]["data_offsets"] = json!([end - 40, end]);
    });
    assert_refused(&out_of_range, &["tensor fc3.bias", "reach past the end of the data"]);
    let overlapping = edited(|header, _| header["fc3.bias"]["data_offsets"] = json!([0, 40]));
    assert_refused(&overlapping, &["overlap", "fc3.bias", "fc1.weight"]);
    let inconsistent = edited(|header, _| header["fc3.bias"]["data_offsets"] = json!([8, 4]));
    assert_refused(&inconsistent, &["tensor fc3.bias", "do not hold shape (10) of F32 (40 bytes)"]);
    assert_refused(&edited(|header, _| header["fc3.bias"]["dtype"] = json!("F7")), &["unknown dtype \"F7\""]);
}

#[test]
fn a_ticket_that_does_not_fit_its_model_is_refused() {
    let missing = edited(|header, _| header.as_object_mut().unwrap().remove("fc2.weight_mask").map(drop).unwrap());
    assert_refused(
        &missing,
        &[
            "tensor fc2.weight_mask is missing",
            "model lenet-300-100 has fc1.weight, fc1.weight_mask, fc1.bias, fc2.weight",
        ],
    );
    let dtype = edited(|header, _| header["fc2.bias"]["dtype"] = json!("I32"));
    assert_refused(&dtype, &["tensor fc2.bias has dtype I32; expected F32"]);
    // A mask saved as float: same bytes per element as the shape needs, wrong type.
    let float_mask = edited(|header, _| {
        header["fc3.weight_mask"]["shape"] = json!([250]);
        header["fc3.weight_mask"]["dtype"] = json!("F32");
    });
    assert_refused(&float_mask, &["tensor fc3.weight_mask has dtype F32; expected U8"]);
    let transposed = edited(|header, _| header["fc2.weight"]["shape"] = json!([100, 300]));
    assert_refused(&transposed, &["tensor fc2.weight has shape (100, 300)", "model lenet-300-100 expects (300, 100)"]);
    // A LeNet-5 ticket whose config says LeNet-300-100.
    let (mut header, data) = common::split_safetensors(&small_ticket("lenet-5").to_safetensors());
    header["__metadata__"]["config"] = json!(config(r#""model": "lenet-300-100""#).to_json());
    assert_refused(
        &common::join_safetensors(&header, &data),
        &["tensor fc1.weight has shape (400, 120)", "expects (784, 300)"],
    );
    let extra =
        edited(|header, _| header["conv1.weight"] = json!({"dtype": "U8", "shape": [0], "data_offsets": [0, 0]}));
    assert_refused(&extra, &["tensor conv1.weight is not part of model lenet-300-100"]);
    let not_binary = edited(|header, data| {
        let begin = header["fc1.weight_mask"]["data_offsets"][0].as_u64().unwrap() as usize;
        data[begin + 7] = 2;
    });
    assert_refused(&not_binary, &["tensor fc1.weight_mask: entry 7 is 2; a mask holds 1 (kept) or 0 (pruned)"]);
    let cut_off = edited(|header, data| {
        let offsets = &header["fc3.weight_mask"]["data_offsets"];
        let (begin, end) = (offsets[0].as_u64().unwrap() as usize, offsets[1].as_u64().unwrap() as usize);
        data[begin..end].fill(0);
    });
    assert_refused(&cut_off, &["fc3.weight_mask keeps no weight"]);
    let not_finite = edited(|_, data| data[4..8].copy_from_slice(&f32::NAN.to_le_bytes()));
    assert_refused(&not_finite, &["tensor fc1.weight: entry 1 is NaN"]);
}

#[test]
fn a_ticket_of_another_model_is_refused_by_the_experiment() {
    let mut experiment = Experiment::new(config(r#""iterations": 20"#));
    let message = experiment.import_ticket(small_ticket("lenet-5")).expect_err("refused").to_string();
    assert!(message.contains("a ticket of model lenet-5, but these settings train lenet-300-100"), "{message}");
    assert!(message.contains("set the model to lenet-5"), "{message}");
    // The same network by name or by text is the same model.
    let by_text = Experiment::new(config(r#""model": "fc:300,fc:100,fc:10", "iterations": 20"#));
    let mut by_text = by_text;
    by_text.import_ticket(small_ticket("lenet-300-100")).expect("same network");
    let mut started = loaded(config(r#""iterations": 20"#), None);
    let late = started.import_ticket(small_ticket("lenet-300-100")).expect_err("refused").to_string();
    assert!(late.contains("before loading the data"), "{late}");
}
