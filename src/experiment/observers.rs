//! What watches the training loop. An observer is told when a segment starts, after every
//! training step, after every chunk of the test set scored, and after every evaluation; it reads
//! the model and never changes the training, so adding one changes no number. The loop
//! (`training`) calls every observer the run holds and is not edited for a new one.
//!
//! The run's observers: the capture of θk (reset = "rewind"), the test-set confusion counts,
//! the weights of the last evaluation (put back if training diverges), and the views' record of
//! a ticket's starting conv weights (`views::TicketViews`).

use crate::train::Trainer;

use super::events::{Branch, Evaluation};
use super::views::TicketViews;

pub(crate) trait Observer {
    /// Segment (`branch`, `level`) is about to train from `params` (its mask applied).
    fn started(&mut self, _branch: Branch, _level: usize, _params: &[f32]) {}
    /// Segment (`branch`, `level`) finished training iteration `iteration` (counted from 1).
    fn trained(&mut self, _branch: Branch, _level: usize, _iteration: usize, _params: &[f32]) {}
    /// `trainer` just scored a chunk of the test set (`first`: the evaluation's first chunk).
    fn test_chunk_scored(&mut self, _trainer: &Trainer, _first: bool) {}
    /// An evaluation of the weights `params` finished.
    fn evaluated(&mut self, _evaluation: &Evaluation, _params: &[f32]) {}
}

/// Every observer of a run.
pub(crate) struct Observers {
    pub rewind: RewindCapture,
    pub confusion: ConfusionCounter,
    pub restore: RestorePoint,
    pub views: TicketViews,
}

impl Observers {
    pub fn all(&mut self) -> [&mut dyn Observer; 4] {
        [&mut self.rewind, &mut self.confusion, &mut self.restore, &mut self.views]
    }
}

/// θk for reset = "rewind": the dense ticket's weights after `step` iterations, once reached
/// (or given: from the start when the step is 0, by a checkpoint, or by `set_rewind_params`).
pub(crate) struct RewindCapture {
    /// The iteration to capture at; None when the run does not rewind.
    pub step: Option<usize>,
    pub params: Option<Vec<f32>>,
}

impl Observer for RewindCapture {
    fn trained(&mut self, branch: Branch, level: usize, iteration: usize, params: &[f32]) {
        let due = branch == Branch::Ticket && level == 0 && self.step == Some(iteration);
        if due && self.params.is_none() {
            self.params = Some(params.to_vec());
        }
    }
}

/// The test set's (true, predicted) class counts, classes × classes with a row per true class:
/// of the evaluation under way, and of the last one finished in the segment.
#[derive(Default)]
pub(crate) struct ConfusionCounter {
    so_far: Vec<u32>,
    pub last: Vec<u32>,
}

impl Observer for ConfusionCounter {
    fn started(&mut self, _branch: Branch, _level: usize, _params: &[f32]) {
        *self = ConfusionCounter::default();
    }

    fn test_chunk_scored(&mut self, trainer: &Trainer, first: bool) {
        if first {
            let classes = trainer.model.classes();
            self.so_far.clear();
            self.so_far.resize(classes * classes, 0);
        }
        trainer.count_predictions(&mut self.so_far);
    }

    fn evaluated(&mut self, _evaluation: &Evaluation, _params: &[f32]) {
        self.last.clone_from(&self.so_far);
    }
}

/// The weights as of the segment's last evaluation: put back if training diverges, so that the
/// model the last scores describe is not lost to NaNs.
#[derive(Default)]
pub(crate) struct RestorePoint {
    pub params: Vec<f32>,
}

impl Observer for RestorePoint {
    fn started(&mut self, _branch: Branch, _level: usize, _params: &[f32]) {
        self.params.clear();
    }

    fn evaluated(&mut self, _evaluation: &Evaluation, params: &[f32]) {
        self.params.clear();
        self.params.extend_from_slice(params);
    }
}
