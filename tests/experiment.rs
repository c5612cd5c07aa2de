//! The Experiment state machine on synthetic digits: its evaluation schedule, that slicing a run
//! into steps never changes its numbers, stop, divergence, misuse, and seeding.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use ticketlab::experiment::{Branch, Clock, Evaluation, SystemClock};
use ticketlab::{Error, Event, Experiment, Status};

/// 700 synthetic training digits (100 held out for validation, so 600 to train on: 10 batches of
/// 60 an epoch) and 100 test digits.
fn synthetic_files() -> [Vec<u8>; 4] {
    common::synthetic_mnist(7, 700, 100)
}

fn loaded_experiment(settings: &str) -> Experiment {
    let json = format!(r#"{{"validation_size": 100, "batch_size": 60, {settings}}}"#);
    let mut experiment = Experiment::from_json(&json).expect("valid settings");
    experiment.load_idx(common::as_slices(&synthetic_files())).expect("valid synthetic data");
    assert_eq!(experiment.status(), Status::Running);
    experiment
}

/// Steps with `budget_millis` on `clock` until the run is no longer running; returns every event
/// and how many steps it took.
fn step_to_end(experiment: &mut Experiment, budget_millis: f64, clock: &dyn Clock) -> (Vec<Event>, usize) {
    let mut events = Vec::new();
    let mut steps = 0;
    while experiment.status() == Status::Running {
        events.extend(experiment.step(budget_millis, clock).expect("steps"));
        steps += 1;
        assert!(steps < 100_000, "the run never ends");
    }
    (events, steps)
}

fn evaluation_events(events: &[Event]) -> Vec<Evaluation> {
    events
        .iter()
        .filter_map(|event| match event {
            Event::Evaluation { evaluation, .. } => Some(evaluation.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_run_evaluates_at_zero_every_eval_every_and_at_the_end() {
    let mut experiment = loaded_experiment(r#""seed": 1, "iterations": 25, "eval_every": 10"#);
    let (events, _) = step_to_end(&mut experiment, 1000.0, &FrozenClock);
    assert_eq!(experiment.status(), Status::Done);

    let results = experiment.results();
    assert_eq!(results.status, Status::Done);
    assert_eq!(results.error, None);
    // Without pruning rounds, the run is one segment: the dense network (the level-0 ticket).
    assert_eq!(results.rounds.len(), 1, "one round for a dense run: {:?}", results.rounds);
    let round = &results.rounds[0];
    assert_eq!((round.branch, round.level, round.complete), (Branch::Ticket, 0, true));
    assert_eq!(round.iterations_completed, 25);
    assert_eq!(results.iterations_per_epoch, 10);
    assert_eq!(results.train_examples, 600);
    let iterations: Vec<usize> = round.evaluations.iter().map(|e| e.iteration).collect();
    assert_eq!(iterations, [0, 10, 20, 25]);
    let epochs: Vec<f64> = round.evaluations.iter().map(|e| e.epoch).collect();
    assert_eq!(epochs, [0.0, 1.0, 2.0, 2.5]);
    assert_eq!(round.evaluations[0].train_loss, None, "no training before iteration 0");
    assert!(round.evaluations[1..].iter().all(|e| e.train_loss.is_some_and(f64::is_finite)));
    assert_eq!(evaluation_events(&events), round.evaluations, "every evaluation was also an event");
    assert!(
        events
            .iter()
            .all(|e| !matches!(e, Event::Evaluation { branch, level, .. } if (*branch, *level) != (Branch::Ticket, 0))),
        "every evaluation event is the dense ticket's"
    );

    // The synthetic digits are easy: the run must actually learn, or the schedule was not trained.
    let (first, last) = (&round.evaluations[0], &round.evaluations[3]);
    assert!(last.validation_loss < first.validation_loss, "{first:?} -> {last:?}");
    assert!(last.test_accuracy > 0.8, "test accuracy after 25 iterations: {}", last.test_accuracy);
    assert_eq!(round.last.as_ref(), Some(last), "the round's last evaluation is the one at the end");

    // The finished segment is reported once, with its final scores; then the run reports Done, last.
    let round_done: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::RoundDone(_))).collect();
    assert_eq!(round_done.len(), 1, "exactly one RoundDone event: {events:?}");
    match round_done[0] {
        Event::RoundDone(done) => {
            assert_eq!(done, round, "the RoundDone event carries the round of the results");
            assert_eq!(done.iterations_completed, 25);
            assert_eq!(done.last.as_ref().map(|e| e.test_accuracy), Some(last.test_accuracy));
        }
        _ => unreachable!(),
    }
    let done: Vec<&Event> = events.iter().filter(|e| matches!(e, Event::Done { .. })).collect();
    assert_eq!(done.len(), 1, "exactly one Done event: {events:?}");
    assert!(matches!(events.last(), Some(Event::Done { samples_per_second }) if samples_per_second.is_finite()));
    assert!(!events.iter().any(|e| matches!(e, Event::Diverged { .. })));

    // A finished run does nothing more.
    assert!(experiment.step(1000.0, &FrozenClock).expect("steps").is_empty());
    experiment.stop();
    assert_eq!(experiment.status(), Status::Done, "stop after the end keeps Done");
}

#[test]
fn slicing_a_run_into_tiny_steps_does_not_change_the_numbers() {
    let settings = r#""seed": 3, "iterations": 25, "eval_every": 10"#;
    let mut whole = loaded_experiment(settings);
    let (whole_events, whole_steps) = step_to_end(&mut whole, 1000.0, &FrozenClock);
    assert_eq!(whole_steps, 1, "a frozen clock runs the schedule in one step");

    let mut sliced = loaded_experiment(settings);
    let clock = SystemClock::new();
    let (sliced_events, sliced_steps) = step_to_end(&mut sliced, 0.0, &clock);
    // A budget of 0 ms does one unit of work per step: 25 batches plus the evaluation chunks.
    assert!(sliced_steps > 25, "the run was cut into {sliced_steps} steps");

    assert_eq!(sliced.status(), Status::Done);
    assert_eq!(sliced.results().rounds[0].evaluations, whole.results().rounds[0].evaluations);
    assert_eq!(evaluation_events(&sliced_events), evaluation_events(&whole_events));
    let (sliced_params, whole_params) = (sliced.params().expect("loaded"), whole.params().expect("loaded"));
    assert!(
        sliced_params == whole_params,
        "weights differ: {} vs {}",
        common::fingerprint(sliced_params),
        common::fingerprint(whole_params)
    );
}

#[test]
fn stop_keeps_what_was_computed() {
    let mut experiment = loaded_experiment(r#""seed": 4, "iterations": 50, "eval_every": 10"#);
    let clock = SystemClock::new();
    while experiment.results().rounds[0].evaluations.len() < 2 {
        experiment.step(0.0, &clock).expect("steps");
    }
    // One more unit of training past the second evaluation.
    experiment.step(0.0, &clock).expect("steps");
    let before = experiment.results();
    assert_eq!(before.status, Status::Running);
    assert_eq!(before.rounds.len(), 1, "the running segment is reported as an incomplete round");
    assert!(!before.rounds[0].complete);
    assert_eq!(before.rounds[0].iterations_completed, 11);

    experiment.stop();
    assert_eq!(experiment.status(), Status::Stopped);
    let params = experiment.params().expect("loaded").to_vec();
    assert!(experiment.step(1000.0, &FrozenClock).expect("stepping a stopped run is not an error").is_empty());
    let after = experiment.results();
    assert_eq!(after.status, Status::Stopped);
    assert_eq!(after.error, None);
    assert_eq!(after.rounds.len(), 1, "the stopped segment is kept as one incomplete round");
    let round = &after.rounds[0];
    assert_eq!((round.branch, round.level, round.complete), (Branch::Ticket, 0, false));
    assert_eq!(round.iterations_completed, 11);
    assert_eq!(round.evaluations, before.rounds[0].evaluations);
    assert_eq!(round.evaluations.iter().map(|e| e.iteration).collect::<Vec<_>>(), [0, 10]);
    assert!(experiment.params().expect("loaded") == params, "a stopped run does not train");
}

#[test]
fn a_huge_learning_rate_diverges_with_a_message_and_keeps_the_first_evaluation() {
    let mut experiment = loaded_experiment(
        r#""seed": 5, "iterations": 100, "eval_every": 50, "optimizer": "sgd", "learning_rate": 1e6"#,
    );
    let initial_weights = experiment.params().expect("loaded").to_vec();
    let (events, _) = step_to_end(&mut experiment, 1000.0, &FrozenClock);
    assert_eq!(experiment.status(), Status::Diverged);

    let diverged: Vec<(usize, &str)> = events
        .iter()
        .filter_map(|e| match e {
            Event::Diverged { branch, level, iteration, message } => {
                assert_eq!((*branch, *level), (Branch::Ticket, 0), "the dense network diverged");
                Some((*iteration, message.as_str()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(diverged.len(), 1, "one Diverged event: {events:?}");
    let (iteration, message) = diverged[0];
    assert!(message.contains("learning rate") && message.contains("1000000"), "{message}");
    assert!((1..50).contains(&iteration), "diverged at iteration {iteration}, before the first scheduled evaluation");
    assert!(!events.iter().any(|e| matches!(e, Event::Done { .. } | Event::RoundDone(_))));
    assert!(matches!(events.last(), Some(Event::Diverged { .. })), "Diverged is the last event: {events:?}");

    let results = experiment.results();
    assert_eq!(results.status, Status::Diverged);
    assert_eq!(results.error.as_deref(), Some(message));
    assert_eq!(results.rounds.len(), 1, "the diverged segment is kept as one incomplete round");
    let round = &results.rounds[0];
    assert!(!round.complete);
    assert_eq!(round.iterations_completed, iteration);
    assert_eq!(round.evaluations.len(), 1);
    assert_eq!(round.evaluations[0].iteration, 0);
    assert!(round.evaluations[0].validation_loss.is_finite());
    // The weights that the kept evaluation describes are put back, not left as NaNs.
    assert_eq!(experiment.params().expect("kept"), &initial_weights[..]);
    assert!(experiment.step(1000.0, &FrozenClock).expect("stepping a diverged run is not an error").is_empty());
}

#[test]
fn stepping_before_loading_data_is_an_error_not_a_panic() {
    let mut experiment = Experiment::from_json(r#"{"seed": 1}"#).expect("valid settings");
    assert_eq!(experiment.status(), Status::NoData);
    let error = experiment.step(10.0, &FrozenClock).expect_err("no data yet");
    assert!(matches!(error, Error::Usage(_)), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("load") && message.contains("load_idx"), "{message}");
    assert!(experiment.params().is_none());
    assert_eq!(experiment.results().status, Status::NoData);
    assert!(experiment.results().rounds.is_empty());
}

#[test]
fn the_seed_decides_the_initial_weights() {
    let initial = |seed: u64| loaded_experiment(&format!(r#""seed": {seed}"#)).params().expect("loaded").to_vec();
    let (first, again, other) = (initial(1), initial(1), initial(2));
    assert!(first == again, "same seed, different weights");
    assert!(first.iter().any(|&w| w != 0.0));
    let differing = first.iter().zip(&other).filter(|(a, b)| a != b).count();
    // Only the zero-initialised biases (410 of them) may agree.
    assert!(
        differing >= first.len() - 410,
        "seeds 1 and 2 share {} of {} weights",
        first.len() - differing,
        first.len()
    );
}
