//! The IMP driver: a loaded run follows its `Schedule`, building each segment from the weights
//! and mask the plan names, and when a ticket round ends, records it, prunes the next level's
//! mask, and feeds the views a `RoundFinished` event. The training itself is `training`'s.

use std::collections::BTreeMap;

use crate::checkpoint::Checkpoint;
use crate::config::{Config, Reset};
use crate::data::Mnist;
use crate::error::{Error, Result};
use crate::nn::Model;
use crate::prune::{prune_by_magnitude, random_mask_like, Mask};
use crate::rng::{Rng, Stream};
use crate::ticket::Ticket;
use crate::train::Trainer;

use super::events::{Branch, Event, RoundResult, Status};
use super::observers::{ConfusionCounter, Observers, RestorePoint, RewindCapture};
use super::schedule::{pruning_for, start_of, Schedule, Share, StartMask, StartWeights};
use super::training::{Effort, Segment, Unit};
use super::views::{RoundFinished, TicketViews};
use super::Slice;

pub(crate) struct Run {
    pub data: Mnist,
    /// The dense network at θ0, the ticket's initial weights: each segment starts from a copy.
    pub initial_model: Model,
    /// The ticket's mask at each level reached so far (level 0: dense); a resumed run has level 0
    /// and the levels from the one it resumed at.
    pub ticket_masks: BTreeMap<usize, Mask>,
    pub schedule: Schedule,
    /// The segment in training, or the last one trained; None before the first one starts.
    pub segment: Option<Segment>,
    /// θk's capture, the confusion counts, the restore point and the views.
    pub observers: Observers,
    /// The checkpoint a resumed run started from (see `Experiment::resume_from`).
    pub resumed_from: Option<Checkpoint>,
    pub rounds: Vec<RoundResult>,
    pub status: Status,
    pub error: Option<String>,
    pub finished_effort: Effort,
}

impl Run {
    /// A run on `data` with θ0 drawn from the seed (or an imported ticket's mask and weights),
    /// its first segment started (a controls share: waiting for its first mask).
    pub fn load(config: &Config, share: Share, data: Mnist, imported: Option<&Ticket>) -> Run {
        let mut model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
        let mut dense = Mask::dense(&model.layout);
        if let Some(ticket) = imported {
            model.params.clone_from(&ticket.initial_params);
            dense = ticket.mask.clone();
        }
        // A pruned ticket's weights are θk already under reset = "rewind"; a dense one starts
        // from θ0 and reaches θk at rewind_step, as in a fresh run.
        let imported_pruned = imported.is_some_and(|ticket| ticket.level > 0);
        let rewinds = config.reset == Reset::Rewind;
        let rewind = RewindCapture {
            step: rewinds.then_some(config.rewind_step),
            params: (rewinds && (config.rewind_step == 0 || imported_pruned)).then(|| model.params.clone()),
        };
        let views = TicketViews::for_model(&model);
        let controls_only = share == Share::Controls;
        Run {
            data,
            initial_model: model,
            ticket_masks: BTreeMap::from([(0, dense)]),
            schedule: Schedule::new(config, share),
            segment: None,
            observers: Observers {
                rewind,
                confusion: ConfusionCounter::default(),
                restore: RestorePoint::default(),
                views,
            },
            resumed_from: None,
            rounds: Vec::new(),
            status: if controls_only { Status::Waiting } else { Status::Running },
            error: None,
            finished_effort: Effort::default(),
        }
    }

    /// A freshly loaded run set to go on from `checkpoint` (checked by `resume_from`): the
    /// ticket's mask of the level after it, the weights it holds, and the schedule from there.
    pub fn resume_at(&mut self, config: &Config, checkpoint: Checkpoint) {
        self.ticket_masks.insert(checkpoint.level + 1, checkpoint.ticket_mask.clone());
        if checkpoint.rewind_params.is_some() {
            self.observers.rewind.params.clone_from(&checkpoint.rewind_params);
        }
        self.schedule = Schedule::resuming(config, self.schedule.share(), checkpoint.level);
        self.status = Status::Running;
        self.resumed_from = Some(checkpoint);
    }

