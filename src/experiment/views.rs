//! What the page's per-round panels keep of each finished ticket round, and the getters that
//! serve them: Filters, Weights, Confusion, Connections and Draw a digit (see docs/design/panels.md).
//!
//! `TicketViews` watches a ticket segment start (its conv weights, for Filters) and is fed a
//! `RoundFinished` event when a ticket round ends; the getters answer from what it kept, or say
//! why a round is not there (not finished, trained before a resume, or in a controls share).
//! Adding a panel touches this file and the binding, not the training.

use std::collections::BTreeMap;

use crate::classify::{self, Classification, TestImage};
use crate::connections::{input_connections, InputConnections};
use crate::error::{Error, Result};
use crate::filters::{ConvFilters, ConvRecorder, LevelFilters};
use crate::nn::{Mask, Model};
use crate::weights::{self, LayerWeights};

use super::events::Branch;
use super::observers::Observer;
use super::run::Run;
use super::schedule::Share;
use super::Experiment;

/// A ticket round has finished training: what the views need of it.
pub(crate) struct RoundFinished<'a> {
    pub level: usize,
    pub mask: &'a Mask,
    /// The next round's mask, if the run prunes on.
    pub next_mask: Option<&'a Mask>,
    /// The values the survivors are reset to (θ0, or θk under rewind).
    pub reset_params: &'a [f32],
    /// The trained weights, pruned ones exactly 0.
    pub trained: Vec<f32>,
    /// The test-set confusion matrix of the round's last evaluation.
    pub confusion: Vec<u32>,
}

/// What the views keep of a finished ticket level: its conv weights at the start and end
/// (`filters`), its weights summarised (`weights`), its test-set confusion matrix at the end, and
/// its trained weights (pruned ones exactly 0), which `classify` runs and the next level may
/// start from. Those cost one parameter vector per finished level: 1.07 MB for LeNet-300-100
/// (266,610 floats), so 20 MB after 18 rounds; 9 MB a level for Conv-6.
struct FinishedTicket {
    filters: LevelFilters,
    weights: Vec<LayerWeights>,
    confusion: Vec<u32>,
    trained_params: Vec<f32>,
}

pub(crate) struct TicketViews {
    /// Which conv weights `ticket_filters` keeps.
    recorder: ConvRecorder,
    /// The conv weights the ticket segment under way started from (empty during a control).
    start_filters: Vec<f32>,
    finished: BTreeMap<usize, FinishedTicket>,
}

impl Observer for TicketViews {
    fn started(&mut self, branch: Branch, _level: usize, params: &[f32]) {
        self.start_filters = if branch == Branch::Ticket { self.recorder.copy(params) } else { Vec::new() };
    }
}

impl TicketViews {
    pub fn for_model(model: &Model) -> TicketViews {
        TicketViews { recorder: ConvRecorder::for_model(model), start_filters: Vec::new(), finished: BTreeMap::new() }
    }

    pub fn round_finished(&mut self, round: RoundFinished) {
        let filters = LevelFilters {
            initial: std::mem::take(&mut self.start_filters),
            trained: self.recorder.copy(&round.trained),
        };
        let weights = weights::summarise(round.mask, round.reset_params, &round.trained, round.next_mask);
        let ticket = FinishedTicket { filters, weights, confusion: round.confusion, trained_params: round.trained };
        self.finished.insert(round.level, ticket);
    }

    /// The trained weights of the ticket of `level`, if it finished in this run.
    pub fn trained(&self, level: usize) -> Option<&[f32]> {
        self.finished.get(&level).map(|ticket| &ticket.trained_params[..])
    }

    /// The latest finished ticket level and its trained weights.
    pub fn last_trained(&self) -> Option<(usize, &[f32])> {
        self.finished.iter().next_back().map(|(&level, ticket)| (level, &ticket.trained_params[..]))
    }

    /// Says which rounds have finished, for an error about one that has not.
    fn finished_rounds(&self) -> String {
        match (self.finished.keys().next(), self.finished.keys().next_back()) {
            (Some(first), Some(last)) if first == last => format!("round {first} has"),
            (Some(first), Some(last)) => format!("rounds {first} to {last} have"),
            _ => "none has yet".to_string(),
        }
    }
}

