//! The trials of `lth imp --trials N` as separate jobs, and their merge: a plan (the settings of
//! trial 0, and N) written as `run.json` beside the trials' results, the checks that a trial's
//! results belong to a plan, and the reports over whichever trials have finished.
//!
//! Trial K trains seed + K and depends on nothing else, so `lth imp --trials N --trial K` writes the
//! very file the whole run writes for it, and the reports over the N trial files are the whole
//! run's. Timings are the exception, measured afresh by every run: `wall_seconds` in the summary
//! (null in a merge, whose trials ran apart), and in a trial's results `train_seconds`,
//! `train_samples_per_second`, `evaluation_samples_per_second` and each round's `seconds`.

use serde_json::{json, Map, Value};

use crate::config::{Settings, MAX_SAFE_INTEGER};
use crate::error::{Error, Result};
use crate::experiment::Status;
use crate::limits::MAX_TRIALS;
use crate::report;
use crate::{Config, Results};

/// The plan's file in a folder of trials.
pub const PLAN_FILE: &str = "run.json";

/// The fields of a trial's results and of a summary that hold timings (see the module's comment).
pub const TIMING_FIELDS: [&str; 5] =
    ["wall_seconds", "train_seconds", "train_samples_per_second", "evaluation_samples_per_second", "seconds"];

/// One run of trials: trial K trains `config` with seed `config.seed + K`, for K in 0..trials.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub config: Config,
    pub trials: usize,
}

impl Plan {
    /// A plan whose every seed is exact in JSON (`trials` from 1 to MAX_TRIALS).
    pub fn new(config: Config, trials: usize) -> Result<Plan> {
        let last_seed = config.seed + trials.saturating_sub(1) as u64; // seed <= 2^53 − 1, trials <= MAX_TRIALS
        if last_seed > MAX_SAFE_INTEGER {
            return Err(Error::Usage(format!(
                "--trials: seeds {} to {last_seed} go past {MAX_SAFE_INTEGER}, the largest seed (exact in JSON); \
                 start from a lower --seed",
                config.seed
            )));
        }
        Ok(Plan { config, trials })
    }

    pub fn seeds(&self) -> impl Iterator<Item = u64> + '_ {
        (0..self.trials as u64).map(|k| self.config.seed + k)
    }

    /// The settings of trial `k`.
    pub fn trial_config(&self, k: usize) -> Result<Config> {
        Config::new(Settings { seed: self.config.seed + k as u64, ..self.config.settings().clone() })
    }

    /// The name of a trial's results file in its folder.
    pub fn trial_file(seed: u64) -> String {
        format!("trial-seed{seed}.json")
    }

    /// `run.json`: the settings of trial 0, the number of trials and their seeds.
    pub fn to_json(&self) -> String {
        let plan = json!({"config": self.config, "trials": self.trials, "seeds": self.seeds().collect::<Vec<_>>()});
        serde_json::to_string_pretty(&plan).expect("serialises") + "\n"
    }

    /// Reads a `run.json` (`what` names it in messages).
    pub fn from_json(text: &str, what: &str) -> Result<Plan> {
        let bad =
            |message: String| Error::data(what, format!("{message}; lth imp writes this file, is it one of its?"));
        let value: Value = serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        let config = value.get("config").ok_or_else(|| bad("no \"config\"".into()))?;
        let config = Config::from_value(config.clone()).map_err(|e| bad(format!("its config: {e}")))?;
        let trials = value.get("trials").and_then(Value::as_u64).filter(|n| (1..=MAX_TRIALS as u64).contains(n));
        let trials = trials.ok_or_else(|| bad(format!("no \"trials\" from 1 to {MAX_TRIALS}")))?;
        Plan::new(config, trials as usize).map_err(|e| bad(e.to_string()))
    }

    /// Which trial `results` is (its K), when it belongs to this plan: its seed is one of the
    /// plan's and its settings are the plan's with that seed. `what` names the file in messages.
    pub fn trial_of(&self, results: &Results, what: &str) -> Result<usize> {
        let seed = results.config.seed;
        let last = self.config.seed + self.trials as u64 - 1;
        if !(self.config.seed..=last).contains(&seed) {
            return Err(Error::data(
                what,
                format!(
                    "seed {seed} is not one of this run's trials (seeds {} to {last}); it belongs to another run \
                     (another --seed or --trials): summarize it with that run's folders",
                    self.config.seed
                ),
            ));
        }
        let k = (seed - self.config.seed) as usize;
        match difference(&self.trial_config(k)?, &results.config) {
            None => Ok(k),
            Some(field) => Err(Error::data(
                what,
                format!(
                    "its settings differ from the run's ({field}); it is a trial of another run: summarize it apart"
                ),
            )),
        }
    }
}

