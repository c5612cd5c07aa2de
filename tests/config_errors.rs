//! Config::from_json rejects bad settings with a message naming the field, defaults to the LTH
//! paper's settings, and round-trips through JSON; Experiment::load_idx checks batch_size against
//! the data.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use ticketlab::config::{Optimizer, Settings};
use ticketlab::nn::init::Init;
use ticketlab::{Config, Error, Experiment};

/// Parses `json`, expects a config error about `field`, and returns its displayed message, which
/// must quote the field name.
fn config_error(json: &str, field: &str) -> String {
    let error = Config::from_json(json).expect_err("bad settings are rejected");
    let message = error.to_string();
    assert!(
        matches!(&error, Error::Config { field: f, .. } if f == field),
        "{json}: expected an error about \"{field}\", got: {message}"
    );
    assert!(message.contains(&format!("\"{field}\"")), "{json}: the message names \"{field}\": {message}");
    message
}

fn assert_mentions(message: &str, words: &[&str]) {
    for word in words {
        assert!(message.contains(word), "expected the message to mention \"{word}\": {message}");
    }
}

#[test]
fn an_empty_object_gives_the_papers_defaults() {
    let config = Config::from_json("{}").expect("{} is valid");
    assert_eq!(config.model, "lenet-300-100");
    assert_eq!(config.optimizer, Optimizer::Adam);
    assert_eq!(config.learning_rate, 1.2e-3);
    assert_eq!(config.batch_size, 60);
    assert_eq!(config.iterations, 50_000);
    assert_eq!(config.eval_every, 100);
    assert_eq!(config.validation_size, 5_000);
    assert_eq!(config.init, Init::GlorotNormal);
    assert_eq!(config.train_size, 0);
    assert_eq!(config, Config::default());
}

#[test]
fn config_round_trips_through_json_unchanged() {
    let defaults = Config::default();
    assert_eq!(Config::from_json(&defaults.to_json()).expect("defaults re-parse"), defaults);

    let custom = Config::from_json(
        r#"{"seed": 9007199254740991, "optimizer": "sgd", "learning_rate": 0.07, "momentum": 0.5,
            "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7, "batch_size": 33, "iterations": 1234,
            "eval_every": 17, "validation_size": 100, "train_size": 500, "init": "he-normal"}"#,
    )
    .expect("valid settings");
    assert_ne!(custom, defaults);
    assert_eq!(custom.seed, 9_007_199_254_740_991);
    assert_eq!(custom.learning_rate, 0.07);
    assert_eq!(Config::from_json(&custom.to_json()).expect("custom re-parses"), custom);
}

