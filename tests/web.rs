//! The same core in a real browser (wasm-bindgen-test-runner in Chromium, Firefox and WebKitGTK: see scripts/test).
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

mod common;

wasm_bindgen_test_configure!(run_in_browser);

/// The fixed-seed run gives, in the browser, exactly the losses, accuracies and final weights that
/// the native build records (tests/cross_platform.rs checks the same file natively).
#[wasm_bindgen_test]
fn short_run_matches_the_native_golden_record_bit_for_bit() {
    assert_eq!(common::short_run_record(), include_str!("golden/short_run.json"));
}

#[wasm_bindgen_test]
fn bad_settings_are_refused_through_the_wasm_api() {
    let error = ticketlab::wasm::Experiment::new(r#"{"batch_size": 0}"#).err().expect("batch 0 is refused");
    let message = js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message();
    assert!(String::from(message).contains("batch_size"));
}

#[wasm_bindgen_test]
fn corrupt_data_is_refused_through_the_wasm_api() {
    let mut experiment = ticketlab::wasm::Experiment::new("{}").expect("defaults are valid");
    let files = common::synthetic_mnist(1, 10, 10);
    let error =
        experiment.load_data(&files[0][..100], &files[1], &files[2], &files[3]).expect_err("truncated file refused");
    let message = String::from(js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message());
    assert!(message.contains("train-images-idx3-ubyte") && message.contains("truncated"), "{message}");
}

/// A worker's runs read the MNIST its core holds (`MnistData`): two runs from one copy train as
/// runs from their own copies do, and a damaged file is refused when the core takes it, by name.
#[wasm_bindgen_test]
fn runs_share_the_mnist_the_core_holds_and_a_damaged_file_is_refused_by_name() {
    use ticketlab::wasm::{Experiment, MnistData};
    let files = common::synthetic_mnist(1, 200, 10);
    let mnist = || MnistData::new(files[0].clone(), files[1].clone(), files[2].clone(), files[3].clone());
    let shared = mnist().expect("valid synthetic data");
    let config = r#"{"iterations": 4, "eval_every": 2, "batch_size": 20, "validation_size": 100, "controls": []}"#;
    // Every evaluation of every round (the results' timings aside).
    let finish = |experiment: &mut Experiment| -> serde_json::Value {
        while experiment.status() == "running" {
            experiment.step(1000.0).expect("steps");
        }
        let results: serde_json::Value = serde_json::from_str(&experiment.results_json()).expect("JSON");
        results["rounds"].as_array().expect("rounds").iter().map(|round| round["evaluations"].clone()).collect()
    };
    let runs: Vec<serde_json::Value> = (0..2)
        .map(|_| {
            let mut experiment = Experiment::new(config).expect("valid settings");
            experiment.load_mnist(&shared).expect("loads");
            finish(&mut experiment)
        })
        .collect();
    let mut own = Experiment::new(config).expect("valid settings");
    own.load_data(&files[0], &files[1], &files[2], &files[3]).expect("valid synthetic data");
    assert_eq!(runs[0], finish(&mut own));
    assert_eq!(runs[0], runs[1]);
    let error = MnistData::new(files[0].clone(), files[1][..50].to_vec(), files[2].clone(), files[3].clone())
        .err()
        .expect("a truncated labels file is refused");
    let message = String::from(js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message());
    assert!(message.contains("train-labels-idx1-ubyte") && message.contains("truncated"), "{message}");
}

#[wasm_bindgen_test]
fn a_mask_that_does_not_fit_is_refused_through_the_wasm_api() {
    let config = r#"{"rounds": 1, "controls": ["random_reinit"], "validation_size": 100}"#;
    let mut controls = ticketlab::wasm::Experiment::with_share(config, "controls").expect("valid settings");
    let files = common::synthetic_mnist(1, 200, 10);
    controls.load_data(&files[0], &files[1], &files[2], &files[3]).expect("valid synthetic data");
    assert_eq!(controls.status(), "waiting");
    let error = controls.add_ticket_mask(1, &[1, 0, 1]).expect_err("a 3-byte mask is refused");
    let message = String::from(js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message());
    assert!(message.contains("expected 266200 bytes") && message.contains("got 3"), "{message}");
    assert!(ticketlab::wasm::Experiment::with_share(config, "both").is_err(), "unknown share refused");
}

#[wasm_bindgen_test]
fn the_tickets_filters_cross_the_wasm_api_as_typed_arrays_and_an_unfinished_round_is_an_error() {
    use wasm_bindgen::JsCast;
    let config = r#"{"model": "lenet-5", "iterations": 2, "eval_every": 2, "validation_size": 100, "controls": []}"#;
    let mut experiment = ticketlab::wasm::Experiment::new(config).expect("valid settings");
    let files = common::synthetic_mnist(1, 200, 10);
    experiment.load_data(&files[0], &files[1], &files[2], &files[3]).expect("valid synthetic data");
    let error = experiment.ticket_filters(0).expect_err("round 0 has not trained yet");
    let message = String::from(js_sys::Error::from(wasm_bindgen::JsValue::from(error)).message());
    assert!(message.contains("round 0 has not finished training"), "{message}");
    while experiment.status() == "running" {
        experiment.step(1000.0).expect("steps");
    }
    let layers = experiment.ticket_filters(0).expect("round 0 finished");
    let field = |layer: &wasm_bindgen::JsValue, key: &str| js_sys::Reflect::get(layer, &key.into()).expect("a field");
    let conv1 = layers.get(0);
    assert_eq!(layers.length(), 2);
    assert_eq!(field(&conv1, "name").as_string().as_deref(), Some("conv1.weight"));
    assert_eq!(js_sys::Array::from(&field(&conv1, "shape")).length(), 4);
    for key in ["initial", "trained"] {
        assert_eq!(field(&conv1, key).dyn_into::<js_sys::Float32Array>().expect("a Float32Array").length(), 150);
    }
    let mask = field(&conv1, "mask").dyn_into::<js_sys::Uint8Array>().expect("a Uint8Array").to_vec();
    assert_eq!(mask, vec![1; 150], "the dense network keeps every weight");
}

#[wasm_bindgen_test]
fn sha256_hex_reads_a_file_of_several_pieces_whole() {
    let hex = |bytes: &[u8]| ticketlab::wasm::sha256_hex(&js_sys::Uint8Array::from(bytes));
    assert_eq!(hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    // Longer than the 1 MiB piece it reads at a time, and not a multiple of it.
    let bytes: Vec<u8> = (0..3 * (1 << 20) + 7).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    use sha2::Digest;
    let expected: String = sha2::Sha256::digest(&bytes).iter().map(|byte| format!("{byte:02x}")).collect();
    assert_eq!(hex(&bytes), expected);
}
