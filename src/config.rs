//! Experiment settings: one flat JSON object, every field optional (defaults are the LTH paper's
//! LeNet-300-100 settings, or the model's own), every field checked with a message that names it.
//!
//! `Settings` are the fields, typed; a `Config` is settings that passed every check, and the only
//! kind a run takes. Reading goes: the JSON object → `model` first, whose defaults the other fields
//! are laid over → each field by its own rule (the `deserialize_with` functions in `rule`, which
//! see the value as written and quote it) → `Settings::validate`, the rules across fields. Settings
//! built in code are checked the same way (`Config::new`).

use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::limits::{megabytes, EVALUATION_CHUNK, MAX_ACTIVATIONS, MAX_BATCH_SIZE, MAX_ITERATIONS, MAX_ROUNDS};
use crate::nn::init::Init;
use crate::nn::Mask;
use crate::nn::{ModelSpec, WeightKind};
use crate::optim::OptimizerConfig;
use crate::prune::magnitude::PruneCounts;
use crate::prune::{kept_after, pruned_count};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Optimizer {
    Adam,
    Sgd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneScope {
    /// Each layer prunes its own fraction.
    Layer,
    /// One ranking of all weights, at prune_rate.
    Global,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PruneSchedule {
    /// Each round prunes the previous round's trained ticket.
    Iterative,
    /// Each level is pruned straight from the trained dense network to the same per-layer counts.
    OneShot,
}

/// What the survivors start the next round from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reset {
    /// θ0, their initial values (the paper).
    Init,
    /// Their values at iteration rewind_step of the dense run.
    Rewind,
    /// Their trained values.
    Continue,
}

/// A control branch trained at every pruning level beside the ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Control {
    /// The ticket's mask, fresh initial weights.
    RandomReinit,
    /// A random mask with the ticket's per-layer counts.
    RandomPrune,
}

/// Shows a choice as the JSON writes it ("one_shot").
macro_rules! display_as_written {
    ($($choice:ty),*) => {$(
        impl fmt::Display for $choice {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match serde_json::to_value(self) {
                    Ok(Value::String(name)) => f.write_str(&name),
                    _ => unreachable!("a choice is written as a string"),
                }
            }
        }
    )*};
}
display_as_written!(Optimizer, PruneScope, PruneSchedule, Reset, Control);

