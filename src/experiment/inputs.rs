//! What a controls share is given from outside (see `Share`): the ticket's masks, level by
//! level, and θk under reset = "rewind", as the ticket share's `ticket_mask(level)` and
//! `rewind_params()` give them; and the word that no more will come. Each input is checked
//! against the settings before it is taken.

use crate::config::{Config, Control, Reset};
use crate::error::{Error, Result};
use crate::prune::magnitude::PruneCounts;
use crate::prune::Mask;

use super::events::Status;
use super::run::Run;
use super::schedule::Share;
use super::Experiment;

impl Experiment {
    /// A controls share: the ticket's mask of `level` (in `Mask::to_bytes` form, as the ticket
    /// share's `ticket_mask(level)` gives it), which queues that level's controls. Masks come in
    /// level order, from 1 to `rounds`; one that does not fit these settings is refused.
    pub fn add_ticket_mask(&mut self, level: usize, bytes: &[u8]) -> Result<()> {
        let config = &self.config;
        let run = Run::taking_inputs(&mut self.run, "add_ticket_mask")?;
        let next = run.ticket_masks.keys().last().expect("level 0's mask") + 1;
        if level > config.rounds {
            return Err(Error::Usage(format!(
                "add_ticket_mask: level {level} is beyond the run's {} rounds",
                config.rounds
            )));
        }
        if level != next {
            return Err(Error::Usage(format!(
                "add_ticket_mask: got the mask of level {level}, expected level {next}: masks come in level order, from 1 (or from the level after a checkpoint's)"
            )));
        }
        let what = format!("the ticket's mask of level {level}");
        let mask = run.ticket_masks[&0].with_bytes(bytes, &what)?;
        check_mask_counts(config, &run.ticket_masks[&0], &mask, level, &what)?;
        let needs_rewind = config.reset == Reset::Rewind && config.controls.contains(&Control::RandomPrune);
        if needs_rewind && run.rewind_params().is_none() {
            return Err(Error::Usage(format!(
                "add_ticket_mask: the random-pruning control restarts from θk, the dense network's weights at iteration {} (reset = rewind): give them with set_rewind_params first",
                config.rewind_step
            )));
        }
        run.ticket_masks.insert(level, mask);
        run.schedule.queue_level(level);
        if run.status == Status::Waiting {
            run.status = Status::Running;
        }
        Ok(())
    }

    /// A controls share under reset = "rewind" with rewind_step > 0: θk, as the ticket share's
    /// `rewind_params()` gives it.
    pub fn set_rewind_params(&mut self, params: &[f32]) -> Result<()> {
        let config = &self.config;
        let run = Run::taking_inputs(&mut self.run, "set_rewind_params")?;
        if config.reset != Reset::Rewind {
            return Err(Error::Usage(format!(
                "set_rewind_params: these settings reset to \"{}\", not rewind: there are no rewind weights to give",
                config.reset
            )));
        }
        if run.rewind_params().is_some() {
            return Err(Error::Usage(
                "set_rewind_params: this share has its rewind weights already (θ0, when rewind_step is 0, or from an earlier call)".into(),
            ));
        }
        let expected = run.initial_model.params.len();
        if params.len() != expected {
            return Err(Error::data(
                "the rewind weights",
                format!("expected {expected} numbers (every parameter of {}), got {}", config.model, params.len()),
            ));
        }
        if let Some(position) = params.iter().position(|p| !p.is_finite()) {
            return Err(Error::data("the rewind weights", format!("parameter {position} is {}", params[position])));
        }
        run.observers.rewind.params = Some(params.to_vec());
        Ok(())
    }

    /// A controls share: no more masks will come; the run ends (Done) once the queued controls
    /// are trained.
    pub fn inputs_finished(&mut self) {
        if let Some(run) = self.run.as_mut().filter(|run| run.schedule.share() == Share::Controls) {
            run.schedule.inputs_finished();
            if run.status == Status::Waiting {
                run.status = Status::Running;
            }
        }
    }
}

/// Refuses a ticket mask of `level` (`what` names it) that does not keep the weights that these
/// settings keep at that level: per layer (layer-wise pruning) or in all (global), from `dense`.
pub(crate) fn check_mask_counts(config: &Config, dense: &Mask, mask: &Mask, level: usize, what: &str) -> Result<()> {
    let (kept, expected): (Vec<usize>, Vec<usize>) = match config.prune_counts(dense, level) {
        PruneCounts::PerLayer(removed) => (
            mask.layers.iter().map(|layer| layer.kept()).collect(),
            dense.layers.iter().zip(removed).map(|(layer, removed)| layer.size() - removed).collect(),
        ),
        PruneCounts::Total(removed) => (vec![mask.kept()], vec![dense.size() - removed]),
    };
    if kept != expected {
        let list = |counts: &[usize]| counts.iter().map(usize::to_string).collect::<Vec<_>>().join(" / ");
        return Err(Error::data(
            what,
            format!(
                "it keeps {} weights, where these settings keep {} at level {level}; was it made with other settings?",
                list(&kept),
                list(&expected)
            ),
        ));
    }
    Ok(())
}

impl Run {
    /// `run` if it is a controls share that still takes inputs; otherwise what `call` needs first.
    fn taking_inputs<'a>(run: &'a mut Option<Run>, call: &str) -> Result<&'a mut Run> {
        let run = run.as_mut().ok_or_else(|| Error::Usage(format!("{call}: load the data (load_idx) first")))?;
        if run.schedule.share() != Share::Controls {
            return Err(Error::Usage(format!(
                "{call}: only a controls share is given the ticket's masks and rewind weights; this share makes its own"
            )));
        }
        if !run.schedule.more_inputs() {
            return Err(Error::Usage(format!("{call}: inputs_finished was called; this share takes no more inputs")));
        }
        if !matches!(run.status, Status::Running | Status::Waiting) {
            return Err(Error::Usage(format!("{call}: the run has ended ({:?}); start a new one", run.status)));
        }
        Ok(run)
    }
}
