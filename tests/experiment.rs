//! The Experiment state machine on synthetic digits: its evaluation schedule, that slicing a run
//! into steps never changes its numbers, stop, divergence, misuse, seeding, and a run split into
//! a ticket share and a controls share (the page's two workers) giving the whole run's numbers,
//! and a run resumed from a checkpoint giving the uninterrupted run's rounds, whole or split.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use ticketlab::checkpoint::Checkpoint;
use ticketlab::config::Reset;
use ticketlab::experiment::{Branch, Clock, Evaluation, RoundResult, Share, SystemClock};
use ticketlab::{Config, Error, Event, Experiment, Results, Status};

/// 700 synthetic training digits (100 held out for validation, so 600 to train on: 10 batches of
/// 60 an epoch) and 100 test digits.
fn synthetic_files() -> [Vec<u8>; 4] {
    common::synthetic_mnist(7, 700, 100)
}

fn loaded_experiment(settings: &str) -> Experiment {
    let experiment = loaded_share(settings, Share::All);
    assert_eq!(experiment.status(), Status::Running);
    experiment
}

fn loaded_share(settings: &str, share: Share) -> Experiment {
    resumed_share(settings, share, None)
}

/// As `loaded_share`, resumed from `checkpoint` (a safetensors file) when one is given.
fn resumed_share(settings: &str, share: Share, checkpoint: Option<&[u8]>) -> Experiment {
    let json = format!(r#"{{"validation_size": 100, "batch_size": 60, {settings}}}"#);
    let mut experiment = Experiment::with_share(Config::from_json(&json).expect("valid settings"), share);
    if let Some(bytes) = checkpoint {
        let checkpoint = Checkpoint::from_safetensors(bytes).expect("a checkpoint file");
        experiment.resume_from(checkpoint).expect("the checkpoint fits these settings");
    }
    experiment.load_idx(common::as_slices(&synthetic_files())).expect("valid synthetic data");
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

// ------------------------------------------------------------------------------------------------
// A run split over shares, as the page splits it over workers: the ticket in one, the controls in
// the others, fed the ticket's masks (and θk) as they are made.

/// The ticket share and one controls share per group of controls, stepped side by side one unit
/// of work at a time; each mask (and θk, before the first mask) goes to every controls share as
/// soon as the ticket share announces it. Returns the ticket's results and each group's.
fn run_split(settings: &str, groups: &[&[&str]]) -> (Results, Vec<Results>) {
    let (ticket, controls, waited) = run_shares(settings, groups, None);
    assert!(waited.iter().all(|&w| w > 0), "each controls share waited for the ticket's masks: {waited:?}");
    (ticket, controls)
}

/// `run_split`'s shares, resumed from `checkpoint` when one is given; also returns how many
/// steps each controls share waited.
fn run_shares(settings: &str, groups: &[&[&str]], checkpoint: Option<&[u8]>) -> (Results, Vec<Results>, Vec<usize>) {
    let mut ticket = resumed_share(settings, Share::Ticket, checkpoint);
    let mut controls: Vec<Experiment> = groups
        .iter()
        .map(|group| {
            let names = group.iter().map(|name| format!("\"{name}\"")).collect::<Vec<_>>().join(", ");
            let share = resumed_share(&format!(r#"{settings}, "controls": [{names}]"#), Share::Controls, checkpoint);
            let expected = if checkpoint.is_some() { Status::Running } else { Status::Waiting };
            assert_eq!(share.status(), expected, "a controls share waits for its first mask (a resumed one has it)");
            share
        })
        .collect();
    let rewind_step = ticket.config().rewind_step;
    let mut waited = vec![0; controls.len()];
    for _ in 0..100_000 {
        let ticket_running = ticket.status() == Status::Running;
        if ticket_running {
            for event in ticket.step(0.0, &FrozenClock).expect("ticket steps") {
                if let Event::TicketMask { level } = event {
                    let bytes = ticket.ticket_mask(level).expect("announced").to_bytes();
                    for share in &mut controls {
                        if level == 1 && rewind_step > 0 {
                            share.set_rewind_params(ticket.rewind_params().expect("θk is known")).expect("θk fits");
                        }
                        share.add_ticket_mask(level, &bytes).expect("the ticket's mask fits");
                        assert_eq!(share.status(), Status::Running, "a mask ends the wait");
                    }
                }
            }
            if ticket.status() == Status::Done {
                controls.iter_mut().for_each(Experiment::inputs_finished);
            }
        }
        for (share, waited) in controls.iter_mut().zip(&mut waited) {
            if share.status() == Status::Waiting {
                *waited += 1;
                assert!(share.step(1000.0, &FrozenClock).expect("steps").is_empty(), "a waiting share does nothing");
            } else if share.status() == Status::Running {
                share.step(0.0, &FrozenClock).expect("controls step");
            }
        }
        if !ticket_running && controls.iter().all(|share| share.status() != Status::Running) {
            break;
        }
    }
    assert_eq!(ticket.status(), Status::Done, "{:?}", ticket.results().error);
    assert!(controls.iter().all(|share| share.status() == Status::Done), "every controls share ends Done");
    (ticket.results(), controls.iter().map(Experiment::results).collect(), waited)
}

/// The rounds in the whole run's order (ticket 0, then per level the ticket and each control in
/// `controls` order), without their wall times.
fn merged_rounds(ticket: &Results, controls: &[Results], order: &[Branch]) -> Vec<RoundResult> {
    let mut rounds = Vec::new();
    for round in &ticket.rounds {
        rounds.push(round.clone());
        for branch in order {
            let control = controls.iter().flat_map(|c| &c.rounds).filter(|r| r.level == round.level);
            rounds.extend(control.filter(|r| r.branch == *branch).cloned());
        }
    }
    without_times(&rounds)
}

fn without_times(rounds: &[RoundResult]) -> Vec<RoundResult> {
    rounds.iter().map(|round| RoundResult { seconds: 0.0, ..round.clone() }).collect()
}

fn check_split_matches_whole(settings: &str, groups: &[&[&str]]) {
    let all_controls = r#""controls": ["random_reinit", "random_prune"]"#;
    let mut whole = loaded_share(&format!("{settings}, {all_controls}"), Share::All);
    whole.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let whole = whole.results();
    assert_eq!(whole.status, Status::Done);
    assert_eq!(whole.rounds.len(), 1 + 2 * 3);

    let (ticket, controls) = run_split(&format!("{settings}, {all_controls}"), groups);
    assert!(ticket.rounds.iter().all(|r| r.branch == Branch::Ticket && r.complete));
    assert!(controls.iter().flat_map(|c| &c.rounds).all(|r| r.branch != Branch::Ticket && r.complete));
    assert_eq!(ticket.config, whole.config, "the ticket share reports the whole run's settings");
    let merged = merged_rounds(&ticket, &controls, &[Branch::RandomReinit, Branch::RandomPrune]);
    assert_eq!(merged.len(), whole.rounds.len());
    for (split, whole) in merged.iter().zip(without_times(&whole.rounds)) {
        assert_eq!(
            split, &whole,
            "{:?} at level {} differs between the split and the whole run",
            whole.branch, whole.level
        );
    }
}

#[test]
fn a_ticket_share_and_a_controls_share_give_the_whole_runs_rounds() {
    let settings = r#""seed": 11, "iterations": 20, "eval_every": 10, "rounds": 2, "prune_rate": 0.5"#;
    check_split_matches_whole(settings, &[&["random_reinit", "random_prune"]]);
}

#[test]
fn the_split_gives_the_same_rounds_when_rewinding_to_a_later_step() {
    let settings = r#""seed": 12, "iterations": 20, "eval_every": 10, "rounds": 2, "prune_rate": 0.5, "reset": "rewind", "rewind_step": 7"#;
    check_split_matches_whole(settings, &[&["random_reinit", "random_prune"]]);
}

#[test]
fn one_controls_share_per_control_gives_the_same_rounds() {
    let settings = r#""seed": 13, "iterations": 20, "eval_every": 10, "rounds": 2, "prune_rate": 0.5, "reset": "rewind", "rewind_step": 3, "prune_scope": "global""#;
    check_split_matches_whole(settings, &[&["random_prune"], &["random_reinit"]]);
}

#[test]
fn a_controls_share_refuses_masks_and_weights_that_do_not_fit() {
    let settings =
        r#""seed": 14, "iterations": 20, "eval_every": 10, "rounds": 2, "controls": "random_reinit,random_prune""#;
    let message = |result: Result<(), Error>| result.expect_err("refused").to_string();
    let whole = loaded_share(settings, Share::All);
    let mask = whole.ticket_mask(0).expect("level 0").to_bytes();
    assert_eq!(mask.len(), 266_200);

    let mut unloaded = Experiment::with_share(Config::from_json("{}").expect("defaults"), Share::Controls);
    assert!(message(unloaded.add_ticket_mask(1, &mask)).contains("load_idx"));
    let mut all = loaded_share(settings, Share::All);
    assert!(message(all.add_ticket_mask(1, &mask)).contains("only a controls share"));

    let mut controls = loaded_share(settings, Share::Controls);
    let short = message(controls.add_ticket_mask(1, &mask[..1000]));
    assert!(short.contains("expected 266200 bytes") && short.contains("got 1000"), "{short}");
    let mut not_binary = mask.clone();
    not_binary[5] = 2;
    assert!(message(controls.add_ticket_mask(1, &not_binary)).contains("byte 5 is 2; expected 0 (pruned) or 1 (kept)"));
    let order = message(controls.add_ticket_mask(2, &mask));
    assert!(order.contains("level 2") && order.contains("expected level 1"), "{order}");
    let dense = message(controls.add_ticket_mask(1, &mask));
    assert!(
        dense
            .contains("keeps 235200 / 30000 / 1000 weights, where these settings keep 188160 / 24000 / 900 at level 1"),
        "{dense}"
    );
    assert!(message(controls.add_ticket_mask(3, &mask)).contains("beyond the run's 2 rounds"));
    assert!(message(controls.set_rewind_params(&[0.0])).contains("not rewind"));
    assert_eq!(controls.status(), Status::Waiting, "refused inputs change nothing");
    assert!(controls.results().rounds.is_empty());

    controls.inputs_finished();
    assert!(message(controls.add_ticket_mask(1, &mask)).contains("inputs_finished"));
    let events = controls.step(1000.0, &FrozenClock).expect("steps");
    assert!(matches!(events[..], [Event::Done { .. }]), "no masks, no segments: {events:?}");
    assert_eq!(controls.status(), Status::Done);

    let rewind = r#""seed": 14, "iterations": 20, "eval_every": 10, "rounds": 2, "controls": "random_prune", "reset": "rewind", "rewind_step": 5"#;
    let mut controls = loaded_share(rewind, Share::Controls);
    let mut ticket = loaded_share(rewind, Share::Ticket);
    while ticket.ticket_mask(1).is_none() {
        ticket.step(0.0, &FrozenClock).expect("steps");
    }
    let level_one = ticket.ticket_mask(1).expect("made").to_bytes();
    assert!(message(controls.add_ticket_mask(1, &level_one)).contains("set_rewind_params"));
    let theta_k = ticket.rewind_params().expect("known after iteration 5");
    assert!(message(controls.set_rewind_params(&theta_k[1..])).contains(&format!("expected {}", theta_k.len())));
    let mut not_finite = theta_k.to_vec();
    not_finite[3] = f32::NAN;
    assert!(message(controls.set_rewind_params(&not_finite)).contains("parameter 3 is NaN"));
    controls.set_rewind_params(theta_k).expect("θk fits");
    assert!(message(controls.set_rewind_params(theta_k)).contains("already"));
    controls.add_ticket_mask(1, &level_one).expect("the mask fits once θk is known");
    assert_eq!(controls.status(), Status::Running);

    controls.stop();
    assert_eq!(controls.status(), Status::Stopped);
    assert!(message(controls.add_ticket_mask(2, &level_one)).contains("ended"));
}

// Resuming from a checkpoint: after the ticket of round 1 of a 3-round run, a fresh experiment
// resumed from it must train the rounds from level 2 on exactly as the uninterrupted run did.

const BOTH_CONTROLS: &str = r#""controls": ["random_reinit", "random_prune"]"#;

/// The uninterrupted run of `settings` (whole), and the checkpoint taken right after its ticket's
/// round 1 finished (while the controls of level 1 were still to train).
fn run_with_checkpoint(settings: &str) -> (Experiment, Vec<u8>) {
    let mut whole = loaded_share(settings, Share::All);
    let mut checkpoint = None;
    while whole.status() == Status::Running {
        for event in whole.step(0.0, &FrozenClock).expect("steps") {
            if matches!(&event, Event::RoundDone(round) if round.branch == Branch::Ticket && round.level == 1) {
                checkpoint = Some(whole.checkpoint_safetensors().expect("a checkpoint after round 1"));
            }
        }
    }
    assert_eq!(whole.status(), Status::Done, "{:?}", whole.results().error);
    (whole, checkpoint.expect("the ticket's round 1 finished"))
}

fn check_resume_matches_whole(settings: &str) {
    let settings = format!(r#"{settings}, "iterations": 20, "eval_every": 10, "rounds": 3, {BOTH_CONTROLS}"#);
    let (uninterrupted, checkpoint) = run_with_checkpoint(&settings);
    let whole = uninterrupted.results();
    let from_level_2: Vec<RoundResult> = without_times(&whole.rounds).into_iter().filter(|r| r.level >= 2).collect();
    assert_eq!(from_level_2.len(), 2 * 3, "the ticket and both controls at levels 2 and 3");

    // One experiment, resumed.
    let mut resumed = resumed_share(&settings, Share::All, Some(&checkpoint));
    let (events, _) = step_to_end(&mut resumed, 0.0, &FrozenClock);
    let results = resumed.results();
    assert_eq!(results.status, Status::Done, "{:?}", results.error);
    assert_eq!(without_times(&results.rounds), from_level_2, "the resumed run's rounds are the uninterrupted run's");
    // Levels and segments keep their numbers in the whole run: level 2's ticket is segment 4 of 10.
    let first_progress = events.iter().find_map(|event| match event {
        Event::Progress { branch, level, segment, segments, .. } => Some((*branch, *level, *segment, *segments)),
        _ => None,
    });
    assert_eq!(first_progress, Some((Branch::Ticket, 2, 4, 10)));
    // The ticket's views and files exist for the rounds trained here, and say why not for the others.
    assert!(resumed.ticket_weights(2).is_ok() && resumed.ticket_weights(3).is_ok());
    let before = resumed.ticket_weights(1).expect_err("round 1 was trained before").to_string();
    assert!(before.contains("before this run resumed at round 2"), "{before}");
    // Draw a digit: the dense network (from the checkpoint) and round 3's ticket answer as before.
    let image = uninterrupted.test_image(7).expect("a test image").pixels;
    assert_eq!(resumed.classify(3, &image).expect("answers"), uninterrupted.classify(3, &image).expect("answers"));
    if resumed.config().reset != Reset::Continue {
        let ticket = resumed.ticket(3).expect("the ticket of round 3");
        assert_eq!(
            ticket.mask.kept(),
            results.rounds.iter().find(|r| r.level == 3).expect("round 3").weights_remaining
        );
        assert!(resumed.ticket(1).expect_err("not in this run").to_string().contains("before this run resumed"));
    }

    // The same run split over a ticket share and a controls share, both resumed.
    let (ticket, controls, _) = run_shares(&settings, &[&["random_reinit", "random_prune"]], Some(&checkpoint));
    let merged = merged_rounds(&ticket, &controls, &[Branch::RandomReinit, Branch::RandomPrune]);
    assert_eq!(merged, from_level_2, "the split resumed run's rounds are the uninterrupted run's");
}

#[test]
fn a_run_resumed_after_round_1_gives_the_uninterrupted_runs_rounds_resetting_to_init() {
    check_resume_matches_whole(r#""seed": 21, "prune_rate": 0.5"#);
}

#[test]
fn a_run_resumed_after_round_1_gives_the_uninterrupted_runs_rounds_rewinding() {
    check_resume_matches_whole(r#""seed": 22, "prune_rate": 0.5, "reset": "rewind", "rewind_step": 7"#);
}

#[test]
fn a_run_resumed_after_round_1_gives_the_uninterrupted_runs_rounds_continuing() {
    check_resume_matches_whole(r#""seed": 23, "prune_rate": 0.5, "reset": "continue""#);
}

#[test]
fn a_run_resumed_after_round_1_gives_the_uninterrupted_runs_rounds_pruning_one_shot() {
    check_resume_matches_whole(
        r#""seed": 24, "prune_rate": 0.5, "prune_schedule": "one_shot", "prune_scope": "global""#,
    );
}

#[test]
fn a_checkpoint_holds_only_what_the_settings_need() {
    let base = r#""seed": 25, "iterations": 10, "eval_every": 10, "rounds": 2, "prune_rate": 0.5"#;
    let (parameters, prunable) = (266_610, 266_200);
    // The trained dense network always; θk when rewinding to a later step; the last ticket when continuing.
    for (extra, buffers) in [
        ("", 1),
        (r#", "reset": "rewind", "rewind_step": 3"#, 2),
        (r#", "reset": "continue", "prune_schedule": "one_shot""#, 2),
    ] {
        let (_, checkpoint) = run_with_checkpoint(&format!("{base}{extra}"));
        let header = u64::from_le_bytes(checkpoint[..8].try_into().expect("8 bytes")) as usize;
        assert_eq!(checkpoint.len() - 8 - header, prunable + buffers * parameters * 4, "settings{extra}");
        let read = Checkpoint::from_safetensors(&checkpoint).expect("reads back");
        assert_eq!(read.level, 1);
        assert_eq!(read.to_safetensors(), checkpoint, "written and read back unchanged");
    }
}

#[test]
fn a_checkpoint_from_other_settings_or_damaged_is_refused_with_what_is_wrong() {
    let settings = r#""seed": 26, "iterations": 10, "eval_every": 10, "rounds": 2, "prune_rate": 0.5, "controls": "random_reinit""#;
    let (_, bytes) = run_with_checkpoint(settings);
    let config = |settings: &str| {
        Config::from_json(&format!(r#"{{"validation_size": 100, "batch_size": 60, {settings}}}"#)).expect("valid")
    };
    let refusal = |settings: &str, bytes: &[u8]| -> String {
        let checkpoint = match Checkpoint::from_safetensors(bytes) {
            Ok(checkpoint) => checkpoint,
            Err(error) => return error.to_string(),
        };
        Experiment::new(config(settings)).resume_from(checkpoint).expect_err("refused").to_string()
    };
    let other_seed = refusal(&settings.replace("26", "27"), &bytes);
    assert!(other_seed.contains("other settings (seed: 26 there, 27 here)"), "{other_seed}");
    let other_model = refusal(&format!(r#"{settings}, "model": "lenet-5""#), &bytes);
    assert!(other_model.contains("model: \"lenet-300-100\" there, \"lenet-5\" here"), "{other_model}");
    // The controls may differ: they do not change the ticket's path (a controls share lists some).
    let mut fewer_controls = Experiment::new(config(&settings.replace(r#""random_reinit""#, r#""""#)));
    fewer_controls.resume_from(Checkpoint::from_safetensors(&bytes).expect("reads")).expect("the controls may differ");

    let truncated = refusal(settings, &bytes[..bytes.len() - 1000]);
    assert!(
        truncated.contains("the checkpoint: tensor dense_trained_params") && truncated.contains("truncated"),
        "{truncated}"
    );
    let cut_in_header = refusal(settings, &bytes[..100]);
    assert!(cut_in_header.contains("truncated: its header should be"), "{cut_in_header}");
    assert!(refusal(settings, &bytes[..5]).contains("not a safetensors file"));
    let ticket = loaded_experiment(settings).ticket_safetensors(0).expect("a ticket file");
    assert!(refusal(settings, &ticket).contains("not a ticketlab checkpoint"));
    // A mask byte flipped: the mask no longer keeps the counts of its level.
    let header = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let mut flipped = bytes.clone();
    let position = flipped[8 + header..].iter().position(|&b| b == 0).expect("a pruned weight") + 8 + header;
    flipped[position] = 1;
    let damaged = refusal(settings, &flipped);
    assert!(
        damaged.contains("keeps 58801 / 7500 / 810 weights, where these settings keep 58800 / 7500 / 810 at level 2"),
        "{damaged}"
    );
    flipped[position] = 7;
    assert!(refusal(settings, &flipped).contains("expected 0 (pruned) or 1 (kept)"));

    // Misuse: after load_idx, with an imported ticket, and checkpoints that do not exist.
    let checkpoint = || Checkpoint::from_safetensors(&bytes).expect("reads");
    let mut loaded = loaded_experiment(settings);
    assert!(loaded.resume_from(checkpoint()).expect_err("too late").to_string().contains("before loading the data"));
    assert!(loaded.checkpoint().expect_err("nothing yet").to_string().contains("no ticket round has finished"));
    let mut imported = Experiment::new(config(settings));
    imported
        .import_ticket(ticketlab::ticket::Ticket::from_safetensors(&ticket, "ticket").expect("reads"))
        .expect("imports");
    assert!(imported
        .resume_from(checkpoint())
        .expect_err("refused")
        .to_string()
        .contains("imported ticket cannot be resumed"));
    let controls = loaded_share(settings, Share::Controls);
    assert!(controls.checkpoint().expect_err("refused").to_string().contains("the ticket share takes the checkpoints"));
    let mut finished = loaded_experiment(settings);
    finished.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert!(finished.checkpoint().expect_err("refused").to_string().contains("nothing to resume"));
}
