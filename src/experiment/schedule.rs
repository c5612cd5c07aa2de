//! The run's plan, pure: which segments it trains and in what order, what each starts from, what
//! the next level's mask is pruned from, and when a segment evaluates. Nothing here trains or
//! holds weights, so the plan is tested without training (see the tests below).
//!
//! A run is a sequence of training *segments*, one per (branch, level). The ticket at level 0 is
//! the dense network; when the ticket of level L has trained, its weights give the mask of level
//! L + 1, and the ticket and each control of level L + 1 are queued. The whole run's order is
//! T0, T1, C1…, T2, C2…: a level's controls train after its ticket, before the next ticket.
//! A `Share` trains a part of that order: the tickets (announcing each mask), or the controls
//! (as masks are given), and numbers its segments as the whole run of that share would.

use std::collections::VecDeque;

use crate::config::{Config, PruneSchedule, Reset};
use crate::error::{Error, Result};

use super::events::Branch;

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

/// The queue of segments still to train, and how many have started.
pub(crate) struct Schedule {
    share: Share,
    controls: Vec<Branch>,
    queue: VecDeque<(Branch, usize)>,
    /// Segments started so far, numbered as in the uninterrupted run of this share.
    started: usize,
    /// A controls share may still be given masks (until `inputs_finished`).
    more_inputs: bool,
}

impl Schedule {
    /// A fresh run: the dense ticket first (a controls share waits for its first mask).
    pub fn new(config: &Config, share: Share) -> Schedule {
        let controls = config.controls.iter().map(|&control| Branch::from(control)).collect();
        let more_inputs = share == Share::Controls;
        let mut schedule = Schedule { share, controls, queue: VecDeque::new(), started: 0, more_inputs };
        if share != Share::Controls {
            schedule.queue.push_back((Branch::Ticket, 0));
        }
        schedule
    }

    /// A run resumed after the ticket of level `checkpoint_level` trained: it goes on at the next
    /// level, and the segments of the levels before count as started.
    pub fn resuming(config: &Config, share: Share, checkpoint_level: usize) -> Schedule {
        let mut schedule = Schedule::new(config, share);
        schedule.queue.clear();
        let controls = schedule.controls.len();
        schedule.started = match share {
            Share::All => 1 + checkpoint_level * (1 + controls),
            Share::Ticket => 1 + checkpoint_level,
            Share::Controls => checkpoint_level * controls,
        };
        schedule.queue_level(checkpoint_level + 1);
        schedule
    }

    /// How many segments `share` of the run trains.
    pub fn segments(config: &Config, share: Share) -> usize {
        match share {
            Share::All => config.segments(),
            Share::Ticket => 1 + config.rounds,
            Share::Controls => config.rounds * config.controls.len(),
        }
    }

    pub fn share(&self) -> Share {
        self.share
    }

    /// The next segment to train, counted as started.
    pub fn next(&mut self) -> Option<(Branch, usize)> {
        let next = self.queue.pop_front()?;
        self.started += 1;
        Some(next)
    }

    /// Segments started so far (the one in training is number `started() - 1`).
    pub fn started(&self) -> usize {
        self.started
    }

    /// Queues what this share trains of `level`, once its ticket mask is known: the ticket
    /// (unless a controls share), then each control (unless a ticket share).
    pub fn queue_level(&mut self, level: usize) {
        if self.share != Share::Controls {
            self.queue.push_back((Branch::Ticket, level));
        }
        if self.share != Share::Ticket {
            self.queue.extend(self.controls.iter().map(|&branch| (branch, level)));
        }
    }

    /// A ticket share announces each new mask, for the controls share to train from.
    pub fn announces_masks(&self) -> bool {
        self.share == Share::Ticket
    }

    /// Whether more masks may still come from outside (a controls share before `inputs_finished`).
    pub fn more_inputs(&self) -> bool {
        self.more_inputs
    }

    pub fn inputs_finished(&mut self) {
        self.more_inputs = false;
    }
}

