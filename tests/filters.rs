//! The ticket's conv filters (`Experiment::ticket_filters`, the page's filter view) on LeNet-5
//! and synthetic digits: each finished round's filters are the ticket's real weights at the start
//! and end of that round, with that round's mask; unfinished rounds and misuse give errors.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use ticketlab::experiment::{Branch, Share, SystemClock};
use ticketlab::filters::ConvFilters;
use ticketlab::nn::Mask;
use ticketlab::{Config, Experiment, Status};

/// LeNet-5 on 600 synthetic training digits, 12 iterations a round, no controls.
fn lenet5(settings: &str, share: Share) -> Experiment {
    let json = format!(
        r#"{{"model": "lenet-5", "seed": 4, "validation_size": 100, "batch_size": 60, "iterations": 12, "eval_every": 6, "controls": [], {settings}}}"#
    );
    let mut experiment = Experiment::with_share(Config::from_json(&json).expect("valid settings"), share);
    experiment.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    experiment
}

fn finished(settings: &str, share: Share) -> Experiment {
    let mut experiment = lenet5(settings, share);
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(experiment.status(), Status::Done);
    experiment
}

/// `params` (a whole parameter buffer) at the place of `layer`'s weights, as `mask` lays them out.
fn weights_of<'a>(params: &'a [f32], mask: &Mask, layer: &ConvFilters) -> &'a [f32] {
    let place = mask.layers.iter().find(|l| l.name == layer.name).expect("the layer has a mask");
    &params[place.offset..place.offset + place.keep.len()]
}

fn masked(weights: &[f32], keep: &[bool]) -> Vec<f32> {
    weights.iter().zip(keep).map(|(&w, &k)| if k { w } else { 0.0 }).collect()
}

