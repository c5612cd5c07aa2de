//! The page's settings follow the core's rules: www/app/core-rules.js is what `rules::page_module`
//! writes (after a change to the rules: UPDATE_PAGE_RULES=1 cargo test --release --test page_rules),
//! and the rules say what the core does.
#![cfg(not(target_arch = "wasm32"))]

use serde_json::json;
use ticketlab::config::{Optimizer, Settings};
use ticketlab::rules::{choice_names, page_module, page_rules, Preset};
use ticketlab::Config;

const MODULE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/app/core-rules.js");

#[test]
fn the_page_module_is_what_the_core_writes() {
    let module = page_module();
    if std::env::var_os("UPDATE_PAGE_RULES").is_some() {
        std::fs::write(MODULE, &module).expect("write www/app/core-rules.js");
    }
    let written = std::fs::read_to_string(MODULE).expect("www/app/core-rules.js exists (UPDATE_PAGE_RULES=1 makes it)");
    assert!(
        written == module,
        "www/app/core-rules.js is out of date; run UPDATE_PAGE_RULES=1 cargo test --release --test page_rules"
    );
}

#[test]
fn choices_are_the_names_the_core_reads() {
    assert_eq!(choice_names::<Optimizer>(), ["adam", "sgd"]);
    for (setting, names) in page_rules()["choices"].as_object().unwrap() {
        for name in names.as_array().unwrap() {
            let value = if setting == "controls" { json!([name]) } else { name.clone() };
            Config::from_value(json!({ setting: value })).unwrap_or_else(|e| panic!("{setting} {name}: {e}"));
        }
    }
}

#[test]
fn ranges_are_the_ones_the_core_checks() {
    // Where the page asks less than the core allows, and why.
    let page_narrower = [
        ("rounds", "the page caps rounds where a target is capped (MAX_ROUNDS_FOR_TARGET), below MAX_ROUNDS"),
        ("train_size", "the core checks it against the data's size when MNIST is loaded"),
    ];
    for (setting, range) in page_rules()["ranges"].as_object().unwrap() {
        let [min, max] = [range[0].as_u64().unwrap(), range[1].as_u64().unwrap()];
        // Long rounds, so that rewind_step's own rule is the one tried.
        let accepted = |value: u64| Config::from_value(json!({ setting: value, "iterations": 100_000_000 })).is_ok();
        assert!(accepted(min) && accepted(max), "{setting}: [{min}, {max}]");
        assert!(min == 0 || !accepted(min - 1), "{setting} below {min}");
        assert!(!accepted(max + 1) || page_narrower.iter().any(|(name, _)| name == setting), "{setting} above {max}");
    }
}

#[test]
fn presets_set_what_lth_imp_applies() {
    let quick = Preset::Quick.settings();
    assert_eq!(quick["iterations"], 1500);
    assert_eq!((quick["eval_every"].clone(), quick["rounds"].clone()), (json!(150), json!(15)));
    // The paper's iterations are each model's own.
    assert!(!Preset::Paper.settings().contains_key("iterations"));
    assert_eq!(Preset::Paper.iterations_for("conv-6"), Settings::defaults_for("conv-6").iterations);
    assert_eq!(Preset::from_name("fast").unwrap_err(), "unknown preset \"fast\"; the presets are quick and paper");
}
