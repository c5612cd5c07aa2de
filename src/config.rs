//! Experiment settings: one flat JSON object, every field optional (defaults are the LTH paper's
//! LeNet-300-100 settings), every field checked with a message that names it.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::limits::{megabytes, EVALUATION_CHUNK, MAX_ACTIVATIONS, MAX_ITERATIONS, MAX_ROUNDS};
use crate::nn::init::Init;
use crate::nn::Mask;
use crate::nn::{ModelSpec, WeightKind};
use crate::optim::OptimizerConfig;
use crate::prune::magnitude::PruneCounts;
use crate::prune::{kept_after, pruned_count};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Config {
    pub model: String,
    /// Seeds every random choice (initial weights, data order). Integers up to 2^53 − 1 (exact in JSON and JS).
    pub seed: u64,
    pub init: String,
    pub optimizer: String,
    pub learning_rate: f64,
    /// SGD only.
    pub momentum: f64,
    /// Adam only.
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    pub batch_size: usize,
    /// Training iterations (batches) in all.
    pub iterations: usize,
    /// Validation and test are scored every this many iterations (and at 0 and at the end).
    pub eval_every: usize,
    /// Training images held out for validation (the first ones of the training file).
    pub validation_size: usize,
    /// Training images used; 0 means all that remain after the validation hold-out.
    pub train_size: usize,
    /// Pruning rounds after the dense network is trained (0: train the dense network only). With
    /// `target_remaining`, the rounds the target needs (see `rounds_for_target`).
    pub rounds: usize,
    /// Prune until the ticket keeps at most this percentage of the prunable weights, instead of
    /// for a given number of rounds. Kept beside the rounds it resolves to, so that results and
    /// ticket files say what was asked (and absent from the JSON when rounds were asked for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_remaining: Option<f64>,
    /// Fraction of the remaining weights removed per round in hidden layers.
    pub prune_rate: f64,
    /// Fraction of the remaining weights removed per round in the output layer.
    pub prune_rate_output: f64,
    /// Fraction of the remaining weights removed per round in convolutional layers.
    pub prune_rate_conv: f64,
    /// "layer": each layer prunes its own fraction; "global": one ranking of all weights, at prune_rate.
    pub prune_scope: String,
    /// "iterative": each round prunes the previous round's trained ticket; "one_shot": each level
    /// is pruned straight from the trained dense network to the same per-layer counts.
    pub prune_schedule: String,
    /// What the survivors start the next round from: "init" (θ0, the paper), "rewind" (their
    /// values at iteration rewind_step of the dense run), "continue" (their trained values).
    pub reset: String,
    pub rewind_step: usize,
    /// Control branches trained at every pruning level beside the ticket: "random_reinit" (same
    /// mask, fresh initial weights), "random_prune" (random mask with the same per-layer counts).
    pub controls: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            model: "lenet-300-100".into(),
            seed: 0,
            init: "glorot-normal".into(),
            optimizer: "adam".into(),
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
            prune_scope: "layer".into(),
            prune_schedule: "iterative".into(),
            reset: "init".into(),
            rewind_step: 0,
            controls: Vec::new(),
        }
    }
}

#[rustfmt::skip]
const FIELDS: [&str; 24] = [
    "model", "seed", "init", "optimizer", "learning_rate", "momentum", "beta1", "beta2", "epsilon",
    "batch_size", "iterations", "eval_every", "validation_size", "train_size", "rounds", "target_remaining",
    "prune_rate", "prune_rate_output", "prune_rate_conv", "prune_scope", "prune_schedule", "reset", "rewind_step", "controls",
];

pub const CONTROLS: [&str; 2] = ["random_reinit", "random_prune"];

/// The most rounds a `target_remaining` may resolve to: the page's cap on rounds (www/app/settings.js).
pub const MAX_ROUNDS_FOR_TARGET: usize = 40;

/// Beyond this many rounds, a target's round count is not worked out exactly.
const ROUNDS_COUNTED: usize = 10_000;

/// The largest integer that JSON numbers (JS doubles) hold exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fn number(field: &str, value: &Value) -> Result<f64> {
    value
        .as_f64()
        .filter(|x| x.is_finite())
        .ok_or_else(|| Error::config(field, format!("expected a number, got {value}")))
}

fn integer(field: &str, value: &Value, min: u64, max: u64) -> Result<u64> {
    let x = number(field, value)?;
    if x.fract() != 0.0 || x < min as f64 || x > max as f64 {
        return Err(Error::config(field, format!("expected a whole number from {min} to {max}, got {value}")));
    }
    Ok(x as u64)
}

fn text<'a>(field: &str, value: &'a Value, allowed: &[&str]) -> Result<&'a str> {
    let s = value.as_str().ok_or_else(|| Error::config(field, format!("expected a string, got {value}")))?;
    if allowed.contains(&s) {
        Ok(s)
    } else {
        Err(Error::config(field, format!("unknown value \"{s}\"; expected one of: {}", allowed.join(", "))))
    }
}

