//! A run split over workers (`Share`: one trains the ticket, others the controls) made whole
//! again: the parts' results merged into the results one worker training the whole run would
//! have made, with the same rounds in the same order. The page merges its workers' results with
//! this (through the worker, `merge_parts_json`); how it deals the controls out to workers is its
//! own (www/app/split.js), since that depends on the machine it runs on.

use crate::config::Config;
use crate::experiment::{run_order, Results, RoundResult, Status};

/// `rounds` in the order one worker trains them (`run_order`): by level, the ticket first, then each
/// control in the order `config.controls` lists them.
pub fn in_run_order(mut rounds: Vec<RoundResult>, config: &Config) -> Vec<RoundResult> {
    let order = run_order(config);
    let rank = |round: &RoundResult| {
        order.iter().position(|&segment| segment == (round.branch, round.level)).unwrap_or(usize::MAX)
    };
    // A stable sort: rounds of the same branch and level (none, in a well-formed run) keep their
    // order, and any round the run does not have comes last.
    rounds.sort_by_key(|round| rank(round));
    rounds
}

impl Status {
    /// How much a part's status says about the whole: a diverged part makes the whole diverged,
    /// then stopped, running, waiting, done.
    fn severity(self) -> usize {
        match self {
            Status::Diverged => 0,
            Status::Stopped => 1,
            Status::Running => 2,
            Status::Waiting => 3,
            Status::Done => 4,
            Status::NoData => 5,
        }
    }

    /// The worst of several parts' statuses (None for none).
    pub fn worst(statuses: impl IntoIterator<Item = Status>) -> Option<Status> {
        statuses.into_iter().min_by_key(|status| status.severity())
    }
}

/// The results of a whole run from its parts' (the ticket's first): the rounds in run order, the
/// whole run's `config`, the worst status and the first error, and throughput over all the parts'
/// time (training and evaluation apart; a round's seconds are both). One part is returned as it is.
pub fn merge_parts(parts: Vec<Results>, config: &Config) -> Option<Results> {
    if parts.len() <= 1 {
        return parts.into_iter().next();
    }
    let per_second = |count: f64, seconds: f64| if seconds > 0.0 { count / seconds } else { 0.0 };
    let (mut trained, mut train_seconds, mut evaluated, mut evaluation_seconds) = (0.0, 0.0, 0.0, 0.0);
    for part in &parts {
        let part_evaluation_seconds =
            (part.rounds.iter().map(|round| round.seconds).sum::<f64>() - part.train_seconds).max(0.0);
        trained += part.train_samples_per_second * part.train_seconds;
        train_seconds += part.train_seconds;
        evaluated += part.evaluation_samples_per_second * part_evaluation_seconds;
        evaluation_seconds += part_evaluation_seconds;
    }
    let status = Status::worst(parts.iter().map(|part| part.status)).expect("two parts or more");
    let error = parts.iter().find_map(|part| part.error.clone());
    let mut parts = parts.into_iter();
    let first = parts.next().expect("two parts or more");
    let rounds = first.rounds.iter().cloned().chain(parts.flat_map(|part| part.rounds)).collect();
    Some(Results {
        status,
        error,
        config: config.clone(),
        rounds: in_run_order(rounds, config),
        train_seconds,
        train_samples_per_second: per_second(trained, train_seconds),
        evaluation_samples_per_second: per_second(evaluated, evaluation_seconds),
        ..first
    })
}