/// The settings of a run, field by field, in the order the JSON writes them. Anything may be put
/// in them; `Config::new` checks them. The methods below assume checked settings (a `Config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(deserialize_with = "rule::model")]
    pub model: String,
    /// Seeds every random choice (initial weights, data order). Integers up to 2^53 − 1 (exact in JSON and JS).
    #[serde(deserialize_with = "rule::whole::<_, _, 0, MAX_SAFE_INTEGER>")]
    pub seed: u64,
    #[serde(deserialize_with = "rule::choice")]
    pub init: Init,
    #[serde(deserialize_with = "rule::choice")]
    pub optimizer: Optimizer,
    #[serde(deserialize_with = "rule::positive")]
    pub learning_rate: f64,
    /// SGD only.
    #[serde(deserialize_with = "rule::unit_interval")]
    pub momentum: f64,
    /// Adam only.
    #[serde(deserialize_with = "rule::unit_interval")]
    pub beta1: f64,
    #[serde(deserialize_with = "rule::unit_interval")]
    pub beta2: f64,
    #[serde(deserialize_with = "rule::positive")]
    pub epsilon: f64,
    #[serde(deserialize_with = "rule::whole::<_, _, 1, { MAX_BATCH_SIZE as u64 }>")]
    pub batch_size: usize,
    /// Training iterations (batches) in all.
    #[serde(deserialize_with = "rule::whole::<_, _, 1, { MAX_ITERATIONS as u64 }>")]
    pub iterations: usize,
    /// Validation and test are scored every this many iterations (and at 0 and at the end).
    #[serde(deserialize_with = "rule::whole::<_, _, 1, { MAX_ITERATIONS as u64 }>")]
    pub eval_every: usize,
    /// Training images held out for validation (the first ones of the training file).
    #[serde(deserialize_with = "rule::whole::<_, _, 1, 59_999>")]
    pub validation_size: usize,
    /// Training images used; 0 means all that remain after the validation hold-out.
    #[serde(deserialize_with = "rule::whole::<_, _, 0, 59_999>")]
    pub train_size: usize,
    /// Pruning rounds after the dense network is trained (0: train the dense network only). With
    /// `target_remaining`, the rounds the target needs (see `rounds_for_target`).
    #[serde(deserialize_with = "rule::whole::<_, _, 0, { MAX_ROUNDS as u64 }>")]
    pub rounds: usize,
    /// Prune until the ticket keeps at most this percentage of the prunable weights, instead of
    /// for a given number of rounds. Kept beside the rounds it resolves to, so that results and
    /// ticket files say what was asked (and absent from the JSON when rounds were asked for).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "rule::percentage")]
    pub target_remaining: Option<f64>,
    /// Fraction of the remaining weights removed per round in hidden layers.
    #[serde(deserialize_with = "rule::fraction")]
    pub prune_rate: f64,
    /// Fraction of the remaining weights removed per round in the output layer.
    #[serde(deserialize_with = "rule::fraction")]
    pub prune_rate_output: f64,
    /// Fraction of the remaining weights removed per round in convolutional layers.
    #[serde(deserialize_with = "rule::fraction")]
    pub prune_rate_conv: f64,
    #[serde(deserialize_with = "rule::choice")]
    pub prune_scope: PruneScope,
    #[serde(deserialize_with = "rule::choice")]
    pub prune_schedule: PruneSchedule,
    #[serde(deserialize_with = "rule::choice")]
    pub reset: Reset,
    /// The iteration of the dense run whose weights `Reset::Rewind` restarts from.
    #[serde(deserialize_with = "rule::whole::<_, _, 0, { MAX_ITERATIONS as u64 }>")]
    pub rewind_step: usize,
    /// Control branches trained at every pruning level beside the ticket.
    #[serde(deserialize_with = "rule::controls")]
    pub controls: Vec<Control>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            model: "lenet-300-100".into(),
            seed: 0,
            init: Init::GlorotNormal,
            optimizer: Optimizer::Adam,
            learning_rate: 1.2e-3,
            momentum: 0.9,
            beta1: 0.9,
            beta2: 0.999,
            epsilon: 1e-8,
            batch_size: 60,
            iterations: 50_000,
            eval_every: 100,
            validation_size: 5_000,
            train_size: 0,
            rounds: 0,
            target_remaining: None,
            prune_rate: 0.2,
            prune_rate_output: 0.1,
            // The paper's rate for the convolutions of Conv-2 and Conv-4 (Conv-6: 0.15).
            prune_rate_conv: 0.1,
            prune_scope: PruneScope::Layer,
            prune_schedule: PruneSchedule::Iterative,
            reset: Reset::Init,
            rewind_step: 0,
            controls: Vec::new(),
        }
    }
}

/// Settings that passed every check (see the module's comment): made only by `Config::new`,
/// `Config::from_json` and `Config::from_value`. Its fields are read through `Settings` (`Deref`);
/// to change one, change a copy of the settings and check them again with `Config::new`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Config(Settings);

impl Deref for Config {
    type Target = Settings;

    fn deref(&self) -> &Settings {
        &self.0
    }
}