    /// The level a resumed run started at.
    pub fn resumed_at(&self) -> Option<usize> {
        self.resumed_from.as_ref().map(|checkpoint| checkpoint.level + 1)
    }

    pub fn views(&self) -> &TicketViews {
        &self.observers.views
    }

    /// θk for reset = "rewind", once known.
    pub fn rewind_params(&self) -> Option<&[f32]> {
        self.observers.rewind.params.as_deref()
    }

    /// The trained dense network (one-shot pruning prunes every level from it, and `classify`
    /// compares each round's ticket with it): level 0's, or a resumed run's checkpoint's.
    pub fn dense_trained_params(&self) -> Option<&[f32]> {
        let finished = self.views().trained(0);
        finished.or(self.resumed_from.as_ref().and_then(|c| c.dense_trained_params.as_deref()))
    }

    /// The last trained ticket's weights (reset = "continue" starts the next level from them).
    pub fn last_ticket_params(&self) -> Option<&[f32]> {
        let finished = self.views().last_trained().map(|(_, params)| params);
        finished.or(self.resumed_from.as_ref().and_then(|c| c.last_ticket_params.as_deref()))
    }

    pub fn training_segment(&self) -> Option<&Segment> {
        self.segment.as_ref().filter(|segment| segment.is_training())
    }

    pub fn effort(&self) -> Effort {
        let mut total = self.finished_effort;
        if let Some(segment) = &self.segment {
            total.add(segment.effort);
        }
        total
    }

    /// One unit of the segment in training, timed on the slice's clock: a trained batch's loss
    /// joins the slice's, a finished evaluation is an event. False if the batch diverged (the
    /// run has ended).
    pub fn work(&mut self, config: &Config, slice: &mut Slice) -> bool {
        let segment = self.segment.as_mut().expect("a segment is training");
        let unit = segment.work(&self.data, config, &mut self.observers.all());
        segment.charge(&unit, slice.lap());
        match unit {
            Unit::Trained(stats) => slice.loss.add(stats),
            Unit::Diverged(stats) => {
                self.diverge(config, stats.mean_loss(), &mut slice.events);
                return false;
            }
            Unit::Scored => {}
            Unit::Evaluated(evaluation) => {
                slice.events.push(Event::Evaluation { branch: segment.branch, level: segment.level, evaluation });
            }
        }
        true
    }

    /// Ends the run at a NaN or infinite loss, with the weights of the last evaluation back.
    pub fn diverge(&mut self, config: &Config, loss: f64, events: &mut Vec<Event>) {
        let segment = self.segment.as_mut().expect("a segment is training");
        let error = Error::Diverged { iteration: segment.iteration, loss, learning_rate: config.learning_rate };
        events.push(Event::Diverged {
            branch: segment.branch,
            level: segment.level,
            iteration: segment.iteration,
            message: error.to_string(),
        });
        segment.trainer.model.params.copy_from_slice(&self.observers.restore.params);
        self.error = Some(error.to_string());
        self.status = Status::Diverged;
        self.rounds.push(segment.result(false));
    }

    /// Records the finished segment, prunes after a ticket, and starts the next segment (or ends
    /// the run).
    pub fn finish_segment(&mut self, config: &Config, events: &mut Vec<Event>) -> Result<()> {
        let segment = self.segment.as_mut().expect("a segment finished");
        let result = segment.result(true);
        segment.record();
        self.finished_effort.add(std::mem::take(&mut segment.effort));
        let (branch, level) = (segment.branch, segment.level);
        let trained = (branch == Branch::Ticket).then(|| segment.trainer.model.params.clone());
        self.rounds.push(result.clone());
        events.push(Event::RoundDone(result));
        if let Some(trained) = trained {
            self.finish_ticket(config, level, trained, events)?;
        }
        self.start_next(config, events);
        Ok(())
    }