/// A fraction-like setting in [0, 1).
fn unit_interval(field: &str, value: &Value) -> Result<f64> {
    let x = number(field, value)?;
    if !(0.0..1.0).contains(&x) {
        return Err(Error::config(field, format!("must be at least 0 and below 1, got {value}")));
    }
    Ok(x)
}

/// A pruning fraction, strictly between 0 and 1.
fn fraction(field: &str, value: &Value) -> Result<f64> {
    let x = number(field, value)?;
    if x <= 0.0 || x >= 1.0 {
        return Err(Error::config(
            field,
            format!("must be above 0 and below 1 (a fraction of the remaining weights), got {value}"),
        ));
    }
    Ok(x)
}

/// A list of control names: a JSON array, or one comma-separated string (as the CLI passes it).
fn controls(field: &str, value: &Value) -> Result<Vec<String>> {
    let parts: Vec<String> = match value {
        Value::Array(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(String::from)
                    .ok_or_else(|| Error::config(field, format!("expected control names (strings), got {item}")))
            })
            .collect::<Result<_>>()?,
        Value::String(list) => {
            list.split(',').map(|part| part.trim().to_string()).filter(|part| !part.is_empty()).collect()
        }
        _ => return Err(Error::config(field, format!("expected a list of control names, got {value}"))),
    };
    let mut chosen: Vec<String> = Vec::new();
    for part in parts {
        let name = text(field, &Value::String(part), &CONTROLS)?.to_string();
        if !chosen.contains(&name) {
            chosen.push(name);
        }
    }
    Ok(chosen)
}

/// A percentage for a message: two decimals, or three significant digits below 1% (as the page shows it).
fn percent_text(percent: f64) -> String {
    let decimals = if percent >= 1.0 { 2 } else { (2.0 - percent.log10().floor()) as usize };
    format!("{percent:.decimals$}")
}

/// A percentage strictly between 0 and 100.
fn percentage(field: &str, value: &Value) -> Result<f64> {
    let x = number(field, value)?;
    if x <= 0.0 || x >= 100.0 {
        return Err(Error::config(
            field,
            format!("must be above 0 and below 100 (a percentage of the weights, like 3.6), got {value}"),
        ));
    }
    Ok(x)
}

fn positive(field: &str, value: &Value) -> Result<f64> {
    let x = number(field, value)?;
    // The optimizers compute in f32: the value must survive the conversion.
    if x <= 0.0 || (x as f32) == 0.0 || (x as f32).is_infinite() {
        return Err(Error::config(field, format!("must be a positive number from 1e-38 to 3e38, got {value}")));
    }
    Ok(x)
}