/// A config read back from JSON (a results file's, a plan's) passes every check again.
impl<'de> Deserialize<'de> for Config {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Config, D::Error> {
        Config::from_value(Value::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl Default for Config {
    /// The paper's LeNet-300-100 settings.
    fn default() -> Config {
        Config(Settings::default())
    }
}

/// The most rounds a `target_remaining` may resolve to: the page's cap on rounds (www/app/settings.js).
pub const MAX_ROUNDS_FOR_TARGET: usize = 40;

/// Beyond this many rounds, a target's round count is not worked out exactly.
const ROUNDS_COUNTED: usize = 10_000;

/// The largest integer that JSON numbers (JS doubles) hold exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The rule of each field, as a `deserialize_with` function: it reads the JSON value as written,
/// so that its message can quote it ("got 2.5").
mod rule {
    use serde::de::{DeserializeOwned, Error as _, IntoDeserializer};
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    use super::Control;
    use crate::nn::ModelSpec;

    fn number(value: &Value) -> Result<f64, String> {
        value.as_f64().filter(|x| x.is_finite()).ok_or_else(|| format!("expected a number, got {value}"))
    }

    /// Reads a value and applies `check`, whose error becomes the field's message.
    fn read<'de, D: Deserializer<'de>, T>(
        d: D,
        check: impl FnOnce(&Value) -> Result<T, String>,
    ) -> Result<T, D::Error> {
        check(&Value::deserialize(d)?).map_err(D::Error::custom)
    }

    /// A name or an architecture text that fits 28×28 digits.
    pub fn model<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        read(d, |value| {
            let model = value.as_str().ok_or_else(|| format!("expected a string, got {value}"))?;
            ModelSpec::for_mnist(model)?;
            Ok(model.to_string())
        })
    }

    /// A whole number from MIN to MAX (written as 3 or 3.0).
    pub fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>, const MIN: u64, const MAX: u64>(
        d: D,
    ) -> Result<T, D::Error> {
        read(d, |value| {
            let x = number(value)?;
            if x.fract() != 0.0 || x < MIN as f64 || x > MAX as f64 {
                return Err(format!("expected a whole number from {MIN} to {MAX}, got {value}"));
            }
            T::try_from(x as u64).map_err(|_| format!("{value} does not fit this machine's integers"))
        })
    }

    /// A positive number that survives the conversion to f32, in which the optimizers compute.
    pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        read(d, |value| {
            let x = number(value)?;
            if x <= 0.0 || (x as f32) == 0.0 || (x as f32).is_infinite() {
                return Err(format!("must be a positive number from 1e-38 to 3e38, got {value}"));
            }
            Ok(x)
        })
    }

    /// A fraction-like setting in [0, 1).
    pub fn unit_interval<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        read(d, |value| {
            let x = number(value)?;
            if !(0.0..1.0).contains(&x) {
                return Err(format!("must be at least 0 and below 1, got {value}"));
            }
            Ok(x)
        })
    }

    /// A pruning fraction, strictly between 0 and 1.
    pub fn fraction<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        read(d, |value| {
            let x = number(value)?;
            if x <= 0.0 || x >= 1.0 {
                return Err(format!("must be above 0 and below 1 (a fraction of the remaining weights), got {value}"));
            }
            Ok(x)
        })
    }

    /// A percentage strictly between 0 and 100.
    pub fn percentage<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        read(d, |value| {
            let x = number(value)?;
            if x <= 0.0 || x >= 100.0 {
                return Err(format!(
                    "must be above 0 and below 100 (a percentage of the weights, like 3.6), got {value}"
                ));
            }
            Ok(Some(x))
        })
    }

    /// One of a few names (an enum of the settings, or `Init`).
    pub fn choice<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<T, D::Error> {
        read(d, name)
    }

    fn name<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
        let text = value.as_str().ok_or_else(|| format!("expected a string, got {value}"))?;
        T::deserialize(text.into_deserializer()).map_err(|NotAName(message)| message)
    }

    /// Why a name was refused: serde hands `unknown_variant` the names allowed, which the message lists.
    #[derive(Debug)]
    struct NotAName(String);

    impl serde::de::Error for NotAName {
        fn custom<M: std::fmt::Display>(message: M) -> NotAName {
            NotAName(message.to_string())
        }

        fn unknown_variant(name: &str, allowed: &'static [&'static str]) -> NotAName {
            NotAName(format!("unknown value \"{name}\"; expected one of: {}", allowed.join(", ")))
        }
    }

    impl std::fmt::Display for NotAName {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(&self.0)
        }
    }

    impl std::error::Error for NotAName {}

    /// Control names: a JSON array, or one comma-separated string (as the CLI passes it); each
    /// once, in the order first given.
    pub fn controls<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Control>, D::Error> {
        read(d, |value| {
            let names: Vec<Value> = match value {
                Value::Array(items) => {
                    if let Some(item) = items.iter().find(|item| !item.is_string()) {
                        return Err(format!("expected control names (strings), got {item}"));
                    }
                    items.clone()
                }
                Value::String(list) => {
                    list.split(',').map(str::trim).filter(|part| !part.is_empty()).map(Value::from).collect()
                }
                _ => return Err(format!("expected a list of control names, got {value}")),
            };
            let mut chosen = Vec::new();
            for name in &names {
                let control = self::name::<Control>(name)?;
                if !chosen.contains(&control) {
                    chosen.push(control);
                }
            }
            Ok(chosen)
        })
    }

    /// The names of the settings, in order, as serde derive lists them: asked of
    /// `Settings::deserialize` by a deserializer that only notes them.
    pub fn setting_names() -> &'static [&'static str] {
        struct Names(&'static [&'static str]);
        impl<'de> Deserializer<'de> for &mut Names {
            type Error = NotAName;

            fn deserialize_struct<V: serde::de::Visitor<'de>>(
                self,
                _name: &'static str,
                fields: &'static [&'static str],
                _visitor: V,
            ) -> Result<V::Value, NotAName> {
                self.0 = fields;
                Err(NotAName::custom("names noted"))
            }

            fn deserialize_any<V: serde::de::Visitor<'de>>(self, _visitor: V) -> Result<V::Value, NotAName> {
                Err(NotAName::custom("not a struct"))
            }

            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
                unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
            }
        }
        let mut names = Names(&[]);
        let _ = super::Settings::deserialize(&mut names);
        names.0
    }
}