impl Experiment {
    /// The ticket's conv layers at the end of round `level` (0: the dense network), with the
    /// weights they started the round from and that round's mask (see `filters`). Empty for a
    /// network without convolutions. An error until that round has finished, and in a controls
    /// share (the ticket share has them).
    pub fn ticket_filters(&self, level: usize) -> Result<Vec<ConvFilters>> {
        let (run, ticket) = self.finished_ticket("ticket_filters", level)?;
        let snapshot = &ticket.filters;
        Ok(run.views().recorder.filters(&snapshot.initial, &snapshot.trained, &run.ticket_masks[&level]))
    }

    /// The ticket's weights at the end of round `level`, summarised per layer for the page's
    /// Weights panel (see `weights`). The same errors as `ticket_filters`.
    pub fn ticket_weights(&self, level: usize) -> Result<&[LayerWeights]> {
        Ok(&self.finished_ticket("ticket_weights", level)?.1.weights)
    }

    /// The ticket's confusion matrix on the test set at the end of round `level` (classes ×
    /// classes, a row per true class: how often each digit was taken for each). The same errors
    /// as `ticket_filters`.
    pub fn ticket_confusion(&self, level: usize) -> Result<&[u32]> {
        Ok(&self.finished_ticket("ticket_confusion", level)?.1.confusion)
    }

    /// The first layer's surviving input connections in the ticket of round `level` (see
    /// `connections`); None for a network that does not start with a fully connected layer on
    /// the image. The same errors as `ticket_filters`.
    pub fn ticket_connections(&self, level: usize) -> Result<Option<InputConnections>> {
        let (run, _) = self.finished_ticket("ticket_connections", level)?;
        Ok(input_connections(&self.config.model_spec(), &run.ticket_masks[&level]))
    }

    /// One image (28×28 pixels in [0, 1], row by row) through the trained dense network (round
    /// 0) and the trained ticket of round `level`, its pruned weights 0: each network's class
    /// probabilities. The same errors as `ticket_filters`, and one for an image that is not 784
    /// values in [0, 1]. (After an imported ticket, round 0 is that ticket trained again.)
    pub fn classify(&self, level: usize, pixels: &[f32]) -> Result<Classification> {
        let (run, ticket) = self.finished_ticket("classify", level)?;
        classify::check_pixels(pixels)?;
        let dense = run.dense_trained_params().expect("the dense network trained before any round finished");
        let answer = |params: &[f32]| classify::probabilities(&run.initial_model, params, pixels);
        Ok(Classification { dense: answer(dense), ticket: answer(&ticket.trained_params) })
    }

    /// Image `index` of MNIST's test set (0 to 9,999), its pixels as `classify` takes them.
    pub fn test_image(&self, index: usize) -> Result<TestImage> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage("test_image: load the data (load_idx) first".into()))?;
        let test = &run.data.test;
        if index >= test.len() {
            let numbered = match test.len() {
                0 => "the test set is empty".to_string(),
                count => format!("the test set's images are numbered 0 to {}", count - 1),
            };
            return Err(Error::Usage(format!("test_image: there is no test image {index}; {numbered}")));
        }
        let (mut pixels, mut labels) = (Vec::new(), Vec::new());
        test.gather(std::iter::once(index), &mut pixels, &mut labels);
        Ok(TestImage { pixels, label: labels[0] })
    }

    /// The run and what it kept of the ticket's round `level`, if that round finished in it;
    /// else an error that says why not, for `what` (the method asked).
    fn finished_ticket(&self, what: &str, level: usize) -> Result<(&Run, &FinishedTicket)> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage(format!("{what}: load the data (load_idx) first")))?;
        if run.schedule.share() == Share::Controls {
            return Err(Error::Usage(format!(
                "{what}: this share trains the controls only; the ticket share has the ticket's rounds"
            )));
        }
        if level > self.config.rounds {
            return Err(Error::Usage(format!(
                "{what}: round {level} is beyond the run's {} rounds",
                self.config.rounds
            )));
        }
        if let Some(resumed) = run.resumed_at().filter(|&resumed| level < resumed) {
            return Err(Error::Usage(format!(
                "{what}: the ticket's round {level} was trained before this run resumed at round {resumed}; its views are not in this run"
            )));
        }
        let views = run.views();
        let ticket = views.finished.get(&level).ok_or_else(|| {
            Error::Usage(format!(
                "{what}: the ticket's round {level} has not finished training ({})",
                views.finished_rounds()
            ))
        })?;
        Ok((run, ticket))
    }
}
