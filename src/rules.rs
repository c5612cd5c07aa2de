//! The rules a settings form needs, from the core: the presets, each named model's defaults, the
//! range of each number and the names of each choice. `lth` applies the presets from here, and
//! the page reads all of it from www/app/core-rules.js, which `page_module` writes
//! (tests/page_rules.rs fails when the file is out of date), so the page and the CLI cannot drift.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::{
    Control, Optimizer, PruneSchedule, PruneScope, Reset, Settings, MAX_ROUNDS_FOR_TARGET, MAX_SAFE_INTEGER,
};
use crate::data::mnist::TRAINING_SET_IMAGES;
use crate::limits::{MAX_BATCH_SIZE, MAX_ITERATIONS};
use crate::nn::ModelSpec;
use crate::{Config, Result};

/// A named set of settings for `lth imp --preset` and the page's Preset field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// A lottery-ticket run short enough to watch: 15 rounds of 1,500 iterations.
    Quick,
    /// The paper's schedule: each model's own iterations a round (LeNet-300-100: 50,000), 18 rounds.
    Paper,
}

impl Preset {
    pub const ALL: [Preset; 2] = [Preset::Quick, Preset::Paper];

    pub fn name(self) -> &'static str {
        match self {
            Preset::Quick => "quick",
            Preset::Paper => "paper",
        }
    }

    pub fn from_name(name: &str) -> std::result::Result<Preset, String> {
        Preset::ALL.into_iter().find(|preset| preset.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Preset::ALL.iter().map(|preset| preset.name()).collect();
            format!("unknown preset \"{name}\"; the presets are {}", names.join(" and "))
        })
    }

    /// The iterations a round, when the preset sets them for every model (the paper's are each
    /// model's own: `Settings::defaults_for`).
    fn fixed_iterations(self) -> Option<usize> {
        match self {
            Preset::Quick => Some(1500),
            Preset::Paper => None,
        }
    }

    /// The iterations a round under this preset for `model`.
    pub fn iterations_for(self, model: &str) -> usize {
        self.fixed_iterations().unwrap_or_else(|| Settings::defaults_for(model).iterations)
    }

    /// The settings the preset sets whatever the model: iterations (unless the model's own),
    /// evaluation interval, rounds and the control beside the ticket.
    pub fn settings(self) -> Map<String, Value> {
        let (eval_every, rounds) = match self {
            Preset::Quick => (150, 15),
            Preset::Paper => (100, 18),
        };
        let mut settings = json!({"eval_every": eval_every, "rounds": rounds, "controls": [Control::RandomReinit]});
        if let Some(iterations) = self.fixed_iterations() {
            settings["iterations"] = json!(iterations);
        }
        settings.as_object().expect("an object").clone()
    }
}

/// The names a choice accepts (`Optimizer`: adam, sgd), as serde's derive lists them: read from the
/// refusal of a name that is none of them.
pub fn choice_names<T: DeserializeOwned>() -> &'static [&'static str] {
    #[derive(Debug)]
    struct Allowed(&'static [&'static str]);
    impl std::fmt::Display for Allowed {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "{:?}", self.0)
        }
    }
    impl std::error::Error for Allowed {}
    impl serde::de::Error for Allowed {
        fn custom<M: std::fmt::Display>(_: M) -> Allowed {
            Allowed(&[])
        }
        fn unknown_variant(_: &str, allowed: &'static [&'static str]) -> Allowed {
            Allowed(allowed)
        }
    }
    let not_a_name = serde::de::value::StrDeserializer::<Allowed>::new("");
    T::deserialize(not_a_name).err().map_or(&[], |Allowed(names)| names)
}

/// Everything the page's form takes from the core, as one JSON object: the defaults (LeNet-300-100's),
/// each named model's own defaults (learning rate, conv rate, the paper's iterations), the presets
/// in order (with each model's iterations), [min, max] of each whole-number setting, and each choice's names.
pub fn page_rules() -> Value {
    let models: Map<String, Value> = ModelSpec::names()
        .into_iter()
        .map(|model| {
            let own = Settings::defaults_for(model);
            let defaults = json!({"learning_rate": own.learning_rate, "prune_rate_conv": own.prune_rate_conv, "iterations": own.iterations});
            (model.to_string(), defaults)
        })
        .collect();
    // A list, in `Preset::ALL`'s order (the form lists them so; JSON objects here sort their keys).
    let presets: Vec<Value> = Preset::ALL
        .into_iter()
        .map(|preset| {
            let mut settings = preset.settings();
            let iterations: Map<String, Value> = ModelSpec::names()
                .into_iter()
                .map(|model| (model.to_string(), json!(preset.iterations_for(model))))
                .collect();
            settings.insert("iterations".into(), Value::Object(iterations));
            settings.insert("name".into(), json!(preset.name()));
            Value::Object(settings)
        })
        .collect();
    let defaults = Settings::default();
    json!({
        "defaults": defaults,
        "models": models,
        "presets": presets,
        // Whole numbers, [min, max]. Rounds: a run that prunes for rounds may have as many as a target may need.
        "ranges": {
            "seed": [0, MAX_SAFE_INTEGER],
            "batch_size": [1, MAX_BATCH_SIZE],
            // train_size 0 means all the training images after the validation hold-out.
            "train_size": [0, TRAINING_SET_IMAGES - defaults.validation_size],
            "eval_every": [1, MAX_ITERATIONS],
            "rounds": [0, MAX_ROUNDS_FOR_TARGET],
            "rewind_step": [0, MAX_ITERATIONS],
        },
        "choices": {
            "optimizer": choice_names::<Optimizer>(),
            "prune_scope": choice_names::<PruneScope>(),
            "prune_schedule": choice_names::<PruneSchedule>(),
            "reset": choice_names::<Reset>(),
            "controls": choice_names::<Control>(),
        },
    })
}

/// www/app/core-rules.js: `page_rules()` as an ES module, for the page and its node tests.
pub fn page_module() -> String {
    let rules = serde_json::to_string_pretty(&page_rules()).expect("rules serialise");
    format!(
        "// Written by the core (src/rules.rs, page_module): do not edit. After a change there, run\n\
         // UPDATE_PAGE_RULES=1 cargo test --release --test page_rules\n\
         export default {rules};\n"
    )
}

/// What a run's settings mean, before it starts: how many rounds it prunes (a target resolved) and
/// what the last ticket keeps of the prunable weights; the form shows it beside Rounds or Target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PruningPlan {
    pub rounds: usize,
    pub kept: usize,
    pub total: usize,
    /// 100 × kept / total.
    pub percent: f64,
}

impl PruningPlan {
    pub fn of(config: &Config) -> PruningPlan {
        let (kept, total) = config.weights_kept();
        PruningPlan { rounds: config.rounds, kept, total, percent: 100.0 * kept as f64 / total as f64 }
    }
}

/// Settings (a JSON object, as `Config::from_json` takes them) checked by every rule of the core:
/// the settings as resolved, and their pruning plan; or the first refusal, naming its setting.
pub fn check_settings(config_json: &str) -> Result<(Config, PruningPlan)> {
    let config = Config::from_json(config_json)?;
    let plan = PruningPlan::of(&config);
    Ok((config, plan))
}