/// A percentage for a message: two decimals, or three significant digits below 1% (as the page shows it).
fn percent_text(percent: f64) -> String {
    let decimals = if percent >= 1.0 { 2 } else { (2.0 - percent.log10().floor()) as usize };
    format!("{percent:.decimals$}")
}

impl Config {
    /// Parses a JSON object of settings over the defaults.
    pub fn from_json(json: &str) -> Result<Config> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::config("(config)", format!("not valid JSON: {e}")))?;
        Config::from_value(value)
    }

    /// Settings (a JSON object) over the defaults of their model (see `Settings::defaults_for`).
    pub fn from_value(value: Value) -> Result<Config> {
        let Value::Object(given) = value else {
            return Err(Error::config("(config)", "expected a JSON object of settings, like {\"seed\": 1}"));
        };
        // The model decides the defaults of the others, so it is read first.
        let defaults = match given.get("model") {
            Some(model) => {
                Settings::defaults_for(&rule::model(model).map_err(|e| Error::config("model", e.to_string()))?)
            }
            None => Settings::default(),
        };
        let rounds_given = given.contains_key("rounds");
        let Ok(Value::Object(mut all)) = serde_json::to_value(defaults) else { unreachable!("settings are an object") };
        all.extend(given);
        // Fields are read in the map's (alphabetical) order; the first refused one is reported.
        let settings: Settings = serde_path_to_error::deserialize(Value::Object(all)).map_err(|error| {
            let field = error.path().to_string();
            if rule::setting_names().contains(&field.as_str()) {
                Error::config(&field, error.into_inner().to_string())
            } else {
                Error::config(
                    &field,
                    format!("unknown setting; the settings are: {}", rule::setting_names().join(", ")),
                )
            }
        })?;
        settings.validate(rounds_given)
    }

    /// Checks settings built in code, by the same rules as settings read from JSON.
    pub fn new(settings: Settings) -> Result<Config> {
        Config::from_value(serde_json::to_value(settings).expect("settings serialise"))
    }

    pub fn settings(&self) -> &Settings {
        &self.0
    }
}

impl Settings {
    /// The defaults for a model: the paper's settings for Conv-2/4/6 and their quarter-width
    /// variants (its figure 2: Adam learning rate, iterations per round, and Conv-6's 15%
    /// convolution rate); LeNet-300-100's for the others (LeNet-5 and networks given as text).
    pub fn defaults_for(model: &str) -> Settings {
        let mut settings = Settings { model: model.to_string(), ..Settings::default() };
        match model.trim_end_matches("-quarter") {
            "conv-2" => (settings.learning_rate, settings.iterations) = (2e-4, 20_000),
            "conv-4" => (settings.learning_rate, settings.iterations) = (3e-4, 25_000),
            "conv-6" => {
                (settings.learning_rate, settings.iterations) = (3e-4, 30_000);
                settings.prune_rate_conv = 0.15;
            }
            _ => {}
        }
        settings
    }

    /// The rules across fields, once each field passed its own: resolves `target_remaining` into
    /// rounds (which, when given too, must agree: a results or ticket file holds both), then
    /// checks the pruning ladder and the memory a batch takes.
    fn validate(mut self, rounds_given: bool) -> Result<Config> {
        if let Some(target) = self.target_remaining {
            let needed = self.rounds_for_target(target)?;
            if rounds_given && self.rounds != needed {
                return Err(Error::config(
                    "target_remaining",
                    format!(
                        "give either rounds or target_remaining, not both: target_remaining {target} means {needed} rounds, \
                         but rounds is {}; remove rounds to prune until the target, or target_remaining to run {} rounds",
                        self.rounds, self.rounds
                    ),
                ));
            }
            self.rounds = needed;
        }
        self.check_pruning()?;
        self.check_batch_memory()?;
        Ok(Config(self))
    }

