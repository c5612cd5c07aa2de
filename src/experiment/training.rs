//! The one training loop: a segment trains the full schedule from its starting weights with a
//! fresh optimizer, evaluating at iteration 0, after every `eval_every` iterations and at the end.
//!
//! It works one unit at a time (one batch, or one chunk of evaluation) so that `step` can stop
//! after any unit; slicing never changes the numbers. After each unit it tells the run's
//! observers (`observers`) what happened; it knows nothing of time, events or pruning.

use crate::config::Config;
use crate::data::{Dataset, Mnist};
use crate::nn::loss::LossStats;
use crate::train::Trainer;

use super::events::{Branch, EarlyStop, Evaluation, RoundResult};
use super::observers::Observer;
use super::schedule::evaluates_after;

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

fn start_evaluation() -> Phase {
    Phase::Evaluate { position: 0, validation: LossStats::default(), test: LossStats::default() }
}

/// Where a segment is, as the run's driver sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// Training or evaluating: `work` has a unit to do.
    Working,
    /// Its schedule is done; the driver records it.
    Finished,
    /// Recorded; the driver starts the next segment.
    Recorded,
}

/// What one unit of work did.
pub(crate) enum Unit {
    /// A batch trained, with its loss statistics (measured before the update).
    Trained(LossStats),
    /// A batch whose loss was NaN or infinite: the segment must not go on.
    Diverged(LossStats),
    /// A chunk of evaluation scored; the evaluation goes on.
    Scored,
    /// The last chunk scored: the evaluation is complete.
    Evaluated(Evaluation),
}

/// Time and work, summed over segments for the run's throughput figures.
#[derive(Clone, Copy, Default)]
pub(crate) struct Effort {
    pub train_millis: f64,
    pub train_examples: usize,
    pub evaluation_millis: f64,
    pub evaluated_examples: usize,
}

impl Effort {
    pub fn add(&mut self, other: Effort) {
        self.train_millis += other.train_millis;
        self.train_examples += other.train_examples;
        self.evaluation_millis += other.evaluation_millis;
        self.evaluated_examples += other.evaluated_examples;
    }

    /// Examples per second of `millis`, or 0 before any time has passed.
    pub fn per_second(count: usize, millis: f64) -> f64 {
        if millis > 0.0 {
            count as f64 * 1000.0 / millis
        } else {
            0.0
        }
    }
}

pub(crate) struct Segment {
    pub branch: Branch,
    pub level: usize,
    pub percent_remaining: f64,
    pub trainer: Trainer,
    phase: Phase,
    pub iteration: usize,
    train_since_evaluation: LossStats,
    evaluations: Vec<Evaluation>,
    pub effort: Effort,
}

impl Segment {
    /// Ready to train (first, to evaluate the starting weights); tells the observers.
    pub fn start(branch: Branch, level: usize, trainer: Trainer, observers: &mut [&mut dyn Observer]) -> Segment {
        for observer in observers.iter_mut() {
            observer.started(branch, level, &trainer.model.params);
        }
        Segment {
            branch,
            level,
            percent_remaining: 100.0 * trainer.mask.density(),
            trainer,
            phase: start_evaluation(),
            iteration: 0,
            train_since_evaluation: LossStats::default(),
            evaluations: Vec::new(),
            effort: Effort::default(),
        }
    }

    pub fn state(&self) -> State {
        match self.phase {
            Phase::Finished => State::Finished,
            Phase::Recorded => State::Recorded,
            Phase::Train | Phase::Evaluate { .. } => State::Working,
        }
    }

    pub fn is_training(&self) -> bool {
        self.state() != State::Recorded
    }

    /// Marks a finished segment recorded.
    pub fn record(&mut self) {
        self.phase = Phase::Recorded;
    }

    /// The epochs trained so far.
    pub fn epoch(&self) -> f64 {
        self.iteration as f64 / self.trainer.iterations_per_epoch() as f64
    }

    /// One unit of work (the state must be `Working`).
    pub fn work(&mut self, data: &Mnist, config: &Config, observers: &mut [&mut dyn Observer]) -> Unit {
        match self.phase {
            Phase::Train => self.train(&data.train, config, observers),
            Phase::Evaluate { .. } => self.score(data, config, observers),
            Phase::Finished | Phase::Recorded => unreachable!("work on a segment that is not working"),
        }
    }

    /// Charges a unit and the `millis` it took to the segment's effort.
    pub fn charge(&mut self, unit: &Unit, millis: f64) {
        match unit {
            Unit::Trained(stats) | Unit::Diverged(stats) => {
                self.effort.train_millis += millis;
                self.effort.train_examples += stats.examples;
            }
            Unit::Scored | Unit::Evaluated(_) => self.effort.evaluation_millis += millis,
        }
    }

    fn train(&mut self, train: &Dataset, config: &Config, observers: &mut [&mut dyn Observer]) -> Unit {
        let stats = self.trainer.train_step(train);
        self.iteration += 1;
        if !stats.loss_sum.is_finite() {
            return Unit::Diverged(stats);
        }
        self.train_since_evaluation.add(stats);
        for observer in observers.iter_mut() {
            observer.trained(self.branch, self.level, self.iteration, &self.trainer.model.params);
        }
        if evaluates_after(config, self.iteration) {
            self.phase = start_evaluation();
        }
        Unit::Trained(stats)
    }

    /// Scores the next chunk, of validation then test; the last one completes the evaluation.
    fn score(&mut self, data: &Mnist, config: &Config, observers: &mut [&mut dyn Observer]) -> Unit {
        let Phase::Evaluate { position, validation, test } = &mut self.phase else { unreachable!("evaluating") };
        let validation_len = data.validation.len();
        let (set, stats, offset): (&Dataset, &mut LossStats, usize) = if *position < validation_len {
            (&data.validation, validation, 0)
        } else {
            (&data.test, test, validation_len)
        };
        let chunk = self.trainer.evaluate_chunk(set, *position - offset);
        if offset > 0 {
            for observer in observers.iter_mut() {
                observer.test_chunk_scored(&self.trainer, *position == offset);
            }
        }
        stats.add(chunk);
        *position += chunk.examples;
        self.effort.evaluated_examples += chunk.examples;
        if *position < validation_len + data.test.len() {
            return Unit::Scored;
        }
        let (validation, test) = (*validation, *test);
        let evaluation = self.evaluation(&validation, &test);
        self.train_since_evaluation = LossStats::default();
        for observer in observers.iter_mut() {
            observer.evaluated(&evaluation, &self.trainer.model.params);
        }
        self.evaluations.push(evaluation.clone());
        self.phase = if self.iteration >= config.iterations { Phase::Finished } else { Phase::Train };
        Unit::Evaluated(evaluation)
    }

    fn evaluation(&self, validation: &LossStats, test: &LossStats) -> Evaluation {
        let train = &self.train_since_evaluation;
        Evaluation {
            iteration: self.iteration,
            epoch: self.epoch(),
            train_loss: (train.examples > 0).then(|| train.mean_loss()),
            validation_loss: validation.mean_loss(),
            validation_accuracy: validation.accuracy(),
            test_loss: test.mean_loss(),
            test_accuracy: test.accuracy(),
        }
    }

    /// The segment's round: complete, or cut short by a stop or a divergence.
    pub fn result(&self, complete: bool) -> RoundResult {
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
