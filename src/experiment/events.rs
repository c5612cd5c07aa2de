//! What a run tells its caller: the events of each `step`, the finished rounds, and the results
//! on demand. Plain data, serialised as the page and the CLI read it; nothing here trains.

use serde::{Deserialize, Deserializer, Serialize};

use crate::config::{Config, Control};
use crate::nn::LayerCount;

/// Which network a segment trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Branch {
    /// The winning-ticket candidate: magnitude-pruned, survivors reset by the reset rule.
    Ticket,
    /// Control: the ticket's mask with freshly drawn initial weights.
    RandomReinit,
    /// Control: a random mask with the ticket's per-layer counts, reset like the ticket.
    RandomPrune,
}

impl From<Control> for Branch {
    fn from(control: Control) -> Branch {
        match control {
            Control::RandomReinit => Branch::RandomReinit,
            Control::RandomPrune => Branch::RandomPrune,
        }
    }
}

/// Validation and test scores at one iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub iteration: usize,
    pub epoch: f64,
    /// Mean training loss over the batches since the previous evaluation (None at iteration 0).
    pub train_loss: Option<f64>,
    #[serde(deserialize_with = "nan_if_null")]
    pub validation_loss: f64,
    pub validation_accuracy: f64,
    #[serde(deserialize_with = "nan_if_null")]
    pub test_loss: f64,
    pub test_accuracy: f64,
}

/// A loss read back from JSON: serde_json writes a NaN or infinite f64 as null, so a loss that
/// overflowed reads back as NaN rather than failing the whole results file.
fn nan_if_null<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

/// The paper's early-stopping criterion: the evaluation with the lowest validation loss (the
/// first, if several tie), and the test accuracy measured there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyStop {
    pub iteration: usize,
    #[serde(deserialize_with = "nan_if_null")]
    pub validation_loss: f64,
    pub validation_accuracy: f64,
    pub test_accuracy: f64,
}

impl EarlyStop {
    pub fn of(evaluations: &[Evaluation]) -> Option<EarlyStop> {
        let best =
            evaluations.iter().reduce(|best, e| if e.validation_loss < best.validation_loss { e } else { best })?;
        Some(EarlyStop {
            iteration: best.iteration,
            validation_loss: best.validation_loss,
            validation_accuracy: best.validation_accuracy,
            test_accuracy: best.test_accuracy,
        })
    }
}

/// One trained segment: a branch at a pruning level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundResult {
    pub branch: Branch,
    pub level: usize,
    /// False when the run was stopped or diverged during this segment.
    pub complete: bool,
    pub weights: Vec<LayerCount>,
    pub weights_remaining: usize,
    pub percent_remaining: f64,
    pub iterations_completed: usize,
    pub evaluations: Vec<Evaluation>,
    pub early_stop: Option<EarlyStop>,
    /// The last evaluation (at the end of the schedule when complete).
    pub last: Option<Evaluation>,
    /// Wall time spent on this segment: training plus evaluation.
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Sent at the end of every `step` that trained: where the run is and how fast it goes.
    /// `segment` counts from 0 up to `segments` (the number of branches × levels in the run).
    Progress {
        branch: Branch,
        level: usize,
        iteration: usize,
        iterations: usize,
        epoch: f64,
        train_loss: f64,
        samples_per_second: f64,
        segment: usize,
        segments: usize,
        /// Share of the prunable weights this segment trains, in percent.
        percent_remaining: f64,
    },
    Evaluation {
        branch: Branch,
        level: usize,
        #[serde(flatten)]
        evaluation: Evaluation,
    },
    /// A segment finished its schedule.
    RoundDone(RoundResult),
    /// Every segment is done.
    Done { samples_per_second: f64 },
    /// The loss became NaN or infinite; the run stops, everything computed so far is kept.
    Diverged { branch: Branch, level: usize, iteration: usize, message: String },
    /// A ticket share made the ticket's mask of `level`: `ticket_mask(level)` has it for the
    /// controls share (and `rewind_params()` has θk by now).
    TicketMask { level: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for `load_idx`.
    NoData,
    Running,
    /// A controls share with nothing queued: `step` returns at once, with no events, until
    /// `add_ticket_mask` gives the next level's mask or `inputs_finished` says none will come.
    Waiting,
    Done,
    Stopped,
    Diverged,
}

/// Everything a run produced, with the settings that replay it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub status: Status,
    pub error: Option<String>,
    pub config: Config,
    pub prunable_weights: usize,
    pub train_examples: usize,
    pub iterations_per_epoch: usize,
    /// Every segment so far, in the order trained (an unfinished one last, marked incomplete).
    pub rounds: Vec<RoundResult>,
    pub train_seconds: f64,
    /// Training throughput: examples per second of training time (evaluation excluded).
    pub train_samples_per_second: f64,
    /// Inference throughput during evaluation.
    pub evaluation_samples_per_second: f64,
}

#[cfg(test)]
impl RoundResult {
    /// A round with no weights and no evaluations, for tests of what is done with rounds (their
    /// order, merging, keeping them for a resume).
    pub(crate) fn bare(branch: Branch, level: usize, complete: bool) -> RoundResult {
        RoundResult {
            branch,
            level,
            complete,
            weights: Vec::new(),
            weights_remaining: 0,
            percent_remaining: 100.0,
            iterations_completed: 0,
            evaluations: Vec::new(),
            early_stop: None,
            last: None,
            seconds: 1.0,
        }
    }
}

impl Results {
    /// The rounds of one branch, in level order.
    pub fn branch(&self, branch: Branch) -> impl Iterator<Item = &RoundResult> {
        self.rounds.iter().filter(move |r| r.branch == branch)
    }
}