    /// Refuses a batch whose pass would keep more activation values than `limits` allows (the
    /// network alone was checked for evaluation's chunks when its text was read).
    fn check_batch_memory(&self) -> Result<()> {
        let footprint = self.model_spec().footprint();
        let examples = self.batch_size.max(EVALUATION_CHUNK);
        let activations = footprint.activations(examples).unwrap_or(u64::MAX);
        if activations <= MAX_ACTIVATIONS {
            return Ok(());
        }
        Err(Error::config(
            "batch_size",
            format!(
                "a batch of {} takes {activations} activation values ({} MB) in {}, more than the limit of {MAX_ACTIVATIONS} \
                 ({} MB); use a batch of at most {}",
                self.batch_size,
                megabytes(activations),
                self.model,
                megabytes(MAX_ACTIVATIONS),
                footprint.most_examples()
            ),
        ))
    }

    /// The fewest rounds after which the ticket keeps at most `target` percent of the prunable
    /// weights: the counts `prune_counts` prunes to, round after round (layer-wise: each layer at
    /// its kind's rate; global: all weights at `prune_rate`). One-shot pruning prunes each level to
    /// the same counts, so the answer holds for both schedules.
    pub fn rounds_for_target(&self, target: f64) -> Result<usize> {
        let layers = self.model_spec().weight_layers();
        let total: usize = layers.iter().map(|layer| layer.size).sum();
        // Weights kept, per layer (layer-wise) or in all (global), and the rate each loses a round.
        let (mut kept, rates): (Vec<usize>, Vec<f64>) = if self.prune_scope == PruneScope::Global {
            (vec![total], vec![self.prune_rate])
        } else {
            layers.iter().map(|layer| (layer.size, self.layer_prune_rate(layer.kind))).unzip()
        };
        let fail = |message: String| Err(Error::config("target_remaining", message));
        for rounds in 0..=ROUNDS_COUNTED {
            let remaining: usize = kept.iter().sum();
            // kept / total <= target / 100, in the form the page computes too (identical doubles).
            if remaining as f64 * 100.0 <= target * total as f64 {
                if rounds > MAX_ROUNDS_FOR_TARGET {
                    return fail(format!(
                        "keeping at most {target}% of the weights takes {rounds} rounds at these rates, more than the \
                         {MAX_ROUNDS_FOR_TARGET} a run may have; aim higher, or raise the pruning rates"
                    ));
                }
                if let Some(empty) = kept.iter().position(|&count| count == 0) {
                    let what = if self.prune_scope == PruneScope::Global {
                        format!("every weight is pruned (prune_rate {})", self.prune_rate)
                    } else {
                        let layer = &layers[empty];
                        format!(
                            "layer {} keeps none of its {} weights ({} {})",
                            layer.name,
                            layer.size,
                            Settings::rate_field(layer.kind),
                            rates[empty]
                        )
                    };
                    return fail(format!(
                        "reaching {target}% of the weights takes {rounds} rounds, after which {what}; aim higher, or lower the rates"
                    ));
                }
                return Ok(rounds);
            }
            let next: Vec<usize> =
                kept.iter().zip(&rates).map(|(&count, &rate)| count - pruned_count(count, rate)).collect();
            if next == kept {
                return fail(format!(
                    "{target}% of the weights cannot be reached at these rates: the ticket stops at {}% of the weights \
                     after {rounds} rounds (rounding removes no more); aim higher, or raise the pruning rates",
                    percent_text(remaining as f64 * 100.0 / total as f64)
                ));
            }
            kept = next;
        }
        fail(format!(
            "keeping at most {target}% of the weights takes more than {ROUNDS_COUNTED} rounds at these rates; aim higher, or raise the pruning rates"
        ))
    }