/// The first setting in which `b` differs from `a`, as "learning_rate: 0.0012 against 0.002".
pub fn difference(a: &Config, b: &Config) -> Option<String> {
    let object = |config: &Config| match serde_json::to_value(config) {
        Ok(Value::Object(map)) => map,
        _ => unreachable!("a config is an object"),
    };
    let (a, b): (Map<String, Value>, Map<String, Value>) = (object(a), object(b));
    let names = a.keys().chain(b.keys().filter(|name| !a.contains_key(*name)));
    names
        .filter_map(|name| {
            let (x, y) = (a.get(name).unwrap_or(&Value::Null), b.get(name).unwrap_or(&Value::Null));
            (x != y).then(|| format!("{name}: {x} against {y}"))
        })
        .next()
}

/// The trials of `plan` (their K) that are not in `present`.
pub fn missing(plan: &Plan, present: &[usize]) -> Vec<usize> {
    (0..plan.trials).filter(|k| !present.contains(k)).collect()
}

/// "trial 2 (seed 12)", or "trials 2 and 4 (seeds 12 and 14)": the trials `ks` of `plan`.
pub fn named(plan: &Plan, ks: &[usize]) -> String {
    let seeds: Vec<u64> = ks.iter().map(|&k| plan.config.seed + k as u64).collect();
    let s = if ks.len() == 1 { "" } else { "s" };
    format!("trial{s} {} (seed{s} {})", list(ks), list(&seeds))
}

/// "2, 3 and 7".
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    let words: Vec<String> = items.iter().map(T::to_string).collect();
    match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// The summary over `trials` (finished trials of `plan`, in seed order): the settings of trial 0,
/// the number of trials, the seeds summarised, `wall_seconds` (the whole run's time, or None when
/// the trials ran as separate jobs), the rows (`report::summarise`), and, when some of the plan's
/// trials are missing, their seeds as `missing_seeds`.
pub fn summary(plan: &Plan, trials: &[Results], wall_seconds: Option<f64>) -> Value {
    let seeds: Vec<u64> = trials.iter().map(|t| t.config.seed).collect();
    let missing = missing_seeds(plan, trials);
    let mut summary = json!({
        "config": plan.config,
        "trials": plan.trials,
        "seeds": seeds,
        "wall_seconds": wall_seconds,
        "rows": report::summarise(trials),
    });
    if !missing.is_empty() {
        summary["missing_seeds"] = json!(missing);
    }
    summary
}

/// The seeds of the plan that no trial in `trials` ran.
fn missing_seeds(plan: &Plan, trials: &[Results]) -> Vec<u64> {
    plan.seeds().filter(|seed| !trials.iter().any(|t| t.config.seed == *seed)).collect()
}

/// The page's results file for a run of trials one after another: the `summary`, with the run's
/// status (the worst trial's; stopped when it ended before its last trial), the first trial's error
/// and every trial's results as `results`.
pub fn page_results(plan: &Plan, trials: Vec<Results>, wall_seconds: f64) -> Value {
    let mut file = summary(plan, &trials, Some(wall_seconds));
    let unstarted = (trials.len() < plan.trials).then_some(Status::Stopped);
    let status = Status::worst(trials.iter().map(|t| t.status).chain(unstarted));
    file["status"] = json!(status);
    file["error"] = json!(trials.iter().find_map(|t| t.error.clone()));
    file["results"] = json!(trials);
    file
}

/// The reports over `trials` (finished trials of `plan`, in seed order), as (file name, contents):
/// summary.json, summary.csv, summary.md, curves.csv and accuracy.svg. With every trial of the plan
/// they are the whole run's; with some missing, the summary says which (`missing_seeds` in the
/// JSON, a first line in the Markdown, "k of N seeds" in the plot's title). `wall_seconds` is the
/// whole run's time, or None when the trials ran as separate jobs.
pub fn reports(plan: &Plan, trials: &[Results], wall_seconds: Option<f64>) -> Vec<(&'static str, String)> {
    let config = &plan.config;
    let summary = summary(plan, trials, wall_seconds);
    let seeds = trials.len();
    let missing = missing_seeds(plan, trials);
    let rows = report::summarise(trials);
    let count = |n: usize| if n == 1 { "1 seed".to_string() } else { format!("{n} seeds") };
    let over = if missing.is_empty() { count(plan.trials) } else { format!("{seeds} of {}", count(plan.trials)) };
    let title = format!(
        "{}: IMP over {over}, {} iterations per round, reset {}",
        config.model, config.iterations, config.reset
    );
    let mut markdown = report::summary_markdown(&rows);
    if !missing.is_empty() {
        let ks: Vec<usize> = missing.iter().map(|s| (s - config.seed) as usize).collect();
        markdown = format!(
            "Partial summary: {} of {} trials; missing: {}.\n\n{markdown}",
            seeds,
            plan.trials,
            named(plan, &ks)
        );
    }
    vec![
        ("summary.json", serde_json::to_string_pretty(&summary).expect("serialises") + "\n"),
        ("summary.csv", report::summary_csv(&rows)),
        ("summary.md", markdown),
        ("curves.csv", report::curves_csv(trials)),
        ("accuracy.svg", report::accuracy_svg(&rows, &title)),
    ]
}
