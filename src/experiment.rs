//! The one stateful object that the CLI and the wasm API both drive: config in, data in,
//! `step(budget)` → events out, results on demand.
//!
//! A run evaluates at iteration 0, trains, and scores the validation and test sets every
//! `eval_every` iterations and at the end. Work is done in small units (one batch, or one chunk of
//! evaluation) until the time budget of a `step` call is spent, so a caller can slice a long run
//! into pieces of a few tens of milliseconds. Slicing never changes the numbers: every decision
//! depends on the iteration count, never on time.

use serde::Serialize;

use crate::config::Config;
use crate::data::{Dataset, Mnist};
use crate::error::{Error, Result};
use crate::nn::loss::LossStats;
use crate::train::Trainer;

/// Milliseconds from an arbitrary origin (performance.now() in the browser, Instant natively).
pub trait Clock {
    fn now_millis(&self) -> f64;
}

#[cfg(not(target_arch = "wasm32"))]
pub struct SystemClock(std::time::Instant);

#[cfg(not(target_arch = "wasm32"))]
impl SystemClock {
    pub fn new() -> SystemClock {
        SystemClock(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Clock for SystemClock {
    fn now_millis(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

/// Validation and test scores at one iteration.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Sent at the end of every `step` that trained: where the run is and how fast it goes.
    Progress {
        iteration: usize,
        iterations: usize,
        epoch: f64,
        train_loss: f64,
        samples_per_second: f64,
    },
    Evaluation(Evaluation),
    /// The schedule is complete.
    Done {
        iteration: usize,
        test_accuracy: f64,
        samples_per_second: f64,
    },
    /// The loss became NaN or infinite; the run stops, the evaluations so far are kept.
    Diverged {
        iteration: usize,
        message: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for `load_idx`.
    NoData,
    Running,
    Done,
    Stopped,
    Diverged,
}

/// Everything a run produced, with the settings that replay it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Results {
    pub status: Status,
    pub error: Option<String>,
    pub config: Config,
    pub iterations_completed: usize,
    pub iterations_per_epoch: usize,
    pub train_examples: usize,
    pub evaluations: Vec<Evaluation>,
    pub train_seconds: f64,
    /// Training throughput: examples per second of training time (evaluation excluded).
    pub train_samples_per_second: f64,
    /// Inference throughput during evaluation.
    pub evaluation_samples_per_second: f64,
}

enum Phase {
    Train,
    /// Scoring validation then test; `position` counts examples scored, validation first.
    Evaluate {
        position: usize,
        validation: LossStats,
        test: LossStats,
    },
    Finished(Status),
}

struct Run {
    data: Mnist,
    trainer: Trainer,
    phase: Phase,
    iteration: usize,
    train_since_evaluation: LossStats,
    evaluations: Vec<Evaluation>,
    /// The weights as of the last evaluation: put back if training diverges, so the model that
    /// the last scores describe is not lost to NaNs.
    evaluated_params: Vec<f32>,
    error: Option<String>,
    train_millis: f64,
    evaluation_millis: f64,
    evaluated_examples: usize,
}

pub struct Experiment {
    config: Config,
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
        Experiment { config, run: None }
    }

    pub fn from_json(config_json: &str) -> Result<Experiment> {
        Ok(Experiment::new(Config::from_json(config_json)?))
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Takes the four MNIST IDX files (in `data::mnist::FILES` order), checks them, splits them,
    /// and initialises the model. The run starts at iteration 0.
    pub fn load_idx(&mut self, files: [&[u8]; 4]) -> Result<()> {
        let data = Mnist::from_idx(files, self.config.validation_size, self.config.train_size)?;
        if self.config.batch_size > data.train.len() {
            return Err(Error::config(
                "batch_size",
                format!("{} is larger than the {} training images", self.config.batch_size, data.train.len()),
            ));
        }
        let trainer = Trainer::new(&self.config, data.train.len());
        self.run = Some(Run {
            data,
            trainer,
            phase: start_evaluation(),
            iteration: 0,
            train_since_evaluation: LossStats::default(),
            evaluations: Vec::new(),
            evaluated_params: Vec::new(),
            error: None,
            train_millis: 0.0,
            evaluation_millis: 0.0,
            evaluated_examples: 0,
        });
        Ok(())
    }

    pub fn status(&self) -> Status {
        match &self.run {
            None => Status::NoData,
            Some(Run { phase: Phase::Finished(status), .. }) => *status,
            Some(_) => Status::Running,
        }
    }

    /// Ends the run where it is; what it computed stays in `results()`.
    pub fn stop(&mut self) {
        if let Some(run) = &mut self.run {
            if !matches!(run.phase, Phase::Finished(_)) {
                run.phase = Phase::Finished(Status::Stopped);
            }
        }
    }

    /// Works until `budget_millis` have passed on `clock` (at least one unit of work), or the run
    /// ends. Returns what happened, in order.
    pub fn step(&mut self, budget_millis: f64, clock: &dyn Clock) -> Result<Vec<Event>> {
        let config = &self.config;
        let run = self
            .run
            .as_mut()
            .ok_or_else(|| Error::Usage("no data yet: load the MNIST files (load_idx) before stepping".into()))?;
        let mut events = Vec::new();
        let mut slice_loss = LossStats::default();
        let start = clock.now_millis();
        let mut unit_start = start;
        loop {
            match &mut run.phase {
                Phase::Finished(_) => break,
                Phase::Train => {
                    let stats = run.trainer.train_step(&run.data.train);
                    run.iteration += 1;
                    if !stats.loss_sum.is_finite() {
                        let error = Error::Diverged {
                            iteration: run.iteration,
                            loss: stats.mean_loss(),
                            learning_rate: config.learning_rate,
                        };
                        events.push(Event::Diverged { iteration: run.iteration, message: error.to_string() });
                        run.error = Some(error.to_string());
                        run.phase = Phase::Finished(Status::Diverged);
                        run.trainer.model.params.copy_from_slice(&run.evaluated_params);
                    } else {
                        slice_loss.add(stats);
                        run.train_since_evaluation.add(stats);
                        if run.iteration % config.eval_every == 0 || run.iteration == config.iterations {
                            run.phase = start_evaluation();
                        }
                    }
                    let now = clock.now_millis();
                    run.train_millis += now - unit_start;
                    unit_start = now;
                }
                Phase::Evaluate { position, validation, test } => {
                    let validation_len = run.data.validation.len();
                    let (set, stats, offset): (&Dataset, &mut LossStats, usize) = if *position < validation_len {
                        (&run.data.validation, validation, 0)
                    } else {
                        (&run.data.test, test, validation_len)
                    };
                    let chunk = run.trainer.evaluate_chunk(set, *position - offset);
                    stats.add(chunk);
                    *position += chunk.examples;
                    run.evaluated_examples += chunk.examples;
                    if *position == validation_len + run.data.test.len() {
                        let evaluation = Evaluation {
                            iteration: run.iteration,
                            epoch: run.iteration as f64 / run.trainer.iterations_per_epoch() as f64,
                            train_loss: (run.train_since_evaluation.examples > 0)
                                .then(|| run.train_since_evaluation.mean_loss()),
                            validation_loss: validation.mean_loss(),
                            validation_accuracy: validation.accuracy(),
                            test_loss: test.mean_loss(),
                            test_accuracy: test.accuracy(),
                        };
                        run.train_since_evaluation = LossStats::default();
                        run.evaluations.push(evaluation.clone());
                        run.evaluated_params.clone_from(&run.trainer.model.params);
                        events.push(Event::Evaluation(evaluation.clone()));
                        if run.iteration >= config.iterations {
                            let samples_per_second =
                                per_second((run.iteration * config.batch_size) as f64, run.train_millis);
                            events.push(Event::Done {
                                iteration: run.iteration,
                                test_accuracy: evaluation.test_accuracy,
                                samples_per_second,
                            });
                            run.phase = Phase::Finished(Status::Done);
                        } else {
                            run.phase = Phase::Train;
                        }
                    }
                    let now = clock.now_millis();
                    run.evaluation_millis += now - unit_start;
                    unit_start = now;
                }
            }
            if unit_start - start >= budget_millis {
                break;
            }
        }
        if slice_loss.examples > 0 {
            let progress = Event::Progress {
                iteration: run.iteration,
                iterations: config.iterations,
                epoch: run.iteration as f64 / run.trainer.iterations_per_epoch() as f64,
                train_loss: slice_loss.mean_loss(),
                samples_per_second: per_second((run.iteration * config.batch_size) as f64, run.train_millis),
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
            iterations_completed: 0,
            iterations_per_epoch: 0,
            train_examples: 0,
            evaluations: Vec::new(),
            train_seconds: 0.0,
            train_samples_per_second: 0.0,
            evaluation_samples_per_second: 0.0,
        };
        if let Some(run) = &self.run {
            results.error = run.error.clone();
            results.iterations_completed = run.iteration;
            results.iterations_per_epoch = run.trainer.iterations_per_epoch();
            results.train_examples = run.data.train.len();
            results.evaluations = run.evaluations.clone();
            results.train_seconds = run.train_millis / 1000.0;
            results.train_samples_per_second =
                per_second((run.iteration * self.config.batch_size) as f64, run.train_millis);
            results.evaluation_samples_per_second = per_second(run.evaluated_examples as f64, run.evaluation_millis);
        }
        results
    }

    /// The trained parameters so far (for tests and snapshots).
    pub fn params(&self) -> Option<&[f32]> {
        self.run.as_ref().map(|run| &run.trainer.model.params[..])
    }
}