/// Every segment of the whole run, in the order one worker trains them (share `All`): the dense
/// ticket, then at each level the ticket and each control in `config.controls` order, each level
/// queued as the driver queues it, once the ticket before it has made its mask. Results merged from
/// several workers are put in this order (`parts::in_run_order`), and the page tells from it which
/// rounds a kept run still lacks.
pub fn run_order(config: &Config) -> Vec<(Branch, usize)> {
    let mut schedule = Schedule::new(config, Share::All);
    let mut order = Vec::new();
    while let Some((branch, level)) = schedule.next() {
        order.push((branch, level));
        if branch == Branch::Ticket && level < config.rounds {
            schedule.queue_level(level + 1);
        }
    }
    order
}

/// The weights a segment starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartWeights {
    /// θ0, the dense network's initial weights.
    Initial,
    /// The values survivors are reset to: θk under reset = "rewind", else θ0.
    Reset,
    /// The previous level's trained ticket (reset = "continue").
    LastTicket,
    /// Freshly drawn from the level's own stream (the random re-initialisation control).
    Reinit,
}

/// The mask a segment trains under, made from its level's ticket mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StartMask {
    /// The ticket's mask itself.
    Ticket,
    /// A random mask with the ticket mask's per-layer counts (the random pruning control).
    RandomLike,
}

/// What segment (`branch`, `level`) starts from under reset rule `reset`.
pub(crate) fn start_of(reset: Reset, branch: Branch, level: usize) -> (StartWeights, StartMask) {
    match branch {
        Branch::Ticket if level == 0 => (StartWeights::Initial, StartMask::Ticket),
        Branch::Ticket if reset == Reset::Continue => (StartWeights::LastTicket, StartMask::Ticket),
        Branch::Ticket => (StartWeights::Reset, StartMask::Ticket),
        Branch::RandomReinit => (StartWeights::Reinit, StartMask::Ticket),
        Branch::RandomPrune => (StartWeights::Reset, StartMask::RandomLike),
    }
}

/// How the ticket's mask of a level is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pruning {
    /// The level whose ticket mask is pruned further.
    pub from_level: usize,
    /// True: the weights ranked are the trained dense network's; false: the ticket's just trained.
    pub ranks_dense: bool,
    /// Rounds of pruning at the config's rates, applied at once to the `from_level` mask.
    pub rounds: usize,
}

/// Iterative pruning prunes one round from the previous level's trained ticket; one-shot pruning
/// prunes the trained dense network straight to `level`'s counts.
pub(crate) fn pruning_for(schedule: PruneSchedule, level: usize) -> Pruning {
    match schedule {
        PruneSchedule::OneShot => Pruning { from_level: 0, ranks_dense: true, rounds: level },
        _ => Pruning { from_level: level - 1, ranks_dense: false, rounds: 1 },
    }
}