    /// After the ticket of `level` trained to `trained`: the next level's mask and segments (a
    /// mask that cannot be made ends the run, keeping what it computed), then the views.
    fn finish_ticket(
        &mut self,
        config: &Config,
        level: usize,
        trained: Vec<f32>,
        events: &mut Vec<Event>,
    ) -> Result<()> {
        if level < config.rounds {
            let next_mask = self.next_ticket_mask(config, &trained, level + 1).inspect_err(|error| {
                self.status = Status::Stopped;
                self.error = Some(error.to_string());
            })?;
            self.ticket_masks.insert(level + 1, next_mask);
            self.schedule.queue_level(level + 1);
            if self.schedule.announces_masks() {
                events.push(Event::TicketMask { level: level + 1 });
            }
        }
        let confusion = std::mem::take(&mut self.observers.confusion.last);
        let reset_params = self.observers.rewind.params.as_deref().unwrap_or(&self.initial_model.params);
        let round = RoundFinished {
            level,
            mask: &self.ticket_masks[&level],
            next_mask: self.ticket_masks.get(&(level + 1)),
            reset_params,
            trained,
            confusion,
        };
        self.observers.views.round_finished(round);
        Ok(())
    }

    /// Starts the next scheduled segment. With none queued, the run ends, or a controls share
    /// that may still be given masks waits.
    pub fn start_next(&mut self, config: &Config, events: &mut Vec<Event>) {
        if let Some((branch, level)) = self.schedule.next() {
            let trainer = self.trainer_for(config, branch, level);
            self.segment = Some(Segment::start(branch, level, trainer, &mut self.observers.all()));
        } else if self.schedule.more_inputs() {
            self.status = Status::Waiting;
        } else {
            self.status = Status::Done;
            let effort = self.effort();
            events.push(Event::Done {
                samples_per_second: Effort::per_second(effort.train_examples, effort.train_millis),
            });
        }
    }

    /// The ticket's mask for `level`, pruned as `schedule::pruning_for` says.
    fn next_ticket_mask(&self, config: &Config, trained: &[f32], level: usize) -> Result<Mask> {
        let pruning = pruning_for(config.prune_schedule, level);
        let mask = &self.ticket_masks[&pruning.from_level];
        // The trained dense network is just `trained` while level 0 finishes.
        let weights = if pruning.ranks_dense { self.dense_trained_params().unwrap_or(trained) } else { trained };
        let next = prune_by_magnitude(mask, weights, &config.prune_counts(mask, pruning.rounds));
        if let Some(empty) = next.layers.iter().find(|layer| layer.kept() == 0) {
            return Err(Error::config(
                "rounds",
                format!("global pruning left layer {} with no weights at level {level}; use fewer rounds or layer-wise pruning", empty.name),
            ));
        }
        Ok(next)
    }

    /// The trainer for a segment: its mask and starting weights, as `schedule::start_of` says.
    fn trainer_for(&self, config: &Config, branch: Branch, level: usize) -> Trainer {
        let (weights, mask) = start_of(config.reset, branch, level);
        let mut model = self.initial_model.clone();
        let reset_params = self.rewind_params().unwrap_or(&self.initial_model.params);
        match weights {
            StartWeights::Initial => {}
            StartWeights::Reset => model.params.copy_from_slice(reset_params),
            StartWeights::LastTicket => {
                model.params.copy_from_slice(self.last_ticket_params().expect("a ticket trained before"));
            }
            StartWeights::Reinit => {
                let mut rng = Rng::new(config.seed, Stream::ReinitWeights { level });
                model = Model::new(config.model_spec(), config.init(), &mut rng);
            }
        }
        let ticket_mask = &self.ticket_masks[&level];
        let mask = match mask {
            StartMask::Ticket => ticket_mask.clone(),
            StartMask::RandomLike => {
                random_mask_like(ticket_mask, &mut Rng::new(config.seed, Stream::RandomPrune { level }))
            }
        };
        Trainer::new(config, model, mask, self.data.train.len())
    }
}
