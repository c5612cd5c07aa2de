//! A checkpoint: what a run needs to go on from the next pruning level after its ticket's round
//! `level` has trained, so that a reload or a crashed tab can resume it with exactly the numbers
//! an uninterrupted run gives.
//!
//! Everything else a segment depends on is a function of the settings: θ0 and the data order
//! come from the seed (streams WeightInit and DataOrder, drawn afresh for every segment), the
//! controls' fresh weights and random masks from the seed and their absolute level (streams
//! ReinitWeights { level } and RandomPrune { level }), and level 0's mask is dense (a run that
//! started from an imported ticket is not resumable). So a checkpoint holds only:
//!   `ticket_mask`           U8 (prunable weights): the ticket's mask of level + 1, 1 kept, 0
//!                           pruned, layer after layer in model order (`Mask::to_bytes`)
//!   `rewind_params`         F32 (parameters): θk, under reset = "rewind" with rewind_step > 0
//!   `dense_trained_params`  F32: the trained dense network (one-shot pruning prunes every level
//!                           from it, and `Experiment::classify` compares each round's ticket with it)
//!   `last_ticket_params`    F32: the ticket of `level` as trained, under reset = "continue" (the
//!                           next ticket starts from it)
//! in the safetensors format of `crate::safetensors` (8-byte header length, JSON header, raw little-endian
//! data), with metadata "format" ("ticketlab-checkpoint"), "config" (the settings, JSON),
//! "model" and "level" (the last level whose ticket trained; the run resumes at level + 1).

use serde_json::{json, Map, Value};

use crate::config::{Config, Reset};
use crate::error::{Error, Result};
use crate::nn::Mask;
use crate::safetensors::{f32_bytes, f32_values, parse, write, Entry, Tensor};

/// What `format` says in a checkpoint's metadata.
pub const FORMAT: &str = "ticketlab-checkpoint";

/// What the errors call a checkpoint.
const WHAT: &str = "the checkpoint";

#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    /// The settings of the run it came from.
    pub config: Config,
    /// The last level whose ticket trained: the run resumes at `level + 1`.
    pub level: usize,
    /// The ticket's mask of `level + 1`.
    pub ticket_mask: Mask,
    /// θk (reset = "rewind", rewind_step > 0).
    pub rewind_params: Option<Vec<f32>>,
    /// The trained dense network.
    pub dense_trained_params: Option<Vec<f32>>,
    /// The last trained ticket's weights (reset = "continue").
    pub last_ticket_params: Option<Vec<f32>>,
}

/// The parameter buffers a checkpoint may hold, by tensor name.
const PARAMS: [&str; 3] = ["rewind_params", "dense_trained_params", "last_ticket_params"];

/// A checkpoint's level from its metadata: the last level whose ticket trained, so below the
/// run's `rounds` (it resumes at level + 1).
fn checkpoint_level(text: Option<&String>, rounds: usize) -> std::result::Result<usize, String> {
    let level = text
        .and_then(|text| text.parse::<u64>().ok())
        .ok_or("its __metadata__ has no \"level\" (a whole number): the file is damaged")?;
    if level >= rounds as u64 {
        return Err(format!(
            "its \"level\" is {level}, but its run has {rounds} rounds: a checkpoint is taken after a ticket round \
             before the last, so its level is below {rounds}; the file is damaged"
        ));
    }
    Ok(level as usize)
}

impl Checkpoint {
    /// Which of `PARAMS` these settings need to resume.
    pub fn needs(config: &Config) -> [bool; 3] {
        [config.reset == Reset::Rewind && config.rewind_step > 0, true, config.reset == Reset::Continue]
    }

    fn params(&self) -> [&Option<Vec<f32>>; 3] {
        [&self.rewind_params, &self.dense_trained_params, &self.last_ticket_params]
    }

    pub fn to_safetensors(&self) -> Vec<u8> {
        let mask = self.ticket_mask.to_bytes();
        let mut tensors =
            vec![Tensor { name: "ticket_mask".into(), dtype: "U8", shape: vec![mask.len()], bytes: mask }];
        for (name, params) in PARAMS.iter().zip(self.params()) {
            if let Some(params) = params {
                let bytes = f32_bytes(params);
                tensors.push(Tensor { name: name.to_string(), dtype: "F32", shape: vec![params.len()], bytes });
            }
        }
        let metadata = json!({
            "format": FORMAT,
            "config": self.config.to_json(),
            "model": self.config.model,
            "level": self.level.to_string(),
        });
        write(tensors, metadata)
    }