#[test]
fn a_target_is_recorded_beside_the_rounds_it_resolves_to_and_round_trips() {
    let config = Config::from_json(r#"{"target_remaining": 3.6}"#).expect("valid");
    assert_eq!((config.rounds, config.target_remaining), (15, Some(3.6)));
    let json: serde_json::Value = serde_json::from_str(&config.to_json()).expect("JSON");
    assert_eq!((&json["rounds"], &json["target_remaining"]), (&serde_json::json!(15), &serde_json::json!(3.6)));
    assert_eq!(Config::from_json(&config.to_json()).expect("re-parses"), config);
    // Asked for in rounds: no target in the JSON, as before targets existed.
    assert!(!Config::default().to_json().contains("target_remaining"));
    assert_mentions(
        &config_error(r#"{"rounds": 3, "target_remaining": 3.6}"#, "target_remaining"),
        &["rounds", "not both"],
    );
}

#[test]
fn an_unknown_model_lists_the_known_ones() {
    let message = config_error(r#"{"model": "resnet"}"#, "model");
    assert_mentions(&message, &["resnet", "lenet-300-100"]);
}

#[test]
fn the_conv_models_default_to_the_papers_settings_for_them() {
    // Frankle & Carbin, figure 2: Adam 2e-4 / 3e-4 / 3e-4, 20k / 25k / 30k iterations, convolutions
    // pruned 10% / 10% / 15% a round, fully connected 20%, output 10%.
    for (model, learning_rate, iterations, prune_rate_conv) in [
        ("conv-2", 2e-4, 20_000, 0.1),
        ("conv-4", 3e-4, 25_000, 0.1),
        ("conv-6", 3e-4, 30_000, 0.15),
        ("conv-6-quarter", 3e-4, 30_000, 0.15),
    ] {
        let config = Config::from_json(&format!(r#"{{"model": "{model}"}}"#)).expect("a named model");
        assert_eq!(
            (
                config.learning_rate,
                config.iterations,
                config.prune_rate_conv,
                config.prune_rate,
                config.prune_rate_output
            ),
            (learning_rate, iterations, prune_rate_conv, 0.2, 0.1),
            "{model}"
        );
        // A setting given beside the model wins over the model's default, in any order.
        let custom = Config::from_json(&format!(r#"{{"learning_rate": 0.01, "model": "{model}"}}"#)).expect("valid");
        assert_eq!((custom.learning_rate, custom.iterations), (0.01, iterations));
        assert_eq!(Config::from_json(&config.to_json()).expect("re-parses"), config);
    }
    let lenet5 = Config::from_json(r#"{"model": "lenet-5"}"#).expect("a named model");
    assert_eq!(*lenet5, Settings { model: "lenet-5".into(), ..Settings::default() });
}

#[test]
fn the_named_conv_models_have_the_papers_shapes() {
    use ticketlab::nn::ModelSpec;
    let sizes = |name: &str| -> Vec<usize> {
        ModelSpec::from_name(name).expect("named").weight_layers().iter().map(|layer| layer.size).collect()
    };
    // Conv-2 on 28×28: 3×3 "same" convs keep 28×28, one pool gives 14×14×64 into fc 256.
    assert_eq!(sizes("conv-2"), [9 * 64, 9 * 64 * 64, 14 * 14 * 64 * 256, 256 * 256, 256 * 10]);
    // Conv-6: 28 -> 14 -> 7 -> 3 after three pools.
    assert_eq!(sizes("conv-6")[6], 3 * 3 * 256 * 256);
    assert_eq!(sizes("conv-4-quarter")[..4], [9 * 16, 9 * 16 * 16, 9 * 16 * 32, 9 * 32 * 32]);
}

#[test]
fn a_network_can_be_given_as_text() {
    let config = Config::from_json(r#"{"model": "conv:8x3,pool,fc:32,fc:10", "rounds": 2}"#).expect("fits 28×28");
    let layers = config.model_spec().weight_layers();
    assert_eq!(layers.iter().map(|layer| layer.size).collect::<Vec<_>>(), [72, 13 * 13 * 8 * 32, 320]);
    assert_eq!(Config::from_json(&config.to_json()).expect("re-parses"), config);
}

#[test]
fn a_network_that_does_not_fit_names_the_layer_and_the_shapes() {
    // Five 2×2 pools shrink 28 -> 14 -> 7 -> 3 -> 1 -> nothing.
    let message = config_error(r#"{"model": "conv:4x3p1,pool,pool,pool,pool,pool,fc:10"}"#, "model");
    assert_mentions(&message, &["pool", "1×1"]);
    let message = config_error(r#"{"model": "conv:4x29,fc:10"}"#, "model");
    assert_mentions(&message, &["conv:4x29", "28×28"]);
    let message = config_error(r#"{"model": "fc:100,fc:7"}"#, "model");
    assert_mentions(&message, &["10"]);
    let message = config_error(r#"{"model": "conv:4x3,pool,dense:10"}"#, "model");
    assert_mentions(&message, &["\"dense\"", "fc:N"]);
}

#[test]
fn unknown_optimizer_and_init_list_the_choices() {
    assert_mentions(&config_error(r#"{"optimizer": "rmsprop"}"#, "optimizer"), &["rmsprop", "adam", "sgd"]);
    assert_mentions(&config_error(r#"{"init": "zeros"}"#, "init"), &["zeros", "glorot-normal", "he-normal"]);
}

#[test]
fn the_learning_rate_must_be_positive() {
    assert_mentions(&config_error(r#"{"learning_rate": -0.01}"#, "learning_rate"), &["positive", "-0.01"]);
    assert_mentions(&config_error(r#"{"learning_rate": 0}"#, "learning_rate"), &["positive"]);
    // Positive in f64 but 0 once stored as f32.
    assert_mentions(&config_error(r#"{"learning_rate": 1e-50}"#, "learning_rate"), &["positive"]);
}

#[test]
fn the_batch_size_must_be_at_least_one() {
    assert_mentions(&config_error(r#"{"batch_size": 0}"#, "batch_size"), &["whole number from 1"]);
}

#[test]
fn an_unknown_setting_is_named_and_the_known_ones_listed() {
    let message = config_error(r#"{"lr": 0.01}"#, "lr");
    assert_mentions(&message, &["unknown setting", "learning_rate", "target_remaining"]);
}

#[test]
fn a_setting_of_the_wrong_type_is_rejected() {
    assert_mentions(&config_error(r#"{"learning_rate": "fast"}"#, "learning_rate"), &["expected a number", "fast"]);
    assert_mentions(&config_error(r#"{"model": 3}"#, "model"), &["expected a string"]);
    config_error(r#"{"seed": null}"#, "seed");
}

#[test]
fn text_that_is_not_json_is_rejected() {
    let message = config_error("seed = 3", "(config)");
    assert_mentions(&message, &["not valid JSON"]);
}

#[test]
fn json_that_is_not_an_object_is_rejected() {
    let message = config_error(r#"[{"seed": 1}]"#, "(config)");
    assert_mentions(&message, &["expected a JSON object"]);
}

#[test]
fn counts_must_be_whole_numbers() {
    assert_mentions(&config_error(r#"{"iterations": 2.5}"#, "iterations"), &["whole number", "2.5"]);
    config_error(r#"{"eval_every": 0}"#, "eval_every");
    config_error(r#"{"train_size": -1}"#, "train_size");
}

#[test]
fn the_seed_must_be_exact_in_json() {
    // 2^53 − 1 is the largest integer a JS double holds exactly; one more is refused.
    assert_eq!(Config::from_json(r#"{"seed": 9007199254740991}"#).expect("2^53 - 1 is fine").seed, (1 << 53) - 1);
    assert_mentions(&config_error(r#"{"seed": 9007199254740992}"#, "seed"), &["9007199254740991"]);
    config_error(r#"{"seed": -1}"#, "seed");
}

#[test]
fn momentum_and_betas_must_be_below_one() {
    assert_mentions(&config_error(r#"{"momentum": 1.0}"#, "momentum"), &["below 1"]);
    config_error(r#"{"beta1": 1}"#, "beta1");
    config_error(r#"{"beta2": -0.1}"#, "beta2");
    assert_eq!(Config::from_json(r#"{"momentum": 0}"#).expect("0 is allowed").momentum, 0.0);
}

#[test]
fn load_idx_refuses_a_batch_larger_than_the_training_set() {
    let files = common::synthetic_mnist(1, 150, 20);
    // 150 training images, 100 held out: 50 left to train on.
    let mut experiment = Experiment::from_json(r#"{"validation_size": 100, "batch_size": 51}"#).expect("valid");
    let error = experiment.load_idx(common::as_slices(&files)).expect_err("batch larger than the set");
    assert!(matches!(&error, Error::Config { field, .. } if field == "batch_size"), "{error}");
    assert_mentions(&error.to_string(), &["\"batch_size\"", "51", "50 training images"]);

    let mut exactly = Experiment::from_json(r#"{"validation_size": 100, "batch_size": 50}"#).expect("valid");
    exactly.load_idx(common::as_slices(&files)).expect("a batch of the whole training set is fine");
}

#[test]
fn a_network_or_a_batch_too_large_for_memory_is_refused_with_the_limit_and_the_value() {
    let message = config_error(r#"{"model": "conv:1x1p20000,fc:10"}"#, "model");
    assert_mentions(&message, &["layer 1 (conv:1x1p20000): padding 20000 is more than the limit of 64"]);
    let message = config_error(r#"{"model": "conv:4096x3p1,conv:4096x3p1,fc:10"}"#, "model");
    assert_mentions(&message, &["layer 1 (conv:4096x3p1)", "activation values", "more than the limit of 300000000"]);
    // Conv-6 at the paper's width evaluates 500 images at once; a batch may be a little larger.
    Config::from_json(r#"{"model": "conv-6", "batch_size": 600}"#).expect("within the limit");
    let message = config_error(r#"{"model": "conv-6", "batch_size": 5000}"#, "batch_size");
    assert_mentions(&message, &["a batch of 5000", "conv-6", "limit of 300000000", "at most 602"]);
    // LeNet-300-100 takes the largest batch the setting allows.
    Config::from_json(r#"{"batch_size": 65536}"#).expect("small network, large batch");
}

#[test]
fn every_number_reads_back_as_it_was_written() {
    // serde_json's default float parser is not correctly rounded for more than 15 or so
    // significant digits: "9007199254740991.0" came back as 9007199254740990 (the crate now
    // parses with its float_roundtrip feature, as JSON.parse does in the page).
    let written = Config::from_json(r#"{"learning_rate": 9007199254740991}"#).expect("valid");
    assert_eq!(written.learning_rate, 9_007_199_254_740_991.0);
    let read = Config::from_json(&written.to_json()).expect("re-parses");
    assert_eq!(read.learning_rate.to_bits(), written.learning_rate.to_bits(), "{}", written.to_json());
    // Numbers with 17 significant digits, as a results file holds them.
    let mut rng = ticketlab::rng::Rng::new(9, ticketlab::rng::Stream::Scratch);
    for _ in 0..2000 {
        let learning_rate = (rng.uniform_f32() as f64 + 1e-3) * std::f64::consts::PI * 1e-3;
        let momentum = rng.uniform_f32() as f64 / 3.0;
        let config = Config::new(Settings { learning_rate, momentum, ..Settings::default() }).expect("valid");
        let read = Config::from_json(&config.to_json()).expect("re-parses");
        assert_eq!(
            (read.learning_rate.to_bits(), read.momentum.to_bits()),
            (learning_rate.to_bits(), momentum.to_bits())
        );
    }
}
