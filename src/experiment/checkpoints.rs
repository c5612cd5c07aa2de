//! Resuming: a run can take a checkpoint (see `crate::checkpoint`) after the ticket of some level
//! L trained, and a fresh run can resume from it at level L + 1 (the ticket, then its controls).
//! Levels keep their absolute numbers and the rounds before are not in its results. Each segment
//! depends only on the settings and what the checkpoint holds, so the rounds are those of the
//! uninterrupted run, bit for bit, whole or split.

use crate::checkpoint::Checkpoint;
use crate::error::{Error, Result};
use crate::prune::Mask;

use super::inputs::check_mask_counts;
use super::schedule::Share;
use super::Experiment;

pub(crate) const NO_RESUME_FROM_IMPORTED: &str =
    "a run that starts from an imported ticket cannot be resumed from a checkpoint (its level 0 is the ticket file, which a checkpoint does not hold): import the ticket and train it again";

impl Experiment {
    /// The checkpoint to resume this run from (see `checkpoint`): taken after the latest ticket
    /// round L that finished in this run, it resumes at L + 1. An error in a controls share, in a
    /// run that started from an imported ticket, before a ticket round has finished, and after
    /// the last round (there is nothing to resume).
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage("checkpoint: load the data (load_idx) first".into()))?;
        if run.schedule.share() == Share::Controls {
            return Err(Error::Usage(
                "checkpoint: this share trains the controls only; the ticket share takes the checkpoints".into(),
            ));
        }
        if self.imported.is_some() {
            return Err(Error::Usage(NO_RESUME_FROM_IMPORTED.into()));
        }
        let (level, _) = run
            .views()
            .last_trained()
            .ok_or_else(|| Error::Usage("checkpoint: no ticket round has finished in this run yet".into()))?;
        let ticket_mask = run.ticket_masks.get(&(level + 1)).ok_or_else(|| {
            Error::Usage(format!(
                "checkpoint: round {level} was the run's last ticket round; there is nothing to resume"
            ))
        })?;
        let [rewind, dense, continued] = Checkpoint::needs(&self.config);
        let keep = |needed: bool, params: Option<&[f32]>| params.filter(|_| needed).map(<[f32]>::to_vec);
        Ok(Checkpoint {
            config: self.config.clone(),
            level,
            ticket_mask: ticket_mask.clone(),
            rewind_params: keep(rewind, run.rewind_params()),
            dense_trained_params: keep(dense, run.dense_trained_params()),
            last_ticket_params: keep(continued, run.last_ticket_params()),
        })
    }

    /// `checkpoint()` as a safetensors file.
    pub fn checkpoint_safetensors(&self) -> Result<Vec<u8>> {
        Ok(self.checkpoint()?.to_safetensors())
    }

    /// Resumes the run from `checkpoint` (taken after the ticket's round L): call before
    /// `load_idx`. The run starts at level L + 1 (the ticket, then its controls; a controls
    /// share takes masks from L + 2 on), levels keep their numbers, and the rounds before are
    /// not in its results. Refused if the checkpoint's settings differ from the run's (the
    /// controls aside) or its mask does not fit them.
    pub fn resume_from(&mut self, checkpoint: Checkpoint) -> Result<()> {
        if self.run.is_some() {
            return Err(Error::Usage("resume_from: give the checkpoint before loading the data (load_idx)".into()));
        }
        if self.imported.is_some() {
            return Err(Error::Usage(NO_RESUME_FROM_IMPORTED.into()));
        }
        checkpoint.check_settings(&self.config)?;
        let rounds = self.config.rounds;
        let level = checkpoint.level.checked_add(1).filter(|&level| level <= rounds).ok_or_else(|| {
            Error::data(
                "the checkpoint",
                format!(
                    "it was taken after round {}, so it resumes beyond the run's {rounds} rounds: the file is damaged",
                    checkpoint.level
                ),
            )
        })?;
        let dense = Mask::dense(&self.config.model_spec().layout());
        check_mask_counts(&self.config, &dense, &checkpoint.ticket_mask, level, "the checkpoint's ticket mask")?;
        self.resume = Some(checkpoint);
        Ok(())
    }
}
