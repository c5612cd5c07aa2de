//! Tickets in and out: a run can start from an imported ticket (its mask is level 0's mask, its
//! initial weights θ0, and θk under reset = "rewind"), so the ticket trains exactly as it did in
//! the run that found it and further rounds prune on from it; and any level's ticket (mask and
//! the weights its survivors restart from) can be exported as a safetensors file.

use crate::config::{Config, Reset};
use crate::error::{Error, Result};
use crate::limits::MAX_ROUNDS;
use crate::ticket::Ticket;

use super::checkpoints::NO_RESUME_FROM_IMPORTED;
use super::Experiment;

impl Experiment {
    /// Starts the run from `ticket` (see `Ticket::from_safetensors`) instead of a fresh dense
    /// network: level 0 trains its mask from its initial weights, and further rounds prune on
    /// from it. Call before `load_idx`; the settings must build the ticket's model.
    pub fn import_ticket(&mut self, ticket: Ticket) -> Result<()> {
        if self.run.is_some() {
            return Err(Error::Usage("import_ticket: import the ticket before loading the data (load_idx)".into()));
        }
        if self.resume.is_some() {
            return Err(Error::Usage(NO_RESUME_FROM_IMPORTED.into()));
        }
        if ticket.config.model_spec() != self.config.model_spec() {
            return Err(Error::config(
                "model",
                format!(
                    "the ticket is a ticket of model {}, but these settings train {}: set the model to {} to train it",
                    ticket.config.model, self.config.model, ticket.config.model
                ),
            ));
        }
        let last_level = ticket.level.checked_add(self.config.rounds).filter(|&last| last <= MAX_ROUNDS);
        if last_level.is_none() {
            return Err(Error::config(
                "rounds",
                format!(
                    "the ticket is at level {} and these settings prune {} round(s) more, to level {}, past the limit \
                     of {MAX_ROUNDS} (levels count pruning rounds from the dense network); prune at most {} round(s)",
                    ticket.level,
                    self.config.rounds,
                    ticket.level.saturating_add(self.config.rounds),
                    MAX_ROUNDS.saturating_sub(ticket.level)
                ),
            ));
        }
        if let Some(target) = self.config.target_remaining {
            return Err(Error::config(
                "target_remaining",
                format!(
                    "{target}% counts from the whole network, but a run from a ticket prunes on from the ticket's own \
                     mask; give a number of rounds instead"
                ),
            ));
        }
        self.imported = Some(ticket);
        Ok(())
    }

    /// The ticket of `level` (counted in this run): its mask and the weights its survivors start
    /// from (θ0 at level 0 and under reset = "init", θk under "rewind"), with these settings. Its level in the
    /// file counts from the dense network, so it adds an imported ticket's level.
    pub fn ticket(&self, level: usize) -> Result<Ticket> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage("ticket: load the data (load_idx) first".into()))?;
        let mask = run.ticket_masks.get(&level).ok_or_else(|| match run.resumed_at() {
            Some(resumed) if level < resumed => Error::Usage(format!(
                "ticket: round {level} was trained before this run resumed at round {resumed}; its ticket is not in this run (export it from the run that trained it)"
            )),
            resumed => Error::Usage(format!(
                "ticket: the mask of round {level} is not made yet ({} to {} have masks)",
                resumed.map_or("rounds 0".to_string(), |resumed| format!("round 0 and rounds {resumed}")),
                run.ticket_masks.keys().last().expect("level 0's mask")
            )),
        })?;
        check_ticket_export(&self.config, level).map_err(|message| Error::Usage(format!("ticket: {message}")))?;
        let initial_params = match self.config.reset {
            Reset::Rewind if level > 0 => run.rewind_params().ok_or_else(|| {
                Error::Usage(format!(
                    "ticket: the survivors restart from θk, the dense network's weights at iteration {}, which it has not reached yet",
                    self.config.rewind_step
                ))
            })?,
            _ => &run.initial_model.params[..],
        };
        Ok(Ticket {
            config: self.config.clone(),
            level: self.level_from_dense(level)?,
            mask: mask.clone(),
            initial_params: initial_params.to_vec(),
        })
    }

    /// This run's `level` counted from the dense network: an imported ticket's level plus
    /// `level`, at most `MAX_ROUNDS` (`import_ticket` refuses a run that would go further).
    fn level_from_dense(&self, level: usize) -> Result<usize> {
        let first = self.imported.as_ref().map_or(0, |ticket| ticket.level);
        first.checked_add(level).filter(|&level| level <= MAX_ROUNDS).ok_or_else(|| {
            Error::Usage(format!(
                "ticket: round {level} of a run from a ticket of level {first} is past level {MAX_ROUNDS}, the limit"
            ))
        })
    }

    /// `ticket(level)` as a safetensors file (see `ticket`).
    pub fn ticket_safetensors(&self, level: usize) -> Result<Vec<u8>> {
        Ok(self.ticket(level)?.to_safetensors())
    }
}

/// Whether these settings keep what the ticket of `level` needs, so that a run can be refused
/// before it trains rather than after: under reset = "continue" a round after the first starts
/// from the previous round's trained weights, which are not kept.
pub fn check_ticket_export(config: &Config, level: usize) -> std::result::Result<(), String> {
    if config.reset == Reset::Continue && level > 0 {
        return Err(format!(
            "under reset = continue, round {level} starts from the previous round's trained weights, which are not kept: export tickets of runs that reset to init or rewind (or round 0)"
        ));
    }
    Ok(())
}
