//! The one stateful object that the CLI and the wasm API both drive: config in, data in,
//! `step(budget)` → events out, results on demand.
//!
//! An experiment is a sequence of training *segments*, one per (branch, level):
//! the ticket at level 0 is the dense network; after the ticket at level L has trained, its
//! weights are pruned to give the mask of level L+1, and the ticket and each control of level
//! L+1 are queued. Every segment trains the full schedule from its starting weights with a fresh
//! optimizer, evaluating at iteration 0, every `eval_every` iterations and at the end.
//!
//! Work is done in small units (one batch, or one chunk of evaluation) until the time budget of a
//! `step` call is spent, so a caller can slice a long run into pieces of a few tens of
//! milliseconds. Slicing never changes the numbers: every decision depends on iteration counts,
//! never on time.
//!
//! A run can be split over workers by its `Share`: one experiment trains the ticket's segments
//! and announces each new mask; another trains the controls, given each level's mask (and θk
//! under reset = "rewind") from outside. A control's segment depends only on the settings, θ0,
//! θk and its level's mask, so every segment computes the same numbers in either form.
//!
//! A run can also start from an imported ticket (`import_ticket`) instead of a freshly
//! initialised dense network: the ticket's mask is level 0's mask and its initial weights are θ0
//! (and θk, under reset = "rewind"). Everything after is the same machine, so the imported
//! ticket trains exactly as it did in the run that found it (same settings, same seed), and
//! further rounds prune on from it.
//!
//! A run can resume from a checkpoint (`resume_from`, see `checkpoint`) taken after the ticket of
//! some level L trained: it starts at level L + 1 (the ticket, then its controls), levels keep
//! their absolute numbers, and the rounds before are not in its results. Each segment depends
//! only on the settings and what the checkpoint holds, so the rounds are those of the
//! uninterrupted run, bit for bit, whole or split.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::checkpoint::Checkpoint;
use crate::classify::{self, Classification, TestImage};
use crate::config::{Config, Control, PruneSchedule, Reset};
use crate::connections::{input_connections, InputConnections};
use crate::data::batches::iterations_per_epoch;
use crate::data::{Dataset, Mnist};
use crate::error::{Error, Result};
use crate::filters::{ConvFilters, ConvRecorder, LevelFilters};
use crate::limits::MAX_ROUNDS;
use crate::nn::loss::LossStats;
use crate::nn::LayerCount;
use crate::nn::Model;
use crate::prune::magnitude::PruneCounts;
use crate::prune::{prune_by_magnitude, random_mask_like, Mask};
use crate::rng::{Rng, Stream};
use crate::ticket::Ticket;
use crate::train::Trainer;
use crate::weights::{self, LayerWeights};

// `step` takes a clock; callers find it here as well as in `crate::clock`.
pub use crate::clock::Clock;
#[cfg(not(target_arch = "wasm32"))]
pub use crate::clock::SystemClock;

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

/// Which segments an experiment trains, so that one run can be split over workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Share {
    /// Every segment: the ticket at level 0, then per level the ticket and each control.
    All,
    /// The ticket's segments only, in the same order; `Event::TicketMask` announces each mask.
    Ticket,
    /// The controls' segments only, level by level as `add_ticket_mask` gives their masks.
    Controls,
}