#[test]
fn each_rounds_filters_are_the_tickets_weights_at_its_start_and_end_with_its_mask() {
    // Dense only: its final weights are the dense ticket's trained weights (same seed, same run).
    let dense = finished(r#""rounds": 0"#, Share::All);
    let dense_trained = dense.params().expect("trained");
    let pruned = finished(r#""rounds": 1"#, Share::All);
    let theta0 = pruned.initial_params().expect("loaded");

    let level0 = pruned.ticket_filters(0).expect("round 0 finished");
    let names: Vec<(&str, &[usize])> = level0.iter().map(|l| (l.name.as_str(), &l.shape[..])).collect();
    assert_eq!(names, [("conv1.weight", &[6, 1, 5, 5][..]), ("conv2.weight", &[16, 6, 5, 5][..])]);
    let dense_mask = pruned.ticket_mask(0).expect("level 0");
    for layer in &level0 {
        assert!(layer.keep.iter().all(|&k| k), "{}: the dense network keeps everything", layer.name);
        assert_eq!(layer.initial, weights_of(theta0, dense_mask, layer), "{}: starts from θ0", layer.name);
        assert_eq!(layer.trained, weights_of(dense_trained, dense_mask, layer), "{}: trained weights", layer.name);
        assert_ne!(layer.initial, layer.trained, "{}: training moved the weights", layer.name);
    }

    // Round 1: the last segment of the run, so `params()` are its trained weights.
    let level1 = pruned.ticket_filters(1).expect("round 1 finished");
    let mask1 = pruned.ticket_mask(1).expect("level 1");
    let results = pruned.results();
    let counts = &results.rounds.iter().find(|r| r.level == 1).expect("round 1").weights;
    for (layer, before) in level1.iter().zip(&level0) {
        let place = mask1.layers.iter().find(|l| l.name == layer.name).expect("masked");
        assert_eq!(layer.keep, place.keep, "{}: the round's mask", layer.name);
        let kept = layer.keep.iter().filter(|&&k| k).count();
        let count = counts.iter().find(|c| c.name == layer.name).expect("counted");
        assert_eq!((kept, layer.keep.len()), (count.kept, count.size), "{}: the results' counts", layer.name);
        // prune_rate_conv 0.1: 10% of each conv layer pruned (15 of conv1's 150, 240 of conv2's 2,400).
        assert_eq!(layer.keep.len() - kept, layer.keep.len() / 10, "{}: pruned entries are 0 in the mask", layer.name);
        assert_eq!(layer.trained, weights_of(pruned.params().expect("trained"), mask1, layer), "{}", layer.name);
        assert_eq!(layer.initial, masked(&before.initial, &layer.keep), "{}: survivors reset to θ0", layer.name);
        for (index, &keep) in layer.keep.iter().enumerate() {
            if !keep {
                assert_eq!((layer.initial[index], layer.trained[index]), (0.0, 0.0), "{} weight {index}", layer.name);
            }
        }
        // The mask pruned the smallest of round 0's trained weights.
        let magnitude = |keep: bool| before.trained.iter().zip(&layer.keep).filter(move |(_, &k)| k == keep);
        let largest_pruned = magnitude(false).map(|(w, _)| w.abs()).fold(0.0, f32::max);
        let smallest_kept = magnitude(true).map(|(w, _)| w.abs()).fold(f32::INFINITY, f32::min);
        assert!(largest_pruned <= smallest_kept, "{}: {largest_pruned} pruned, {smallest_kept} kept", layer.name);
    }
}

#[test]
fn under_reset_continue_a_round_starts_from_the_previous_rounds_trained_filters() {
    let experiment = finished(r#""rounds": 1, "reset": "continue""#, Share::All);
    let (level0, level1) = (experiment.ticket_filters(0).expect("0"), experiment.ticket_filters(1).expect("1"));
    for (before, layer) in level0.iter().zip(&level1) {
        assert_eq!(layer.initial, masked(&before.trained, &layer.keep), "{}", layer.name);
    }
}

#[test]
fn the_ticket_share_has_the_same_filters_as_the_whole_run() {
    let settings = r#""rounds": 2, "controls": ["random_reinit"]"#;
    let (whole, ticket) = (finished(settings, Share::All), finished(settings, Share::Ticket));
    for level in 0..=2 {
        assert_eq!(ticket.ticket_filters(level).expect("finished"), whole.ticket_filters(level).expect("finished"));
    }
    let controls = lenet5(settings, Share::Controls);
    let error = controls.ticket_filters(0).expect_err("a controls share has no ticket");
    assert!(error.to_string().contains("the ticket share has the ticket's rounds"), "{error}");
}

#[test]
fn a_round_not_yet_finished_is_a_clear_error_and_a_network_without_convolutions_has_no_filters() {
    let unloaded = Experiment::new(Config::from_json(r#"{"model": "lenet-5"}"#).expect("valid"));
    assert!(unloaded.ticket_filters(0).expect_err("no data").to_string().contains("load the data"));

    let mut experiment = lenet5(r#""rounds": 2"#, Share::All);
    let error = experiment.ticket_filters(0).expect_err("nothing trained yet");
    assert!(error.to_string().contains("round 0 has not finished training (none has yet)"), "{error}");
    // Run the dense round and a little of round 1, then stop.
    while experiment.ticket_filters(0).is_err() {
        experiment.step(0.0, &SystemClock::new()).expect("steps");
    }
    experiment.step(0.0, &SystemClock::new()).expect("steps");
    experiment.stop();
    assert_eq!(experiment.status(), Status::Stopped);
    assert_eq!(experiment.ticket_filters(0).expect("kept after the stop").len(), 2);
    let error = experiment.ticket_filters(1).expect_err("round 1 was stopped");
    assert!(error.to_string().contains("round 1 has not finished training (round 0 has)"), "{error}");
    let error = experiment.ticket_filters(3).expect_err("no round 3");
    assert!(error.to_string().contains("beyond the run's 2 rounds"), "{error}");

    let mut mlp = Experiment::new(
        Config::from_json(r#"{"seed": 1, "validation_size": 100, "iterations": 2, "eval_every": 2}"#).expect("valid"),
    );
    mlp.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    mlp.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(mlp.ticket_filters(0).expect("finished"), []);
}

#[test]
fn the_weights_summary_of_a_round_shows_its_survivors_and_where_the_next_round_cuts() {
    // conv1's trained weights come from the filters, so the summary can be checked against them.
    let experiment = finished(r#""rounds": 2"#, Share::All);
    let trained = &experiment.ticket_filters(0).expect("finished")[0];
    let round1 = experiment.ticket_mask(1).expect("level 1");
    let conv1_next = &round1.layers[0].keep;
    let summary = &experiment.ticket_weights(0).expect("finished")[0];
    assert_eq!((summary.name.as_str(), summary.kept), ("conv1.weight", 150));
    assert_eq!(summary.counts.iter().sum::<u32>(), 150);
    let largest = trained.trained.iter().fold(0.0f32, |m, w| m.max(w.abs()));
    assert_eq!(summary.range, largest);
    // The threshold: the largest magnitude the next round prunes, below every one it keeps.
    let pruned: Vec<f32> = (0..150).filter(|&i| !conv1_next[i]).map(|i| trained.trained[i].abs()).collect();
    assert_eq!(pruned.len(), 15, "10% of conv1");
    let threshold = summary.threshold.expect("round 1 prunes conv1");
    assert_eq!(threshold, pruned.iter().fold(0.0f32, |m, &w| m.max(w)));
    assert!((0..150).filter(|&i| conv1_next[i]).all(|i| trained.trained[i].abs() >= threshold));
    // Every survivor is sampled in a layer this small, marked as the next mask says.
    assert_eq!(summary.sample_trained, trained.trained.iter().map(|w| w.abs()).collect::<Vec<_>>());
    assert_eq!(summary.sample_pruned_next.iter().map(|&p| usize::from(p)).sum::<usize>(), 15);
    // The last round has no next round to cut.
    assert!(experiment.ticket_weights(2).expect("finished").iter().all(|layer| layer.threshold.is_none()));
    assert!(experiment.ticket_weights(3).is_err());
}

#[test]
fn each_rounds_confusion_matrix_counts_the_last_evaluations_test_predictions() {
    let experiment = finished(r#""rounds": 1"#, Share::All);
    let results = experiment.results();
    for level in 0..=1 {
        let confusion = experiment.ticket_confusion(level).expect("finished");
        assert_eq!(confusion.len(), 100);
        let round =
            results.rounds.iter().find(|r| r.level == level && r.branch == Branch::Ticket).expect("ticket round");
        let last = round.last.as_ref().expect("evaluated");
        let total: u32 = confusion.iter().sum();
        let correct: u32 = (0..10).map(|class| confusion[class * 10 + class]).sum();
        assert_eq!(total, 100, "every test image once");
        assert_eq!(
            correct as f64 / total as f64,
            last.test_accuracy,
            "level {level}: the diagonal is the test accuracy"
        );
        // The rows count the true classes of the test set.
        let per_class: Vec<u32> = (0..10).map(|class| confusion[class * 10..][..10].iter().sum()).collect();
        assert!(per_class.iter().filter(|&&n| n > 0).count() >= 5, "{per_class:?}");
    }
    assert!(experiment.ticket_confusion(2).is_err());
}

#[test]
fn an_mlp_tickets_connections_follow_its_mask_and_a_cnn_has_none() {
    let json = r#"{"seed": 1, "validation_size": 100, "iterations": 2, "eval_every": 2, "rounds": 1}"#;
    let mut mlp = Experiment::new(Config::from_json(json).expect("valid"));
    mlp.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    let error = mlp.ticket_connections(0).expect_err("nothing trained yet");
    assert!(
        error.to_string().contains("ticket_connections: the ticket's round 0 has not finished training"),
        "{error}"
    );
    mlp.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let view = mlp.ticket_connections(1).expect("finished").expect("an MLP on the image");
    let fc1 = &mlp.ticket_mask(1).expect("level 1").layers[0];
    assert_eq!(view.per_pixel.iter().map(|&n| n as usize).sum::<usize>(), fc1.kept());
    assert_eq!(view.per_pixel.iter().map(|&n| n as usize).sum::<usize>(), 188_160, "80% of fc1");
    assert_eq!(finished(r#""rounds": 1"#, Share::All).ticket_connections(1).expect("finished"), None);
}