    /// Settings that only make sense together, checked before any work starts.
    fn check_pruning(&self) -> Result<()> {
        if self.reset == Reset::Rewind && self.rewind_step >= self.iterations {
            return Err(Error::config(
                "rewind_step",
                format!(
                    "{} is beyond the schedule: a round trains for {} iterations",
                    self.rewind_step, self.iterations
                ),
            ));
        }
        let layers = self.model_spec().weight_layers();
        if self.prune_scope == PruneScope::Global {
            let total: usize = layers.iter().map(|l| l.size).sum();
            if kept_after(total, self.prune_rate, self.rounds) == 0 {
                return Err(Error::config(
                    "rounds",
                    format!(
                        "{} rounds at prune_rate {} would prune every weight; use fewer rounds or a lower rate",
                        self.rounds, self.prune_rate
                    ),
                ));
            }
            return Ok(());
        }
        for layer in &layers {
            let rate = self.layer_prune_rate(layer.kind);
            if kept_after(layer.size, rate, self.rounds) == 0 {
                let rate_field = Settings::rate_field(layer.kind);
                return Err(Error::config(
                    "rounds",
                    format!(
                        "after {} rounds at {rate_field} {rate}, layer {} would keep none of its {} weights; use fewer rounds or a lower rate",
                        self.rounds, layer.name, layer.size
                    ),
                ));
            }
        }
        Ok(())
    }

    /// What the run's last ticket keeps: (weights kept, prunable weights in all) after `rounds`
    /// rounds at these rates, as `prune_counts` prunes them from the dense network.
    pub fn weights_kept(&self) -> (usize, usize) {
        let layers = self.model_spec().weight_layers();
        let total: usize = layers.iter().map(|layer| layer.size).sum();
        let kept = if self.prune_scope == PruneScope::Global {
            kept_after(total, self.prune_rate, self.rounds)
        } else {
            layers.iter().map(|layer| kept_after(layer.size, self.layer_prune_rate(layer.kind), self.rounds)).sum()
        };
        (kept, total)
    }

    /// How many segments a run trains: the dense ticket, then per round the ticket and each control.
    pub fn segments(&self) -> usize {
        1 + self.rounds * (1 + self.controls.len())
    }

    /// How many weights `rounds` rounds of pruning at this config's rates remove from `mask`:
    /// one count per layer (layer-wise, each at its kind's rate), or one in all (global, at
    /// `prune_rate`).
    pub fn prune_counts(&self, mask: &Mask, rounds: usize) -> PruneCounts {
        if self.prune_scope == PruneScope::Global {
            let kept = mask.kept();
            return PruneCounts::Total(kept - kept_after(kept, self.prune_rate, rounds));
        }
        let kinds = self.model_spec().weight_layers().into_iter().map(|layer| layer.kind);
        let per_layer = mask.layers.iter().zip(kinds).map(|(layer, kind)| {
            let kept = layer.kept();
            kept - kept_after(kept, self.layer_prune_rate(kind), rounds)
        });
        PruneCounts::PerLayer(per_layer.collect())
    }

    /// The per-round pruning fraction of a layer (layer-wise pruning).
    pub fn layer_prune_rate(&self, kind: WeightKind) -> f64 {
        match kind {
            WeightKind::Conv => self.prune_rate_conv,
            WeightKind::Hidden => self.prune_rate,
            WeightKind::Output => self.prune_rate_output,
        }
    }

    /// The setting that holds a kind's rate (layer-wise pruning).
    pub fn rate_field(kind: WeightKind) -> &'static str {
        match kind {
            WeightKind::Conv => "prune_rate_conv",
            WeightKind::Hidden => "prune_rate",
            WeightKind::Output => "prune_rate_output",
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("config serialises")
    }

    pub fn model_spec(&self) -> ModelSpec {
        ModelSpec::for_mnist(&self.model).expect("model checked when parsed")
    }

    pub fn init(&self) -> Init {
        self.init
    }

    pub fn optimizer(&self) -> OptimizerConfig {
        match self.optimizer {
            // The optimizers compute in f32; the settings keep the values as written.
            Optimizer::Sgd => {
                OptimizerConfig::Sgd { learning_rate: self.learning_rate as f32, momentum: self.momentum as f32 }
            }
            Optimizer::Adam => OptimizerConfig::Adam {
                learning_rate: self.learning_rate as f32,
                beta1: self.beta1 as f32,
                beta2: self.beta2 as f32,
                epsilon: self.epsilon as f32,
            },
        }
    }
}