/// A resumed run's results: its parts' merged (see `merge_parts`), with the rounds kept from
/// before the interruption (`earlier`), all in run order.
pub fn whole_run(parts: Vec<Results>, earlier: Vec<RoundResult>, config: &Config) -> Option<Results> {
    let mut results = merge_parts(parts, config)?;
    if !earlier.is_empty() {
        let rounds = earlier.into_iter().chain(std::mem::take(&mut results.rounds)).collect();
        results.rounds = in_run_order(rounds, config);
    }
    Some(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Control, Settings};
    use crate::experiment::{Branch, Evaluation, Results};

    fn config() -> Config {
        let controls = vec![Control::RandomReinit, Control::RandomPrune];
        Config::new(Settings { seed: 1, rounds: 2, controls, ..Settings::default() }).unwrap()
    }

    fn round(branch: Branch, level: usize, complete: bool) -> RoundResult {
        RoundResult::bare(branch, level, complete)
    }

    fn results(status: Status, rounds: Vec<RoundResult>, train: (f64, f64), evaluation_per_second: f64) -> Results {
        Results {
            status,
            error: (status == Status::Diverged).then(|| "training diverged".into()),
            config: Config::default(),
            prunable_weights: 266_200,
            train_examples: 55_000,
            iterations_per_epoch: 916,
            rounds,
            train_seconds: train.0,
            train_samples_per_second: train.1,
            evaluation_samples_per_second: evaluation_per_second,
        }
    }

    #[test]
    fn the_merged_results_have_one_workers_order_the_worst_status_and_the_throughput_over_all() {
        use Branch::{RandomPrune, RandomReinit, Ticket};
        let ticket = results(
            Status::Done,
            vec![round(Ticket, 0, true), round(Ticket, 1, true), round(Ticket, 2, true)],
            (2.0, 100.0),
            1000.0,
        );
        let prune =
            results(Status::Done, vec![round(RandomPrune, 1, true), round(RandomPrune, 2, true)], (1.0, 50.0), 500.0);
        let reinit = results(
            Status::Diverged,
            vec![round(RandomReinit, 1, true), round(RandomReinit, 2, false)],
            (1.0, 300.0),
            250.0,
        );
        let merged = merge_parts(vec![ticket.clone(), prune.clone(), reinit], &config()).unwrap();
        let order: Vec<(Branch, usize)> = merged.rounds.iter().map(|r| (r.branch, r.level)).collect();
        assert_eq!(
            order,
            [
                (Ticket, 0),
                (Ticket, 1),
                (RandomReinit, 1),
                (RandomPrune, 1),
                (Ticket, 2),
                (RandomReinit, 2),
                (RandomPrune, 2)
            ]
        );
        assert_eq!((merged.status, merged.error.as_deref()), (Status::Diverged, Some("training diverged")));
        assert_eq!(merged.config, config());
        assert_eq!((merged.prunable_weights, merged.train_seconds), (266_200, 4.0));
        assert_eq!(merged.train_samples_per_second, (200.0 + 50.0 + 300.0) / 4.0);
        // Evaluation time is each part's round time less its training time: 1 s, 1 s and 1 s.
        assert_eq!(merged.evaluation_samples_per_second, (1000.0 + 500.0 + 250.0) / 3.0);

        assert_eq!(merge_parts(vec![ticket.clone()], &config()), Some(ticket.clone()), "one part: as it is");
        assert_eq!(merge_parts(Vec::new(), &config()), None);
        let stopped = results(Status::Stopped, Vec::new(), (0.0, 0.0), 0.0);
        assert_eq!(merge_parts(vec![prune, stopped], &config()).unwrap().status, Status::Stopped);

        // Resumed: the rounds kept from before join in run order.
        let resumed = results(Status::Done, vec![round(Ticket, 2, true)], (1.0, 1.0), 1.0);
        let earlier = vec![round(Ticket, 0, true), round(RandomReinit, 1, true), round(Ticket, 1, true)];
        let whole = whole_run(vec![resumed], earlier, &config()).unwrap();
        let levels: Vec<(Branch, usize)> = whole.rounds.iter().map(|r| (r.branch, r.level)).collect();
        assert_eq!(levels, [(Ticket, 0), (Ticket, 1), (RandomReinit, 1), (Ticket, 2)]);
    }

    #[test]
    fn results_read_back_from_their_json_are_the_same() {
        let mut run = results(Status::Diverged, vec![round(Branch::Ticket, 0, false)], (1.5, 2.5), 3.5);
        run.config = config();
        run.rounds[0].evaluations.push(Evaluation {
            iteration: 0,
            epoch: 0.0,
            train_loss: None,
            validation_loss: std::f64::consts::LN_10,
            validation_accuracy: 0.1,
            test_loss: 2.31,
            test_accuracy: 0.0982,
        });
        let json = serde_json::to_string(&run).unwrap();
        assert_eq!(serde_json::from_str::<Results>(&json).unwrap(), run);

        // A loss that overflowed is written as null, and reads back as NaN.
        run.rounds[0].evaluations[0].test_loss = f64::INFINITY;
        let json = serde_json::to_string(&run).unwrap();
        assert!(json.contains(r#""test_loss":null"#));
        let read: Results = serde_json::from_str(&json).unwrap();
        assert!(read.rounds[0].evaluations[0].test_loss.is_nan());
    }
}