    /// Reads a checkpoint and checks it against the model its settings name. A truncated or
    /// damaged file is refused with what is wrong; everything in its header (the settings and
    /// their model against the limits, the level, every tensor's dtype and shape) is checked
    /// before its data is read.
    pub fn from_safetensors(bytes: &[u8]) -> Result<Checkpoint> {
        let fail = |message: String| Error::data(WHAT, message);
        let contents = parse(bytes, WHAT, "it is damaged or not a ticketlab checkpoint; start the run afresh")?;
        if contents.metadata.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(fail(format!(
                "its __metadata__ does not say \"format\": \"{FORMAT}\"; it is not a ticketlab checkpoint"
            )));
        }
        let config =
            contents.metadata.get("config").ok_or_else(|| fail("its __metadata__ has no \"config\"".into()))?;
        let config = Config::from_json(config).map_err(|e| fail(format!("the config in its __metadata__: {e}")))?;
        let level = checkpoint_level(contents.metadata.get("level"), config.rounds).map_err(fail)?;
        let layout = config.model_spec().layout();
        let (param_count, weight_count) = (layout.param_count(), layout.weight_count());
        // Every tensor's dtype and shape first; None for one absent.
        let check = |name: &str, dtype: &str, length: usize| -> Result<Option<&Entry>> {
            let Some(entry) = contents.entries.get(name) else { return Ok(None) };
            if entry.dtype != dtype || entry.shape != [length] {
                return Err(fail(format!(
                    "tensor {name} is {} of shape {:?}; model {} needs {dtype} of shape [{length}]: was it made for another model?",
                    entry.dtype, entry.shape, config.model
                )));
            }
            Ok(Some(entry))
        };
        let mask_entry =
            check("ticket_mask", "U8", weight_count)?.ok_or_else(|| fail("tensor ticket_mask is missing".into()))?;
        let mut param_entries = Vec::new();
        for (name, needed) in PARAMS.iter().zip(Checkpoint::needs(&config)) {
            let entry = check(name, "F32", param_count)?;
            if needed && entry.is_none() {
                return Err(fail(format!("tensor {name} is missing; its settings need it to resume")));
            }
            param_entries.push((name, entry));
        }
        let bytes_of = |entry: &Entry| &contents.data[entry.begin..entry.end];
        let ticket_mask = Mask::dense(&layout).with_bytes(bytes_of(mask_entry), WHAT)?;
        let mut params: [Option<Vec<f32>>; 3] = Default::default();
        for ((name, entry), slot) in param_entries.into_iter().zip(&mut params) {
            let Some(entry) = entry else { continue };
            let values = f32_values(bytes_of(entry));
            if let Some(position) = values.iter().position(|v| !v.is_finite()) {
                return Err(fail(format!(
                    "tensor {name}: entry {position} is {}; weights must be finite",
                    values[position]
                )));
            }
            *slot = Some(values);
        }
        let [rewind_params, dense_trained_params, last_ticket_params] = params;
        Ok(Checkpoint { config, level, ticket_mask, rewind_params, dense_trained_params, last_ticket_params })
    }

    /// Refuses to resume a run of `config` from this checkpoint if the settings differ in
    /// anything but the controls (which do not change the ticket's path, and which a controls
    /// share lists a part of), naming each difference.
    pub fn check_settings(&self, config: &Config) -> Result<()> {
        let fields = |config: &Config| -> Map<String, Value> {
            let mut map = match serde_json::to_value(config).expect("config serialises") {
                Value::Object(map) => map,
                _ => unreachable!("a config is an object"),
            };
            map.remove("controls");
            map
        };
        let (theirs, ours) = (fields(&self.config), fields(config));
        let differences: Vec<String> = ours
            .iter()
            .filter(|(key, value)| theirs.get(*key) != Some(value))
            .map(|(key, value)| format!("{key}: {} there, {value} here", theirs.get(key).unwrap_or(&Value::Null)))
            .collect();
        if !differences.is_empty() {
            return Err(Error::data(
                WHAT,
                format!(
                    "it was made by a run with other settings ({}); resume it with its own settings, or start afresh",
                    differences.join("; ")
                ),
            ));
        }
        Ok(())
    }
}
