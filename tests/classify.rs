//! `Experiment::classify` (the page's "Draw a digit" view) and `Experiment::test_image` on
//! synthetic digits: each finished round's networks answer as that round's own evaluation did
//! (their confusion matrices, rebuilt one image at a time), the ticket answers with its pruned
//! network, and misuse gives errors that say what to do.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use ticketlab::experiment::Share;
use ticketlab::nn::loss::predicted_class;
use ticketlab::nn::{Model, Workspace};
use ticketlab::rng::{Rng, Stream};
use ticketlab::{Config, Experiment, Status};

const TEST_IMAGES: usize = 100;

/// A run of `settings` on 600 synthetic training digits and 100 test digits, not yet trained.
fn loaded(settings: &str, share: Share) -> Experiment {
    let json = format!(r#"{{"seed": 3, "validation_size": 100, "batch_size": 60, "controls": [], {settings}}}"#);
    let mut experiment = Experiment::with_share(Config::from_json(&json).expect("valid settings"), share);
    experiment
        .load_idx(common::as_slices(&common::synthetic_mnist(7, 700, TEST_IMAGES)))
        .expect("valid synthetic data");
    experiment
}

fn finished(settings: &str) -> Experiment {
    let mut experiment = loaded(settings, Share::All);
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(experiment.status(), Status::Done);
    experiment
}

/// The confusion matrix (a row per true class) of `answer`'s most probable class over the test set.
fn confusion_of(experiment: &Experiment, answer: impl Fn(&[f32]) -> Vec<f32>) -> Vec<u32> {
    let mut confusion = vec![0; 100];
    for index in 0..TEST_IMAGES {
        let image = experiment.test_image(index).expect("a test image");
        let probabilities = answer(&image.pixels);
        assert_eq!(probabilities.len(), 10);
        assert!(probabilities.iter().all(|p| (0.0..=1.0).contains(p)), "{probabilities:?}");
        let sum: f32 = probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5, "the probabilities sum to {sum}");
        confusion[image.label as usize * 10 + predicted_class(&probabilities)] += 1;
    }
    confusion
}

/// For each round: classifying every test image one at a time gives back the confusion matrix of
/// the round's last evaluation, for the dense network (round 0's) and the ticket.
fn check_answers_match_evaluation(experiment: &Experiment, rounds: usize) {
    let dense = experiment.ticket_confusion(0).expect("round 0 finished").to_vec();
    assert!((0..10).map(|class| dense[class * 11]).sum::<u32>() > 50, "the dense network learnt: {dense:?}");
    for level in 0..=rounds {
        let answers = |pixels: &[f32]| experiment.classify(level, pixels).expect("classifies");
        assert_eq!(confusion_of(experiment, |pixels| answers(pixels).dense), dense, "round {level}: dense");
        let ticket = experiment.ticket_confusion(level).expect("finished").to_vec();
        assert_eq!(confusion_of(experiment, |pixels| answers(pixels).ticket), ticket, "round {level}: ticket");
    }
}