impl Config {
    /// Parses a JSON object of settings over the defaults.
    pub fn from_json(json: &str) -> Result<Config> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| Error::config("(config)", format!("not valid JSON: {e}")))?;
        let object = value
            .as_object()
            .ok_or_else(|| Error::config("(config)", "expected a JSON object of settings, like {\"seed\": 1}"))?;
        Config::from_map(object)
    }

    /// The defaults for a model: the paper's settings for Conv-2/4/6 and their quarter-width
    /// variants (its figure 2: Adam learning rate, iterations per round, and Conv-6's 15%
    /// convolution rate); LeNet-300-100's for the others (LeNet-5 and networks given as text).
    pub fn defaults_for(model: &str) -> Config {
        let mut config = Config { model: model.to_string(), ..Config::default() };
        match model.trim_end_matches("-quarter") {
            "conv-2" => (config.learning_rate, config.iterations) = (2e-4, 20_000),
            "conv-4" => (config.learning_rate, config.iterations) = (3e-4, 25_000),
            "conv-6" => {
                (config.learning_rate, config.iterations) = (3e-4, 30_000);
                config.prune_rate_conv = 0.15;
            }
            _ => {}
        }
        config
    }

    /// Settings over the defaults of their model (see `defaults_for`).
    pub fn from_map(object: &Map<String, Value>) -> Result<Config> {
        let mut config = Config::default();
        if let Some(model) = object.get("model") {
            config = Config::defaults_for(Config::model_text(model)?);
        }
        for (field, value) in object {
            let field = field.as_str();
            match field {
                "model" => config.model = Config::model_text(value)?.to_string(),
                "seed" => config.seed = integer(field, value, 0, MAX_SAFE_INTEGER)?,
                "init" => config.init = text(field, value, &Init::NAMES)?.to_string(),
                "optimizer" => config.optimizer = text(field, value, &["adam", "sgd"])?.to_string(),
                "learning_rate" => config.learning_rate = positive(field, value)?,
                "momentum" => config.momentum = unit_interval(field, value)?,
                "beta1" => config.beta1 = unit_interval(field, value)?,
                "beta2" => config.beta2 = unit_interval(field, value)?,
                "epsilon" => config.epsilon = positive(field, value)?,
                "batch_size" => config.batch_size = integer(field, value, 1, 65_536)? as usize,
                "iterations" => config.iterations = integer(field, value, 1, MAX_ITERATIONS as u64)? as usize,
                "eval_every" => config.eval_every = integer(field, value, 1, MAX_ITERATIONS as u64)? as usize,
                "validation_size" => config.validation_size = integer(field, value, 1, 59_999)? as usize,
                "train_size" => config.train_size = integer(field, value, 0, 59_999)? as usize,
                "rounds" => config.rounds = integer(field, value, 0, MAX_ROUNDS as u64)? as usize,
                "target_remaining" => config.target_remaining = Some(percentage(field, value)?),
                "prune_rate" => config.prune_rate = fraction(field, value)?,
                "prune_rate_output" => config.prune_rate_output = fraction(field, value)?,
                "prune_rate_conv" => config.prune_rate_conv = fraction(field, value)?,
                "prune_scope" => config.prune_scope = text(field, value, &["layer", "global"])?.to_string(),
                "prune_schedule" => config.prune_schedule = text(field, value, &["iterative", "one_shot"])?.to_string(),
                "reset" => config.reset = text(field, value, &["init", "rewind", "continue"])?.to_string(),
                "rewind_step" => config.rewind_step = integer(field, value, 0, MAX_ITERATIONS as u64)? as usize,
                "controls" => config.controls = controls(field, value)?,
                unknown => {
                    return Err(Error::config(
                        unknown,
                        format!("unknown setting; the settings are: {}", FIELDS.join(", ")),
                    ))
                }
            }
        }
        if let Some(target) = config.target_remaining {
            let needed = config.rounds_for_target(target)?;
            // A resolved config (a results or ticket file) holds both, agreeing: it re-reads as it was.
            if object.contains_key("rounds") && config.rounds != needed {
                return Err(Error::config(
                    "target_remaining",
                    format!(
                        "give either rounds or target_remaining, not both: target_remaining {target} means {needed} rounds, \
                         but rounds is {}; remove rounds to prune until the target, or target_remaining to run {} rounds",
                        config.rounds, config.rounds
                    ),
                ));
            }
            config.rounds = needed;
        }
        config.check_pruning()?;
        config.check_batch_memory()?;
        Ok(config)
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
        let (mut kept, rates): (Vec<usize>, Vec<f64>) = if self.prune_scope == "global" {
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
                    let what = if self.prune_scope == "global" {
                        format!("every weight is pruned (prune_rate {})", self.prune_rate)
                    } else {
                        let layer = &layers[empty];
                        format!(
                            "layer {} keeps none of its {} weights ({} {})",
                            layer.name,
                            layer.size,
                            Config::rate_field(layer.kind),
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
                    "{target}% of the weights cannot be reached at these rates: after {rounds} rounds the ticket keeps \
                     {}%, and rounding removes no more weights; aim higher, or raise the pruning rates",
                    percent_text(remaining as f64 * 100.0 / total as f64)
                ));
            }
            kept = next;
        }
        fail(format!(
            "keeping at most {target}% of the weights takes more than {ROUNDS_COUNTED} rounds at these rates; aim higher, or raise the pruning rates"
        ))
    }

    /// A model setting: a name or an architecture text that fits 28×28 digits.
    fn model_text(value: &Value) -> Result<&str> {
        let model = value.as_str().ok_or_else(|| Error::config("model", format!("expected a string, got {value}")))?;
        ModelSpec::for_mnist(model).map_err(|message| Error::config("model", message))?;
        Ok(model)
    }

    /// Settings that only make sense together, checked before any work starts.
    fn check_pruning(&self) -> Result<()> {
        if self.reset == "rewind" && self.rewind_step >= self.iterations {
            return Err(Error::config(
                "rewind_step",
                format!(
                    "{} is beyond the schedule: a round trains for {} iterations",
                    self.rewind_step, self.iterations
                ),
            ));
        }
        let layers = self.model_spec().weight_layers();
        if self.prune_scope == "global" {
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
                let rate_field = Config::rate_field(layer.kind);
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

    /// How many segments a run trains: the dense ticket, then per round the ticket and each control.
    pub fn segments(&self) -> usize {
        1 + self.rounds * (1 + self.controls.len())
    }

    /// How many weights `rounds` rounds of pruning at this config's rates remove from `mask`:
    /// one count per layer (layer-wise, each at its kind's rate), or one in all (global, at
    /// `prune_rate`).
    pub fn prune_counts(&self, mask: &Mask, rounds: usize) -> PruneCounts {
        if self.prune_scope == "global" {
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
        Init::from_name(&self.init).expect("init name checked when parsed")
    }

    pub fn optimizer(&self) -> OptimizerConfig {
        match self.optimizer.as_str() {
            // The optimizers compute in f32; the settings keep the values as written.
            "sgd" => OptimizerConfig::Sgd { learning_rate: self.learning_rate as f32, momentum: self.momentum as f32 },
            _ => OptimizerConfig::Adam {
                learning_rate: self.learning_rate as f32,
                beta1: self.beta1 as f32,
                beta2: self.beta2 as f32,
                epsilon: self.epsilon as f32,
            },
        }
    }
}
