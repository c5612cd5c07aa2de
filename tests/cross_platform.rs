//! The native half of the cross-platform check: the short fixed-seed run must produce exactly
//! the numbers in tests/golden/short_run.json, which tests/web.rs checks in the browser too.
//! After a deliberate change to the numerics, regenerate it: UPDATE_GOLDEN=1 cargo test --test cross_platform
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/short_run.json");

#[test]
fn short_run_matches_the_golden_record_bit_for_bit() {
    let record = common::short_run_record();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &record).expect("write golden file");
    }
    let golden =
        std::fs::read_to_string(GOLDEN).expect("tests/golden/short_run.json exists (UPDATE_GOLDEN=1 makes it)");
    assert_eq!(record, golden, "the native run no longer gives the recorded numbers");
}

#[test]
fn short_run_is_reproducible_within_a_process() {
    assert_eq!(common::short_run_record(), common::short_run_record());
}