impl Share {
    pub fn from_name(name: &str) -> Result<Share> {
        match name {
            "all" => Ok(Share::All),
            "ticket" => Ok(Share::Ticket),
            "controls" => Ok(Share::Controls),
            other => Err(Error::Usage(format!("unknown share \"{other}\"; the shares are all, ticket and controls"))),
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
    pub validation_loss: f64,
    pub validation_accuracy: f64,
    pub test_loss: f64,
    pub test_accuracy: f64,
}

/// The paper's early-stopping criterion: the evaluation with the lowest validation loss (the
/// first, if several tie), and the test accuracy measured there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EarlyStop {
    pub iteration: usize,
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

impl Results {
    /// The rounds of one branch, in level order.
    pub fn branch(&self, branch: Branch) -> impl Iterator<Item = &RoundResult> {
        self.rounds.iter().filter(move |r| r.branch == branch)
    }
}

enum Phase {
    Train,
    /// Scoring validation then test; `position` counts examples scored, validation first.
    Evaluate {
        position: usize,
        validation: LossStats,
        test: LossStats,
    },
    Finished,
    /// Its round is recorded; it stays as the last segment trained until the next one starts.
    Recorded,
}

/// Time and work, summed over segments for the run's throughput figures.
#[derive(Clone, Copy, Default)]
struct Effort {
    train_millis: f64,
    train_examples: usize,
    evaluation_millis: f64,
    evaluated_examples: usize,
}

impl Effort {
    fn add(&mut self, other: Effort) {
        self.train_millis += other.train_millis;
        self.train_examples += other.train_examples;
        self.evaluation_millis += other.evaluation_millis;
        self.evaluated_examples += other.evaluated_examples;
    }
}

struct Segment {
    branch: Branch,
    level: usize,
    percent_remaining: f64,
    trainer: Trainer,
    phase: Phase,
    iteration: usize,
    train_since_evaluation: LossStats,
    evaluations: Vec<Evaluation>,
    /// The weights as of the last evaluation: put back if training diverges, so the model that
    /// the last scores describe is not lost to NaNs.
    evaluated_params: Vec<f32>,
    /// A ticket's conv weights as the segment started (`ConvRecorder::copy`); empty for controls.
    start_filters: Vec<f32>,
    /// The test set's (true, predicted) class counts: of the evaluation under way, and of the
    /// last one finished (classes × classes, a row per true class).
    confusion_so_far: Vec<u32>,
    confusion: Vec<u32>,
    effort: Effort,
}

impl Segment {
    fn new(branch: Branch, level: usize, trainer: Trainer, recorder: &ConvRecorder) -> Segment {
        let start_filters = if branch == Branch::Ticket { recorder.copy(&trainer.model.params) } else { Vec::new() };
        Segment {
            branch,
            level,
            percent_remaining: 100.0 * trainer.mask.density(),
            trainer,
            phase: start_evaluation(),
            iteration: 0,
            train_since_evaluation: LossStats::default(),
            evaluations: Vec::new(),
            evaluated_params: Vec::new(),
            start_filters,
            confusion_so_far: Vec::new(),
            confusion: Vec::new(),
            effort: Effort::default(),
        }
    }

    fn is_training(&self) -> bool {
        !matches!(self.phase, Phase::Recorded)
    }

    fn result(&self, complete: bool) -> RoundResult {
        let mask = &self.trainer.mask;
        RoundResult {
            branch: self.branch,
            level: self.level,
            complete,
            weights: mask.counts(),
            weights_remaining: mask.kept(),
            percent_remaining: self.percent_remaining,
            iterations_completed: self.iteration,
            evaluations: self.evaluations.clone(),
            early_stop: EarlyStop::of(&self.evaluations),
            last: self.evaluations.last().cloned(),
            seconds: (self.effort.train_millis + self.effort.evaluation_millis) / 1000.0,
        }
    }
}

/// What the page's views keep of a finished ticket level: its conv weights at the start and end
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

struct Run {
    share: Share,
    /// A controls share may still be given masks (until `inputs_finished`).
    more_inputs: bool,
    data: Mnist,
    iterations_per_epoch: usize,
    /// The dense network at θ0, the ticket's initial weights: each segment starts from a copy.
    initial_model: Model,
    /// θk for reset = "rewind": the dense network's weights at iteration `rewind_step`.
    rewind_params: Option<Vec<f32>>,
    /// The ticket's mask at each level reached so far (level 0: dense); a resumed run has level 0
    /// and the levels from the one it resumed at.
    ticket_masks: BTreeMap<usize, Mask>,
    /// Which conv weights `ticket_filters` keeps.
    conv_recorder: ConvRecorder,
    /// What the page's views show of each ticket level finished in this run.
    finished_tickets: BTreeMap<usize, FinishedTicket>,
    queue: VecDeque<(Branch, usize)>,
    /// The segment in training, or the last one trained; None in a controls share until its
    /// first mask.
    segment: Option<Segment>,
    segments_started: usize,
    /// The checkpoint a resumed run started from (see `Experiment::resume_from`).
    resumed_from: Option<Checkpoint>,
    rounds: Vec<RoundResult>,
    status: Status,
    error: Option<String>,
    finished_effort: Effort,
}

pub struct Experiment {
    config: Config,
    share: Share,
    /// Where the run starts instead of a fresh dense network (see `import_ticket`).
    imported: Option<Ticket>,
    /// Where the run resumes instead of starting at level 0 (see `resume_from`).
    resume: Option<Checkpoint>,
    run: Option<Run>,
}

fn start_evaluation() -> Phase {
    Phase::Evaluate { position: 0, validation: LossStats::default(), test: LossStats::default() }
}

fn per_second(count: f64, millis: f64) -> f64 {
    if millis > 0.0 {
        count * 1000.0 / millis
    } else {
        0.0
    }
}

impl Experiment {
    pub fn new(config: Config) -> Experiment {
        Experiment::with_share(config, Share::All)
    }

    /// An experiment that trains only `share` of the run's segments. A controls share trains
    /// the controls that its `config` lists, so several controls shares can each take some.
    pub fn with_share(config: Config, share: Share) -> Experiment {
        Experiment { config, share, imported: None, resume: None, run: None }
    }

    pub fn from_json(config_json: &str) -> Result<Experiment> {
        Ok(Experiment::new(Config::from_json(config_json)?))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// How many segments this share of the run trains (the whole run: the dense ticket, then per
    /// round the ticket and each control).
    pub fn segments(&self) -> usize {
        let config = &self.config;
        match self.share {
            Share::All => config.segments(),
            Share::Ticket => 1 + config.rounds,
            Share::Controls => config.rounds * config.controls.len(),
        }
    }

    /// Takes the four MNIST IDX files (in `data::mnist::FILES` order), checks them, splits them,
    /// and initialises the dense network. The run starts at its first evaluation (a controls
    /// share: waits for its first mask).
    pub fn load_idx(&mut self, files: [&[u8]; 4]) -> Result<()> {
        let config = &self.config;
        let data = Mnist::from_idx(files, config.validation_size, config.train_size)?;
        if config.batch_size > data.train.len() {
            return Err(Error::config(
                "batch_size",
                format!("{} is larger than the {} training images", config.batch_size, data.train.len()),
            ));
        }
        let mut model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
        let mut dense = Mask::dense(&model.layout);
        if let Some(ticket) = &self.imported {
            model.params.clone_from(&ticket.initial_params);
            dense = ticket.mask.clone();
        }
        // A pruned ticket's weights are θk already under reset = "rewind"; a dense one starts
        // from θ0 and reaches θk at rewind_step, as in a fresh run.
        let imported_pruned = self.imported.as_ref().is_some_and(|ticket| ticket.level > 0);
        let rewind_params = (config.reset == Reset::Rewind && (config.rewind_step == 0 || imported_pruned))
            .then(|| model.params.clone());
        let controls_only = self.share == Share::Controls;
        let conv_recorder = ConvRecorder::for_model(&model);
        let segment = (!controls_only && self.resume.is_none()).then(|| {
            let trainer = Trainer::new(config, model.clone(), dense.clone(), data.train.len());
            Segment::new(Branch::Ticket, 0, trainer, &conv_recorder)
        });
        let mut run = Run {
            share: self.share,
            more_inputs: controls_only,
            iterations_per_epoch: iterations_per_epoch(data.train.len(), config.batch_size),
            data,
            initial_model: model,
            rewind_params,
            ticket_masks: BTreeMap::from([(0, dense)]),
            conv_recorder,
            finished_tickets: BTreeMap::new(),
            queue: VecDeque::new(),
            segments_started: usize::from(segment.is_some()),
            segment,
            resumed_from: None,
            rounds: Vec::new(),
            status: if controls_only { Status::Waiting } else { Status::Running },
            error: None,
            finished_effort: Effort::default(),
        };
        // The data is in: the run holds the checkpoint from here (a refused load keeps it here).
        if let Some(checkpoint) = self.resume.take() {
            run.resume_at(config, checkpoint);
        }
        self.run = Some(run);
        Ok(())
    }

    pub fn status(&self) -> Status {
        self.run.as_ref().map_or(Status::NoData, |run| run.status)
    }

    /// Ends the run where it is; what it computed stays in `results()`, the unfinished segment
    /// as an incomplete round.
    pub fn stop(&mut self) {
        if let Some(run) = &mut self.run {
            if matches!(run.status, Status::Running | Status::Waiting) {
                run.status = Status::Stopped;
                if let Some(segment) = run.training_segment() {
                    run.rounds.push(segment.result(false));
                }
            }
        }
    }

    /// Works until `budget_millis` have passed on `clock` (at least one unit of work), or the run
    /// ends. Returns what happened, in order.
    pub fn step(&mut self, budget_millis: f64, clock: &dyn Clock) -> Result<Vec<Event>> {
        let config = &self.config;
        let segments = self.segments();
        let run = self
            .run
            .as_mut()
            .ok_or_else(|| Error::Usage("no data yet: load the MNIST files (load_idx) before stepping".into()))?;
        let mut events = Vec::new();
        let mut slice_loss = LossStats::default();
        let start = clock.now_millis();
        let mut unit_start = start;
        while run.status == Status::Running {
            let Some(segment) = run.segment.as_mut() else {
                run.start_next(config, &mut events);
                continue;
            };
            match &mut segment.phase {
                Phase::Recorded => run.start_next(config, &mut events),
                Phase::Finished => run.finish_segment(config, &mut events)?,
                Phase::Train => {
                    let stats = segment.trainer.train_step(&run.data.train);
                    segment.iteration += 1;
                    let now = clock.now_millis();
                    segment.effort.train_millis += now - unit_start;
                    segment.effort.train_examples += stats.examples;
                    unit_start = now;
                    if !stats.loss_sum.is_finite() {
                        run.diverge(config, stats.mean_loss(), &mut events);
                        break;
                    }
                    slice_loss.add(stats);
                    segment.train_since_evaluation.add(stats);
                    if segment.branch == Branch::Ticket
                        && segment.level == 0
                        && config.reset == Reset::Rewind
                        && segment.iteration == config.rewind_step
                        && run.rewind_params.is_none()
                    {
                        run.rewind_params = Some(segment.trainer.model.params.clone());
                    }
                    if segment.iteration % config.eval_every == 0 || segment.iteration == config.iterations {
                        segment.phase = start_evaluation();
                    }
                }
                Phase::Evaluate { position, validation, test } => {
                    let validation_len = run.data.validation.len();
                    let (set, stats, offset): (&Dataset, &mut LossStats, usize) = if *position < validation_len {
                        (&run.data.validation, validation, 0)
                    } else {
                        (&run.data.test, test, validation_len)
                    };
                    let chunk = segment.trainer.evaluate_chunk(set, *position - offset);
                    if offset > 0 {
                        if *position == offset {
                            let classes = segment.trainer.model.classes();
                            segment.confusion_so_far.clear();
                            segment.confusion_so_far.resize(classes * classes, 0);
                        }
                        segment.trainer.count_predictions(&mut segment.confusion_so_far);
                    }
                    stats.add(chunk);
                    *position += chunk.examples;
                    segment.effort.evaluated_examples += chunk.examples;
                    if *position == validation_len + run.data.test.len() {
                        let evaluation = Evaluation {
                            iteration: segment.iteration,
                            epoch: segment.iteration as f64 / segment.trainer.iterations_per_epoch() as f64,
                            train_loss: (segment.train_since_evaluation.examples > 0)
                                .then(|| segment.train_since_evaluation.mean_loss()),
                            validation_loss: validation.mean_loss(),
                            validation_accuracy: validation.accuracy(),
                            test_loss: test.mean_loss(),
                            test_accuracy: test.accuracy(),
                        };
                        segment.train_since_evaluation = LossStats::default();
                        segment.evaluated_params.clone_from(&segment.trainer.model.params);
                        segment.confusion.clone_from(&segment.confusion_so_far);
                        segment.evaluations.push(evaluation.clone());
                        events.push(Event::Evaluation { branch: segment.branch, level: segment.level, evaluation });
                        segment.phase =
                            if segment.iteration >= config.iterations { Phase::Finished } else { Phase::Train };
                    }
                    let now = clock.now_millis();
                    segment.effort.evaluation_millis += now - unit_start;
                    unit_start = now;
                }
            }
            if unit_start - start >= budget_millis {
                break;
            }
        }
        if slice_loss.examples > 0 {
            let segment = run.segment.as_ref().expect("a segment trained in this slice");
            let effort = run.effort();
            let progress = Event::Progress {
                branch: segment.branch,
                level: segment.level,
                iteration: segment.iteration,
                iterations: config.iterations,
                epoch: segment.iteration as f64 / segment.trainer.iterations_per_epoch() as f64,
                train_loss: slice_loss.mean_loss(),
                samples_per_second: per_second(effort.train_examples as f64, effort.train_millis),
                segment: run.segments_started - 1,
                segments,
                percent_remaining: segment.percent_remaining,
            };
            // Before a closing Done or Diverged, so that the closing event is always the last.
            let closing = events.iter().position(|e| matches!(e, Event::Done { .. } | Event::Diverged { .. }));
            events.insert(closing.unwrap_or(events.len()), progress);
        }
        Ok(events)
    }

    /// Runs to the end of the schedule (native use), calling `on_event` for every event.
    pub fn run_to_end(&mut self, clock: &dyn Clock, mut on_event: impl FnMut(&Event)) -> Result<()> {
        while self.status() == Status::Running {
            for event in self.step(250.0, clock)? {
                on_event(&event);
            }
        }
        Ok(())
    }

    /// Everything so far; available at any time, also after a stop or a divergence.
    pub fn results(&self) -> Results {
        let mut results = Results {
            status: self.status(),
            error: None,
            config: self.config.clone(),
            prunable_weights: self.config.model_spec().weight_layers().iter().map(|l| l.size).sum(),
            train_examples: 0,
            iterations_per_epoch: 0,
            rounds: Vec::new(),
            train_seconds: 0.0,
            train_samples_per_second: 0.0,
            evaluation_samples_per_second: 0.0,
        };
        if let Some(run) = &self.run {
            let effort = run.effort();
            results.error = run.error.clone();
            results.train_examples = run.data.train.len();
            results.iterations_per_epoch = run.iterations_per_epoch;
            results.rounds = run.rounds.clone();
            if let Some(segment) = run.training_segment().filter(|_| run.status == Status::Running) {
                results.rounds.push(segment.result(false));
            }
            results.train_seconds = effort.train_millis / 1000.0;
            results.train_samples_per_second = per_second(effort.train_examples as f64, effort.train_millis);
            results.evaluation_samples_per_second =
                per_second(effort.evaluated_examples as f64, effort.evaluation_millis);
        }
        results
    }

    /// The current segment's parameters (after the run: the last segment's).
    pub fn params(&self) -> Option<&[f32]> {
        self.segment().map(|segment| &segment.trainer.model.params[..])
    }

    /// θ0, the dense network's initial weights.
    pub fn initial_params(&self) -> Option<&[f32]> {
        self.run.as_ref().map(|run| &run.initial_model.params[..])
    }

    /// The ticket's mask at `level`, once that level has been reached.
    pub fn ticket_mask(&self, level: usize) -> Option<&Mask> {
        self.run.as_ref().and_then(|run| run.ticket_masks.get(&level))
    }

    /// The ticket's conv layers at the end of round `level` (0: the dense network), with the
    /// weights they started the round from and that round's mask (see `filters`). Empty for a
    /// network without convolutions. An error until that round has finished, and in a controls
    /// share (the ticket share has them).
    pub fn ticket_filters(&self, level: usize) -> Result<Vec<ConvFilters>> {
        let run = self.finished_ticket_run("ticket_filters", level)?;
        let snapshot = &run.finished_tickets[&level].filters;
        Ok(run.conv_recorder.filters(&snapshot.initial, &snapshot.trained, &run.ticket_masks[&level]))
    }

    /// The ticket's weights at the end of round `level`, summarised per layer for the page's
    /// Weights panel (see `weights`). The same errors as `ticket_filters`.
    pub fn ticket_weights(&self, level: usize) -> Result<&[LayerWeights]> {
        Ok(&self.finished_ticket_run("ticket_weights", level)?.finished_tickets[&level].weights)
    }

    /// The ticket's confusion matrix on the test set at the end of round `level` (classes ×
    /// classes, a row per true class: how often each digit was taken for each). The same errors
    /// as `ticket_filters`.
    pub fn ticket_confusion(&self, level: usize) -> Result<&[u32]> {
        Ok(&self.finished_ticket_run("ticket_confusion", level)?.finished_tickets[&level].confusion)
    }

    /// The first layer's surviving input connections in the ticket of round `level` (see
    /// `connections`); None for a network that does not start with a fully connected layer on
    /// the image. The same errors as `ticket_filters`.
    pub fn ticket_connections(&self, level: usize) -> Result<Option<InputConnections>> {
        let run = self.finished_ticket_run("ticket_connections", level)?;
        Ok(input_connections(&self.config.model_spec(), &run.ticket_masks[&level]))
    }

    /// One image (28×28 pixels in [0, 1], row by row) through the trained dense network (round
    /// 0) and the trained ticket of round `level`, its pruned weights 0: each network's class
    /// probabilities. The same errors as `ticket_filters`, and one for an image that is not 784
    /// values in [0, 1]. (After an imported ticket, round 0 is that ticket trained again.)
    pub fn classify(&self, level: usize, pixels: &[f32]) -> Result<Classification> {
        let run = self.finished_ticket_run("classify", level)?;
        classify::check_pixels(pixels)?;
        let dense = run.dense_trained_params().expect("the dense network trained before any round finished");
        let answer = |params: &[f32]| classify::probabilities(&run.initial_model, params, pixels);
        Ok(Classification { dense: answer(dense), ticket: answer(&run.finished_tickets[&level].trained_params) })
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

    /// The run, if it has finished the ticket's round `level`; else an error that says why not,
    /// for `what` (the method asked).
    fn finished_ticket_run(&self, what: &str, level: usize) -> Result<&Run> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage(format!("{what}: load the data (load_idx) first")))?;
        if run.share == Share::Controls {
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
        if !run.finished_tickets.contains_key(&level) {
            let finished = match (run.finished_tickets.keys().next(), run.finished_tickets.keys().last()) {
                (Some(first), Some(last)) if first == last => format!("round {first} has"),
                (Some(first), Some(last)) => format!("rounds {first} to {last} have"),
                _ => "none has yet".to_string(),
            };
            return Err(Error::Usage(format!(
                "{what}: the ticket's round {level} has not finished training ({finished})"
            )));
        }
        Ok(run)
    }

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

    /// The checkpoint to resume this run from (see `checkpoint`): taken after the latest ticket
    /// round L that finished in this run, it resumes at L + 1. An error in a controls share, in a
    /// run that started from an imported ticket, before a ticket round has finished, and after
    /// the last round (there is nothing to resume).
    pub fn checkpoint(&self) -> Result<Checkpoint> {
        let run = self.run.as_ref().ok_or_else(|| Error::Usage("checkpoint: load the data (load_idx) first".into()))?;
        if run.share == Share::Controls {
            return Err(Error::Usage(
                "checkpoint: this share trains the controls only; the ticket share takes the checkpoints".into(),
            ));
        }
        if self.imported.is_some() {
            return Err(Error::Usage(NO_RESUME_FROM_IMPORTED.into()));
        }
        let level = *run
            .finished_tickets
            .keys()
            .last()
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
            rewind_params: keep(rewind, run.rewind_params.as_deref()),
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
            Reset::Rewind if level > 0 => run.rewind_params.as_ref().ok_or_else(|| {
                Error::Usage(format!(
                    "ticket: the survivors restart from θk, the dense network's weights at iteration {}, which it has not reached yet",
                    self.config.rewind_step
                ))
            })?,
            _ => &run.initial_model.params,
        };
        Ok(Ticket {
            config: self.config.clone(),
            level: self.level_from_dense(level)?,
            mask: mask.clone(),
            initial_params: initial_params.clone(),
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

    /// The mask of the segment being trained (or last trained).
    pub fn current_mask(&self) -> Option<&Mask> {
        self.segment().map(|segment| &segment.trainer.mask)
    }

    fn segment(&self) -> Option<&Segment> {
        self.run.as_ref().and_then(|run| run.segment.as_ref())
    }

    /// θk for reset = "rewind", once known: from the start when rewind_step is 0, otherwise
    /// after the dense network's first rewind_step iterations (or `set_rewind_params`).
    pub fn rewind_params(&self) -> Option<&[f32]> {
        self.run.as_ref().and_then(|run| run.rewind_params.as_deref())
    }

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
        if needs_rewind && run.rewind_params.is_none() {
            return Err(Error::Usage(format!(
                "add_ticket_mask: the random-pruning control restarts from θk, the dense network's weights at iteration {} (reset = rewind): give them with set_rewind_params first",
                config.rewind_step
            )));
        }
        run.ticket_masks.insert(level, mask);
        run.queue_controls(config, level);
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
        if run.rewind_params.is_some() {
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
        run.rewind_params = Some(params.to_vec());
        Ok(())
    }

    /// A controls share: no more masks will come; the run ends (Done) once the queued controls
    /// are trained.
    pub fn inputs_finished(&mut self) {
        if let Some(run) = self.run.as_mut().filter(|run| run.share == Share::Controls) {
            run.more_inputs = false;
            if run.status == Status::Waiting {
                run.status = Status::Running;
            }
        }
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

const NO_RESUME_FROM_IMPORTED: &str =
    "a run that starts from an imported ticket cannot be resumed from a checkpoint (its level 0 is the ticket file, which a checkpoint does not hold): import the ticket and train it again";

/// Refuses a ticket mask of `level` (`what` names it) that does not keep the weights that these
/// settings keep at that level: per layer (layer-wise pruning) or in all (global), from `dense`.
fn check_mask_counts(config: &Config, dense: &Mask, mask: &Mask, level: usize, what: &str) -> Result<()> {
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
    /// A freshly loaded run set to go on from `checkpoint` (checked by `resume_from`): the
    /// ticket's mask of the level after it, the weights it holds, and the queue from there.
    fn resume_at(&mut self, config: &Config, checkpoint: Checkpoint) {
        let level = checkpoint.level + 1;
        self.ticket_masks.insert(level, checkpoint.ticket_mask.clone());
        if checkpoint.rewind_params.is_some() {
            self.rewind_params.clone_from(&checkpoint.rewind_params);
        }
        // Segments keep their numbers in the whole run: those of the levels before count as started.
        let controls = config.controls.len();
        self.segments_started = match self.share {
            Share::All => 1 + checkpoint.level * (1 + controls),
            Share::Ticket => 1 + checkpoint.level,
            Share::Controls => checkpoint.level * controls,
        };
        if self.share != Share::Controls {
            self.queue.push_back((Branch::Ticket, level));
        }
        if self.share != Share::Ticket {
            self.queue_controls(config, level);
        }
        self.status = Status::Running;
        self.resumed_from = Some(checkpoint);
    }

    /// The level a resumed run started at.
    fn resumed_at(&self) -> Option<usize> {
        self.resumed_from.as_ref().map(|checkpoint| checkpoint.level + 1)
    }

    /// The trained dense network (one-shot pruning prunes every level from it, and `classify`
    /// compares each round's ticket with it): level 0's, or a resumed run's checkpoint's.
    fn dense_trained_params(&self) -> Option<&[f32]> {
        let finished = self.finished_tickets.get(&0).map(|dense| &dense.trained_params);
        finished.or(self.resumed_from.as_ref().and_then(|c| c.dense_trained_params.as_ref())).map(Vec::as_slice)
    }

    /// The last trained ticket's weights (reset = "continue" starts the next level from them).
    fn last_ticket_params(&self) -> Option<&[f32]> {
        let finished = self.finished_tickets.values().last().map(|ticket| &ticket.trained_params);
        finished.or(self.resumed_from.as_ref().and_then(|c| c.last_ticket_params.as_ref())).map(Vec::as_slice)
    }

    /// `run` if it is a controls share that still takes inputs; otherwise what `call` needs first.
    fn taking_inputs<'a>(run: &'a mut Option<Run>, call: &str) -> Result<&'a mut Run> {
        let run = run.as_mut().ok_or_else(|| Error::Usage(format!("{call}: load the data (load_idx) first")))?;
        if run.share != Share::Controls {
            return Err(Error::Usage(format!(
                "{call}: only a controls share is given the ticket's masks and rewind weights; this share makes its own"
            )));
        }
        if !run.more_inputs {
            return Err(Error::Usage(format!("{call}: inputs_finished was called; this share takes no more inputs")));
        }
        if !matches!(run.status, Status::Running | Status::Waiting) {
            return Err(Error::Usage(format!("{call}: the run has ended ({:?}); start a new one", run.status)));
        }
        Ok(run)
    }

    fn training_segment(&self) -> Option<&Segment> {
        self.segment.as_ref().filter(|segment| segment.is_training())
    }

    fn effort(&self) -> Effort {
        let mut total = self.finished_effort;
        if let Some(segment) = &self.segment {
            total.add(segment.effort);
        }
        total
    }

    fn queue_controls(&mut self, config: &Config, level: usize) {
        self.queue.extend(config.controls.iter().map(|&control| (Branch::from(control), level)));
    }

    fn diverge(&mut self, config: &Config, loss: f64, events: &mut Vec<Event>) {
        let segment = self.segment.as_mut().expect("a segment is training");
        let error = Error::Diverged { iteration: segment.iteration, loss, learning_rate: config.learning_rate };
        events.push(Event::Diverged {
            branch: segment.branch,
            level: segment.level,
            iteration: segment.iteration,
            message: error.to_string(),
        });
        segment.trainer.model.params.copy_from_slice(&segment.evaluated_params);
        self.error = Some(error.to_string());
        self.status = Status::Diverged;
        self.rounds.push(segment.result(false));
    }

    /// Records the finished segment, prunes after a ticket, and starts the next segment (or ends
    /// the run).
    fn finish_segment(&mut self, config: &Config, events: &mut Vec<Event>) -> Result<()> {
        let segment = self.segment.as_mut().expect("a segment finished");
        let result = segment.result(true);
        segment.phase = Phase::Recorded;
        self.finished_effort.add(std::mem::take(&mut segment.effort));
        let (branch, level) = (segment.branch, segment.level);
        let trained = (branch == Branch::Ticket).then(|| segment.trainer.model.params.clone());
        let start_filters = std::mem::take(&mut segment.start_filters);
        let confusion = std::mem::take(&mut segment.confusion);
        self.rounds.push(result.clone());
        events.push(Event::RoundDone(result));
        if let Some(trained) = trained {
            let filters = LevelFilters { initial: start_filters, trained: self.conv_recorder.copy(&trained) };
            if level < config.rounds {
                // A mask that cannot be made ends the run, keeping what it computed.
                let next_mask = self.next_ticket_mask(config, &trained, level + 1).inspect_err(|error| {
                    self.status = Status::Stopped;
                    self.error = Some(error.to_string());
                })?;
                self.ticket_masks.insert(level + 1, next_mask);
                self.queue.push_back((Branch::Ticket, level + 1));
                match self.share {
                    Share::Ticket => events.push(Event::TicketMask { level: level + 1 }),
                    _ => self.queue_controls(config, level + 1),
                }
            }
            // Initial values: those the survivors are reset to (θ0, or θk under rewind).
            let initial = self.rewind_params.as_ref().unwrap_or(&self.initial_model.params);
            let weights =
                weights::summarise(&self.ticket_masks[&level], initial, &trained, self.ticket_masks.get(&(level + 1)));
            self.finished_tickets
                .insert(level, FinishedTicket { filters, weights, confusion, trained_params: trained });
        }
        self.start_next(config, events);
        Ok(())
    }

    /// Starts the next queued segment. With none queued, the run ends, or a controls share that
    /// may still be given masks waits.
    fn start_next(&mut self, config: &Config, events: &mut Vec<Event>) {
        if let Some((branch, level)) = self.queue.pop_front() {
            let trainer = self.trainer_for(config, branch, level);
            self.segment = Some(Segment::new(branch, level, trainer, &self.conv_recorder));
            self.segments_started += 1;
        } else if self.more_inputs {
            self.status = Status::Waiting;
        } else {
            self.status = Status::Done;
            let effort = self.effort();
            events.push(Event::Done {
                samples_per_second: per_second(effort.train_examples as f64, effort.train_millis),
            });
        }
    }

    /// The ticket's mask for `level`: iterative pruning prunes the previous level's trained
    /// ticket; one-shot pruning prunes the trained dense network straight to the same counts.
    fn next_ticket_mask(&self, config: &Config, trained: &[f32], level: usize) -> Result<Mask> {
        let one_shot = config.prune_schedule == PruneSchedule::OneShot;
        let (mask, weights) = if one_shot {
            // The trained dense network (just `trained`, while level 0 finishes).
            (&self.ticket_masks[&0], self.dense_trained_params().unwrap_or(trained))
        } else {
            (&self.ticket_masks[&(level - 1)], trained)
        };
        // One-shot prunes the dense network straight to level `level`; iterative prunes one round.
        let counts = config.prune_counts(mask, if one_shot { level } else { 1 });
        let next = prune_by_magnitude(mask, weights, &counts);
        if let Some(empty) = next.layers.iter().find(|layer| layer.kept() == 0) {
            return Err(Error::config(
                "rounds",
                format!("global pruning left layer {} with no weights at level {level}; use fewer rounds or layer-wise pruning", empty.name),
            ));
        }
        Ok(next)
    }

    /// The trainer for a segment: its mask and starting weights, by branch and reset rule.
    fn trainer_for(&self, config: &Config, branch: Branch, level: usize) -> Trainer {
        let mut model = self.initial_model.clone();
        let reset_params = self.rewind_params.as_deref().unwrap_or(&self.initial_model.params);
        let ticket_mask = &self.ticket_masks[&level];
        let mask = match branch {
            Branch::Ticket => {
                model.params.copy_from_slice(match config.reset {
                    Reset::Continue => self.last_ticket_params().expect("a ticket trained before"),
                    _ => reset_params,
                });
                ticket_mask.clone()
            }
            Branch::RandomReinit => {
                model = Model::new(
                    config.model_spec(),
                    config.init(),
                    &mut Rng::new(config.seed, Stream::ReinitWeights { level }),
                );
                ticket_mask.clone()
            }
            Branch::RandomPrune => {
                model.params.copy_from_slice(reset_params);
                random_mask_like(ticket_mask, &mut Rng::new(config.seed, Stream::RandomPrune { level }))
            }
        };
        Trainer::new(config, model, mask, self.data.train.len())
    }
}