/// Whether a segment evaluates after training iteration `iteration` (it also evaluates at 0).
pub(crate) fn evaluates_after(config: &Config, iteration: usize) -> bool {
    iteration % config.eval_every == 0 || iteration == config.iterations
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Control, Settings};
    use Branch::{RandomPrune as RP, RandomReinit as RR, Ticket as T};

    fn config(rounds: usize, controls: &[Control]) -> Config {
        Config::new(Settings { rounds, controls: controls.to_vec(), ..Settings::default() }).expect("valid")
    }

    /// Every segment `schedule` trains, numbered, with each ticket's mask made as its segment
    /// ends (`given`: the masks a controls share is given, one by one).
    fn order(config: &Config, mut schedule: Schedule) -> Vec<(usize, Branch, usize)> {
        let mut trained = Vec::new();
        let given_masks = if schedule.share() == Share::Controls { config.rounds } else { 0 };
        let mut given = 1..=given_masks;
        loop {
            let Some((branch, level)) = schedule.next().or_else(|| {
                schedule.queue_level(given.next()?);
                schedule.next()
            }) else {
                return trained;
            };
            trained.push((schedule.started() - 1, branch, level));
            if branch == T && level < config.rounds {
                schedule.queue_level(level + 1);
            }
        }
    }

    #[test]
    fn a_whole_run_trains_each_levels_ticket_then_its_controls() {
        let config = config(2, &[Control::RandomReinit, Control::RandomPrune]);
        let run = order(&config, Schedule::new(&config, Share::All));
        let expected = [(T, 0), (T, 1), (RR, 1), (RP, 1), (T, 2), (RR, 2), (RP, 2)];
        let numbered: Vec<_> = expected.iter().enumerate().map(|(n, &(b, l))| (n, b, l)).collect();
        assert_eq!(run, numbered);
        assert_eq!(run.len(), Schedule::segments(&config, Share::All));
        assert_eq!(run_order(&config), expected, "the run order is the driver's");
        assert_eq!(
            run_order(&self::config(0, &[Control::RandomReinit])),
            [(T, 0)],
            "no rounds: the dense network only"
        );
    }

    #[test]
    fn the_shares_split_the_run_and_count_their_own_segments() {
        let config = config(3, &[Control::RandomPrune]);
        let tickets = order(&config, Schedule::new(&config, Share::Ticket));
        assert_eq!(tickets, [(0, T, 0), (1, T, 1), (2, T, 2), (3, T, 3)]);
        let controls = order(&config, Schedule::new(&config, Share::Controls));
        assert_eq!(controls, [(0, RP, 1), (1, RP, 2), (2, RP, 3)]);
        assert_eq!((Schedule::segments(&config, Share::Ticket), Schedule::segments(&config, Share::Controls)), (4, 3));
    }

    #[test]
    fn a_resumed_run_numbers_its_segments_as_the_whole_run_does() {
        let config = config(3, &[Control::RandomReinit, Control::RandomPrune]);
        for share in [Share::All, Share::Ticket, Share::Controls] {
            let whole = order(&config, Schedule::new(&config, share));
            for checkpoint in 0..config.rounds {
                let mut resumed = Schedule::resuming(&config, share, checkpoint);
                let rest: Vec<_> = whole.iter().filter(|&&(_, _, level)| level > checkpoint).copied().collect();
                let first = resumed.next().expect("a segment after the checkpoint");
                assert_eq!((resumed.started() - 1, first.0, first.1), rest[0], "{share:?} after {checkpoint}");
            }
        }
    }

    #[test]
    fn segments_start_from_the_reset_rules_weights() {
        assert_eq!(start_of(Reset::Continue, T, 0), (StartWeights::Initial, StartMask::Ticket));
        assert_eq!(start_of(Reset::Continue, T, 2), (StartWeights::LastTicket, StartMask::Ticket));
        assert_eq!(start_of(Reset::Rewind, T, 2), (StartWeights::Reset, StartMask::Ticket));
        assert_eq!(start_of(Reset::Continue, RR, 2), (StartWeights::Reinit, StartMask::Ticket));
        assert_eq!(start_of(Reset::Init, RP, 1), (StartWeights::Reset, StartMask::RandomLike));
    }

    #[test]
    fn one_shot_prunes_the_dense_network_and_iterative_the_last_ticket() {
        let one_shot = pruning_for(PruneSchedule::OneShot, 3);
        assert_eq!(one_shot, Pruning { from_level: 0, ranks_dense: true, rounds: 3 });
        let iterative = pruning_for(PruneSchedule::Iterative, 3);
        assert_eq!(iterative, Pruning { from_level: 2, ranks_dense: false, rounds: 1 });
    }

    #[test]
    fn segments_evaluate_every_eval_every_iterations_and_at_the_end() {
        let settings = Settings { iterations: 250, eval_every: 100, ..Settings::default() };
        let config = Config::new(settings).expect("valid");
        let at: Vec<usize> = (1..=250).filter(|&i| evaluates_after(&config, i)).collect();
        assert_eq!(at, [100, 200, 250]);
    }
}
