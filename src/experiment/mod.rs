//! The one stateful object that the CLI and the wasm API both drive: config in, data in,
//! `step(budget)` → events out, results on demand. This file is the facade; IMP is a pipeline:
//!
//! - `schedule`: the pure plan: which segments (branch, level) train in what order, what each
//!   starts from, what the next mask is pruned from, when a segment evaluates;
//! - `training`: the one training loop, a unit of work at a time, telling its `observers`
//!   (θk's capture, the confusion counts, the restore point after a divergence, the views);
//! - `run`: the driver that follows the schedule, prunes, and feeds the views a round-finished
//!   event; `views`: what the per-round panels keep, and their getters;
//! - `inputs` (a controls share given masks and θk), `tickets` (import, export), `checkpoints`
//!   (take one, resume from one); `events`: what a run reports.
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

mod checkpoints;
mod events;
mod inputs;
mod observers;
mod run;
mod schedule;
mod tickets;
mod training;
mod views;

pub use events::{Branch, EarlyStop, Evaluation, Event, Results, RoundResult, Status};
pub use schedule::{run_order, Share};
pub use tickets::check_ticket_export;

// `step` takes a clock; callers find it here as well as in `crate::clock`.
pub use crate::clock::Clock;
#[cfg(not(target_arch = "wasm32"))]
pub use crate::clock::SystemClock;

use crate::checkpoint::Checkpoint;
use crate::config::Config;
use crate::data::batches::iterations_per_epoch;
use crate::data::MnistFiles;
use crate::error::{Error, Result};
use crate::nn::loss::LossStats;
use crate::prune::Mask;
use crate::ticket::Ticket;

use run::Run;
use schedule::Schedule;
use training::{Effort, Segment, State};

pub struct Experiment {
    config: Config,
    share: Share,
    /// Where the run starts instead of a fresh dense network (see `import_ticket`).
    imported: Option<Ticket>,
    /// Where the run resumes instead of starting at level 0 (see `resume_from`).
    resume: Option<Checkpoint>,
    run: Option<Run>,
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
        Schedule::segments(&self.config, self.share)
    }

    /// Takes the four MNIST IDX files (in `data::mnist::FILES` order), checks them, splits them,
    /// and initialises the dense network. The run starts at its first evaluation (a controls
    /// share: waits for its first mask).
    pub fn load_idx(&mut self, files: [&[u8]; 4]) -> Result<()> {
        self.load_mnist(&MnistFiles::new(files.map(<[u8]>::to_vec))?)
    }

    /// `load_idx` with files already checked and held (shared, not copied: a worker's runs and
    /// `lth`'s trials read one copy).
    pub fn load_mnist(&mut self, files: &MnistFiles) -> Result<()> {
        let config = &self.config;
        let data = files.split(config.validation_size, config.train_size)?;
        if config.batch_size > data.train.len() {
            return Err(Error::config(
                "batch_size",
                format!("{} is larger than the {} training images", config.batch_size, data.train.len()),
            ));
        }
        let mut run = Run::load(config, self.share, data, self.imported.as_ref());
        // The data is in: the run holds the checkpoint from here (a refused load keeps it here).
        match self.resume.take() {
            Some(checkpoint) => run.resume_at(config, checkpoint),
            None if self.share != Share::Controls => run.start_next(config, &mut Vec::new()),
            None => {}
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
        let mut slice = Slice::new(clock);
        while run.status == Status::Running {
            let Some(segment) = run.segment.as_mut() else {
                run.start_next(config, &mut slice.events);
                continue;
            };
            match segment.state() {
                State::Recorded => run.start_next(config, &mut slice.events),
                State::Finished => run.finish_segment(config, &mut slice.events)?,
                State::Working => {
                    if !run.work(config, &mut slice) {
                        break;
                    }
                }
            }
            if slice.unit_start - slice.start >= budget_millis {
                break;
            }
        }
        if slice.loss.examples > 0 {
            let progress = progress(run, config, segments, &slice.loss);
            // Before a closing Done or Diverged, so that the closing event is always the last.
            let closing = slice.events.iter().position(|e| matches!(e, Event::Done { .. } | Event::Diverged { .. }));
            slice.events.insert(closing.unwrap_or(slice.events.len()), progress);
        }
        Ok(slice.events)
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
            results.iterations_per_epoch = iterations_per_epoch(run.data.train.len(), self.config.batch_size);
            results.rounds = run.rounds.clone();
            if let Some(segment) = run.training_segment().filter(|_| run.status == Status::Running) {
                results.rounds.push(segment.result(false));
            }
            results.train_seconds = effort.train_millis / 1000.0;
            results.train_samples_per_second = Effort::per_second(effort.train_examples, effort.train_millis);
            results.evaluation_samples_per_second =
                Effort::per_second(effort.evaluated_examples, effort.evaluation_millis);
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
        self.run.as_ref().and_then(Run::rewind_params)
    }
}

/// What one `step` call gathers: its events in order, the loss of the batches it trained, and
/// the time on its clock when it began and when its last unit of work ended.
struct Slice<'a> {
    clock: &'a dyn Clock,
    start: f64,
    unit_start: f64,
    loss: LossStats,
    events: Vec<Event>,
}

impl Slice<'_> {
    fn new(clock: &dyn Clock) -> Slice<'_> {
        let start = clock.now_millis();
        Slice { clock, start, unit_start: start, loss: LossStats::default(), events: Vec::new() }
    }

    /// The milliseconds since the last unit ended (and the clock moved on to now).
    fn lap(&mut self) -> f64 {
        let now = self.clock.now_millis();
        let millis = now - self.unit_start;
        self.unit_start = now;
        millis
    }
}

/// The Progress event at the end of a `step` that trained: where the run is, the slice's mean
/// loss, and the run's training throughput so far.
fn progress(run: &Run, config: &Config, segments: usize, slice_loss: &LossStats) -> Event {
    let segment = run.segment.as_ref().expect("a segment trained in this slice");
    let effort = run.effort();
    Event::Progress {
        branch: segment.branch,
        level: segment.level,
        iteration: segment.iteration,
        iterations: config.iterations,
        epoch: segment.epoch(),
        train_loss: slice_loss.mean_loss(),
        samples_per_second: Effort::per_second(effort.train_examples, effort.train_millis),
        segment: run.schedule.started() - 1,
        segments,
        percent_remaining: segment.percent_remaining,
    }
}