#[test]
fn an_mlps_answers_are_those_its_evaluation_counted() {
    // 60% a round: round 2 keeps 16% of fc1 and fc2, which then train on the sparse kernels.
    let experiment = finished(r#""iterations": 30, "eval_every": 10, "rounds": 2, "prune_rate": 0.6"#);
    check_answers_match_evaluation(&experiment, 2);
}

#[test]
fn a_cnns_answers_are_those_its_evaluation_counted() {
    let experiment =
        finished(r#""model": "lenet-5", "learning_rate": 0.002, "iterations": 60, "eval_every": 30, "rounds": 1"#);
    check_answers_match_evaluation(&experiment, 1);
}

#[test]
fn the_ticket_answers_with_its_own_pruned_network_and_the_dense_one_with_round_0() {
    let experiment = finished(r#""iterations": 30, "eval_every": 10, "rounds": 1, "prune_rate": 0.6"#);
    // The last segment trained is the ticket of round 1: its weights, pruned ones at 0.
    let trained = experiment.params().expect("trained");
    let mask = experiment.ticket_mask(1).expect("round 1");
    let pruned: Vec<usize> = mask
        .layers
        .iter()
        .flat_map(|layer| layer.keep.iter().enumerate().filter(|(_, &keep)| !keep).map(|(i, _)| layer.offset + i))
        .collect();
    assert!(pruned.len() > 100_000, "round 1 prunes 60% of fc1 and fc2");
    assert!(pruned.iter().all(|&i| trained[i] == 0.0), "the ticket's pruned weights are 0");

    let config = experiment.config();
    let mut model = Model::new(config.model_spec(), config.init(), &mut Rng::new(0, Stream::WeightInit));
    model.params.copy_from_slice(trained);
    let mut workspace = Workspace::default();
    let mut differs = 0;
    for index in 0..10 {
        let pixels = experiment.test_image(index).expect("a test image").pixels;
        let answers = experiment.classify(1, &pixels).expect("classifies");
        let logits = model.forward(&pixels, 1, &mut workspace);
        assert_eq!(predicted_class(&answers.ticket), predicted_class(logits), "image {index}");
        // softmax(z)_c / softmax(z)_d = exp(z_c − z_d): the ticket's logits, up to rounding.
        let (best, other) = (predicted_class(logits), (predicted_class(logits) + 1) % 10);
        let ratio = (answers.ticket[other] / answers.ticket[best]).ln();
        assert!((ratio - (logits[other] - logits[best])).abs() < 1e-3, "image {index}: {ratio} vs the logits");
        differs += usize::from(answers.ticket != answers.dense);
        assert_eq!(
            experiment.classify(0, &pixels).expect("classifies").ticket,
            answers.dense,
            "round 0 is the dense network"
        );
    }
    assert_eq!(differs, 10, "the ticket is another network than the dense one");
}

/// The error of a call that must fail, as the page shows it.
fn message<T>(result: ticketlab::Result<T>) -> String {
    result.map(drop).expect_err("an error").to_string()
}

#[test]
fn misuse_and_bad_images_are_errors_that_say_what_to_do() {
    let blank = vec![0.0; 784];
    let unloaded = Experiment::new(Config::from_json("{}").expect("valid"));
    assert_eq!(message(unloaded.classify(0, &blank)), "classify: load the data (load_idx) first");
    assert_eq!(message(unloaded.test_image(0)), "test_image: load the data (load_idx) first");

    let mut experiment = loaded(r#""iterations": 4, "eval_every": 2, "rounds": 1"#, Share::All);
    assert_eq!(
        message(experiment.classify(0, &blank)),
        "classify: the ticket's round 0 has not finished training (none has yet)"
    );
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(message(experiment.classify(2, &blank)), "classify: round 2 is beyond the run's 1 rounds");
    assert_eq!(
        message(experiment.classify(1, &[0.5; 28])),
        "classify: expected 784 pixels (a 28×28 image, row by row), got 28"
    );
    let mut bright = blank.clone();
    bright[30] = 255.0;
    assert_eq!(
        message(experiment.classify(1, &bright)),
        "classify: pixel 30 (row 1, column 2) is 255; pixels run from 0 (background) to 1 (ink)"
    );
    bright[30] = f32::NAN;
    assert!(message(experiment.classify(1, &bright)).contains("pixel 30 (row 1, column 2) is NaN"));
    assert_eq!(
        message(experiment.test_image(100)),
        "test_image: there is no test image 100; the test set's images are numbered 0 to 99"
    );

    let json = r#"{"validation_size": 100, "iterations": 4, "eval_every": 2, "rounds": 1}"#;
    let mut controls = Experiment::with_share(Config::from_json(json).expect("valid settings"), Share::Controls);
    controls.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, TEST_IMAGES))).expect("valid synthetic data");
    assert!(message(controls.classify(0, &blank)).contains("the ticket share has the ticket's rounds"));
}
