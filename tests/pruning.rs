//! Iterative magnitude pruning (IMP), its controls, and the invariants of a faithful reproduction
//! of Frankle & Carbin (2019), in the style of open_lth's tests:
//!
//! - the pruning ladder: LeNet-300-100's per-layer counts and the percent remaining per round;
//! - `prune_by_magnitude` as a pure function: exact counts, masks only shrink, survivors outweigh
//!   what was pruned (layer by layer, or across layers for global pruning), ties deterministic;
//! - `random_mask_like`: per-layer counts kept, a different mask, seeded;
//! - through the Experiment on synthetic digits: each level's mask, what each segment starts from
//!   under each reset rule, that pruned weights stay 0 and every survivor trains, the two controls,
//!   one-shot and global pruning, determinism and independence from step slicing;
//! - settings that cannot work are refused before any work, naming the field.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use std::cell::Cell;

use common::FrozenClock;
use ticketlab::config::{Control, PruneSchedule, PruneScope, Reset};
use ticketlab::experiment::{Branch, Clock, RoundResult};
use ticketlab::nn::init::Init;
use ticketlab::nn::{Model, ModelSpec};
use ticketlab::prune::magnitude::{prune_by_magnitude, PruneCounts};
use ticketlab::prune::{kept_after, pruned_count, random_mask_like, Mask};
use ticketlab::rng::{Rng, Stream};
use ticketlab::{Config, Error, Event, Experiment, Status};

/// LeNet-300-100's weight tensors: name, size, fan in, fan out, and the paper's per-round pruning
/// rate (20% in the hidden layers, 10% in the output layer).
const LENET: [(&str, usize, usize, usize, f64); 3] = [
    ("fc1.weight", 235_200, 784, 300, 0.2),
    ("fc2.weight", 30_000, 300, 100, 0.2),
    ("fc3.weight", 1_000, 100, 10, 0.1),
];
const LENET_WEIGHTS: usize = 266_200;

/// Per-layer kept counts of the paper's layer-wise ladder after `level` rounds.
fn ladder(level: usize) -> Vec<usize> {
    LENET.iter().map(|&(_, size, _, _, rate)| kept_after(size, rate, level)).collect()
}

fn kept_per_layer(mask: &Mask) -> Vec<usize> {
    mask.layers.iter().map(|layer| layer.kept()).collect()
}

fn lenet(seed: u64) -> Model {
    Model::new(
        ModelSpec::from_name("lenet-300-100").expect("known model"),
        Init::GlorotNormal,
        &mut Rng::new(seed, Stream::Scratch),
    )
}

/// For each layer: the smallest |w| among the weights `after` keeps, and the largest |w| among
/// the weights `before` kept that `after` prunes (None when there are none).
fn survivor_floor_and_pruned_ceiling(before: &Mask, after: &Mask, weights: &[f32]) -> Vec<(Option<f32>, Option<f32>)> {
    before
        .layers
        .iter()
        .zip(&after.layers)
        .map(|(was, now)| {
            let (mut floor, mut ceiling): (Option<f32>, Option<f32>) = (None, None);
            for (index, (&kept_before, &kept_now)) in was.keep.iter().zip(&now.keep).enumerate() {
                let magnitude = weights[was.offset + index].abs();
                if kept_now {
                    floor = Some(floor.map_or(magnitude, |f| f.min(magnitude)));
                } else if kept_before {
                    ceiling = Some(ceiling.map_or(magnitude, |c| c.max(magnitude)));
                }
            }
            (floor, ceiling)
        })
        .collect()
}

/// Every weight that `after` keeps is at least as large in magnitude as every weight that
/// `before` kept and `after` prunes: within each layer, or (global) across all layers.
fn assert_survivors_outweigh_pruned(before: &Mask, after: &Mask, weights: &[f32], global: bool, what: &str) {
    assert!(after.is_within(before), "{what}: a pruned weight came back");
    let per_layer = survivor_floor_and_pruned_ceiling(before, after, weights);
    let mut pairs = per_layer.clone();
    if global {
        let floor = per_layer.iter().filter_map(|p| p.0).reduce(f32::min);
        let ceiling = per_layer.iter().filter_map(|p| p.1).reduce(f32::max);
        pairs = vec![(floor, ceiling)];
    }
    assert!(per_layer.iter().any(|p| p.1.is_some()), "{what}: nothing was pruned");
    for (index, (floor, ceiling)) in pairs.iter().enumerate() {
        if let (Some(floor), Some(ceiling)) = (floor, ceiling) {
            assert!(
                floor >= ceiling,
                "{what}, {}: a survivor |w| = {floor} is below a pruned |w| = {ceiling}",
                if global { "all layers".to_string() } else { before.layers[index].name.clone() }
            );
        }
    }
}

/// `start` is `source` under `mask`: every surviving weight equal bit for bit, every pruned weight
/// exactly 0, every bias (never pruned) equal bit for bit.
fn assert_masked_copy(start: &[f32], source: &[f32], mask: &Mask, what: &str) {
    assert_eq!(start.len(), source.len());
    let mut is_weight = vec![false; start.len()];
    for layer in &mask.layers {
        for (index, &keep) in layer.keep.iter().enumerate() {
            let at = layer.offset + index;
            is_weight[at] = true;
            if keep {
                assert!(
                    start[at].to_bits() == source[at].to_bits(),
                    "{what}: {}[{index}] starts at {} instead of {}",
                    layer.name,
                    start[at],
                    source[at]
                );
            } else {
                assert!(start[at] == 0.0, "{what}: pruned {}[{index}] is {}, not 0", layer.name, start[at]);
            }
        }
    }
    let biases = (0..start.len()).filter(|&i| !is_weight[i]).collect::<Vec<_>>();
    assert_eq!(biases.len(), 300 + 100 + 10);
    for i in biases {
        assert!(
            start[i].to_bits() == source[i].to_bits(),
            "{what}: bias at {i} is {} instead of {}",
            start[i],
            source[i]
        );
    }
}

// ------------------------------------------------------------------------------------------------
// The ladder.

#[test]
fn the_ladder_gives_the_papers_lenet_counts_and_percentages() {
    // Frankle & Carbin, Figure 3 and §2: LeNet-300-100 pruned 20% per round (10% at the output).
    let expected = [(0, "100"), (3, "51.3"), (7, "21.1"), (9, "13.5"), (12, "6.95"), (15, "3.6"), (18, "1.85")];
    for (round, printed) in expected {
        let kept: usize = ladder(round).iter().sum();
        let percent = 100.0 * kept as f64 / LENET_WEIGHTS as f64;
        let decimals = printed.split('.').nth(1).map_or(0, str::len);
        assert_eq!(format!("{percent:.decimals$}"), printed, "round {round}: {kept} weights, {percent}%");
    }
    assert_eq!(ladder(15), [8_275, 1_056, 206], "the paper's counts after 15 rounds");
    assert_eq!(ladder(0), [235_200, 30_000, 1_000]);

    // One round removes pruned_count of what remains; kept_after chains it.
    for &(_, size, _, _, rate) in &LENET {
        let mut remaining = size;
        for round in 1..=20 {
            remaining -= pruned_count(remaining, rate);
            assert_eq!(kept_after(size, rate, round), remaining);
            assert!(kept_after(size, rate, round) <= kept_after(size, rate, round - 1));
        }
    }
    assert_eq!(pruned_count(5, 0.1), 1, "0.5 rounds half away from zero");
    assert_eq!(pruned_count(1, 0.9), 1);
    assert_eq!(pruned_count(0, 0.2), 0);
}

/// The percentage of LeNet-300-100's weights the paper's layer-wise ladder keeps after `rounds`.
fn ladder_percent(rounds: usize) -> f64 {
    100.0 * ladder(rounds).iter().sum::<usize>() as f64 / LENET_WEIGHTS as f64
}

#[test]
fn a_target_resolves_to_the_fewest_rounds_whose_ticket_keeps_at_most_that_share() {
    // The paper's percentages are rounded: round 15 keeps 3.58%, so 3.6 and 3.59 take 15 rounds
    // and 3.5 takes 16; round 9 keeps 13.52%, so 13.5 takes 10.
    let cases =
        [(51.3, 3), (21.1, 7), (13.52, 9), (13.5, 10), (6.96, 12), (3.6, 15), (3.59, 15), (3.5, 16), (1.86, 18)];
    for (target, rounds) in cases {
        let config = Config::from_json(&format!(r#"{{"target_remaining": {target}}}"#)).expect("reachable");
        assert_eq!((config.rounds, config.target_remaining), (rounds, Some(target)), "target {target}");
        assert!(ladder_percent(rounds) <= target, "target {target}: round {rounds} keeps {}%", ladder_percent(rounds));
        assert!(
            ladder_percent(rounds - 1) > target,
            "target {target}: round {} already keeps {}%",
            rounds - 1,
            ladder_percent(rounds - 1)
        );
        // One-shot pruning prunes each level to the same counts: the same rounds.
        let one_shot = Config::from_json(&format!(r#"{{"target_remaining": {target}, "prune_schedule": "one_shot"}}"#));
        assert_eq!(one_shot.expect("reachable").rounds, rounds);
    }
    // Exactly on a round's share: that round (kept / total <= target, not <).
    let exact = 100.0 * kept_after(LENET_WEIGHTS, 0.2, 4) as f64 / LENET_WEIGHTS as f64;
    let global = |target: f64| {
        Config::from_json(&format!(r#"{{"target_remaining": {target}, "prune_scope": "global"}}"#)).expect("reachable")
    };
    assert_eq!(global(exact).rounds, 4, "{exact}%");
    // Global pruning: one ladder over all 266,200 weights at prune_rate (20%), which falls
    // faster than the layer-wise one (whose output layer loses only 10%).
    assert_eq!(global(3.6).rounds, 15);
    assert_eq!(global(50.0).rounds, 4, "0.8^3 = 51.2% > 50%, 0.8^4 = 41.0%");
    assert_eq!(global(1.0).rounds, 21, "0.8^20 = 1.15%, 0.8^21 = 0.92%");
    // The model and its rates decide: LeNet-5's convolutions lose 10% a round.
    let lenet5 = Config::from_json(r#"{"model": "lenet-5", "target_remaining": 50}"#).expect("reachable");
    let lenet5_percent = |rounds: usize| {
        let layers = lenet5.model_spec().weight_layers();
        let total: usize = layers.iter().map(|l| l.size).sum();
        let kept: usize = layers.iter().map(|l| kept_after(l.size, lenet5.layer_prune_rate(l.kind), rounds)).sum();
        100.0 * kept as f64 / total as f64
    };
    assert!(lenet5_percent(lenet5.rounds) <= 50.0 && lenet5_percent(lenet5.rounds - 1) > 50.0);
}

// ------------------------------------------------------------------------------------------------
// Magnitude pruning as a pure function.

#[test]
fn layer_wise_magnitude_pruning_removes_exactly_the_smallest_survivors_of_each_layer() {
    let model = lenet(11);
    let dense = Mask::dense(&model.layout);
    assert_eq!(kept_per_layer(&dense), ladder(0));
    assert_eq!(
        dense.layers.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["fc1.weight", "fc2.weight", "fc3.weight"]
    );

    let mut weights = model.params.clone();
    let mut noise = Rng::new(12, Stream::Scratch);
    let mut mask = dense.clone();
    for round in 1..=6 {
        let counts: Vec<usize> =
            mask.layers.iter().zip(&LENET).map(|(layer, l)| pruned_count(layer.kept(), l.4)).collect();
        let next = prune_by_magnitude(&mask, &weights, &PruneCounts::PerLayer(counts.clone()));
        let what = format!("round {round}");
        assert_eq!(kept_per_layer(&next), ladder(round), "{what}: counts");
        for (before, after) in mask.layers.iter().zip(&next.layers) {
            assert_eq!((&after.name, after.offset, after.size()), (&before.name, before.offset, before.size()));
        }
        assert_survivors_outweigh_pruned(&mask, &next, &weights, false, &what);
        assert_eq!(
            prune_by_magnitude(&mask, &weights, &PruneCounts::PerLayer(counts)),
            next,
            "{what}: not deterministic"
        );
        mask = next;

        // "Train": every weight moves; pruned positions get huge values, which the next round
        // must neither count nor bring back (is_within above).
        for layer in &mask.layers {
            for (index, &keep) in layer.keep.iter().enumerate() {
                let w = &mut weights[layer.offset + index];
                *w = if keep { *w + 0.02 * noise.standard_normal() as f32 } else { 1e3 * w.signum() };
            }
        }
    }
    // Pruning nothing changes nothing.
    assert_eq!(prune_by_magnitude(&mask, &weights, &PruneCounts::PerLayer(vec![0, 0, 0])), mask);
}

#[test]
fn global_magnitude_pruning_ranks_all_layers_together() {
    let model = lenet(13);
    let mut mask = Mask::dense(&model.layout);
    for round in 1..=5 {
        let count = pruned_count(mask.kept(), 0.2);
        let next = prune_by_magnitude(&mask, &model.params, &PruneCounts::Total(count));
        assert_eq!(next.kept(), kept_after(LENET_WEIGHTS, 0.2, round), "round {round}");
        assert_survivors_outweigh_pruned(&mask, &next, &model.params, true, &format!("global round {round}"));
        mask = next;
    }
    // Glorot's spread is widest in the small output layer, narrowest in fc1: a global ranking
    // prunes fc1 hardest, unlike layer-wise pruning.
    let density: Vec<f64> = mask.layers.iter().map(|l| l.kept() as f64 / l.size() as f64).collect();
    assert!(density[0] < density[1] && density[1] < density[2], "densities {density:?}");
}

#[test]
fn ties_are_broken_by_position_and_counts_stay_exact() {
    let model = lenet(14);
    let dense = Mask::dense(&model.layout);
    // Only four magnitudes, both signs: almost every weight ties with thousands of others.
    let mut rng = Rng::new(15, Stream::Scratch);
    let mut weights = model.params.clone();
    for layer in &dense.layers {
        for w in &mut weights[layer.offset..layer.offset + layer.size()] {
            let magnitude = (1 + rng.below(4)) as f32 * 0.25;
            *w = if rng.below(2) == 0 { magnitude } else { -magnitude };
        }
    }
    let mut mask = dense.clone();
    for round in 1..=4 {
        let counts: Vec<usize> =
            mask.layers.iter().zip(&LENET).map(|(layer, l)| pruned_count(layer.kept(), l.4)).collect();
        let next = prune_by_magnitude(&mask, &weights, &PruneCounts::PerLayer(counts.clone()));
        assert_eq!(kept_per_layer(&next), ladder(round), "round {round} with ties");
        assert_survivors_outweigh_pruned(&mask, &next, &weights, false, &format!("ties, round {round}"));
        assert_eq!(prune_by_magnitude(&mask, &weights, &PruneCounts::PerLayer(counts)), next);
        // At the boundary magnitude, the earlier positions go first.
        for ((before, after), (_, ceiling)) in
            mask.layers.iter().zip(&next.layers).zip(survivor_floor_and_pruned_ceiling(&mask, &next, &weights))
        {
            let ceiling = ceiling.expect("each layer pruned something");
            let at_boundary = |index: usize| weights[before.offset + index].abs() == ceiling;
            let last_pruned = (0..before.size()).filter(|&i| before.keep[i] && !after.keep[i] && at_boundary(i)).max();
            let first_kept = (0..before.size()).filter(|&i| after.keep[i] && at_boundary(i)).min();
            if let (Some(last_pruned), Some(first_kept)) = (last_pruned, first_kept) {
                assert!(last_pruned < first_kept, "{}: tie at |w| = {ceiling} not broken by position", before.name);
            }
        }
        mask = next;
    }

    // All equal: layer-wise, the first positions of each layer go; globally, the first layers go first.
    let equal = vec![0.5f32; weights.len()];
    let layer_wise = prune_by_magnitude(&dense, &equal, &PruneCounts::PerLayer(vec![100, 10, 1]));
    for (layer, count) in layer_wise.layers.iter().zip([100, 10, 1]) {
        assert!(layer.keep[..count].iter().all(|&k| !k) && layer.keep[count..].iter().all(|&k| k), "{}", layer.name);
    }
    let global = prune_by_magnitude(&dense, &equal, &PruneCounts::Total(235_201));
    assert_eq!(kept_per_layer(&global), [0, 29_999, 1_000]);
    assert!(!global.layers[1].keep[0] && global.layers[1].keep[1]);
}

// ------------------------------------------------------------------------------------------------
// Random pruning as a pure function.

#[test]
fn random_mask_like_keeps_each_layers_count_at_seeded_random_positions() {
    let model = lenet(16);
    let dense = Mask::dense(&model.layout);
    let pruned = ladder(1).iter().zip(&LENET).map(|(kept, l)| l.1 - kept).collect();
    let ticket = prune_by_magnitude(&dense, &model.params, &PruneCounts::PerLayer(pruned));
    let level2: Vec<usize> =
        ticket.layers.iter().zip(&LENET).map(|(layer, l)| pruned_count(layer.kept(), l.4)).collect();
    let ticket = prune_by_magnitude(&ticket, &model.params, &PruneCounts::PerLayer(level2));
    assert_eq!(kept_per_layer(&ticket), ladder(2));

    let draw = |seed: u64| random_mask_like(&ticket, &mut Rng::new(seed, Stream::RandomPrune { level: 2 }));
    let random = draw(1);
    assert_eq!(kept_per_layer(&random), ladder(2), "per-layer counts kept exactly");
    for (r, t) in random.layers.iter().zip(&ticket.layers) {
        assert_eq!((&r.name, r.offset, r.size()), (&t.name, t.offset, t.size()));
        assert_ne!(r.keep, t.keep, "{}: the random mask is the ticket's", r.name);
        // Uniform positions: the share of the random survivors that the ticket also keeps is the
        // ticket's density (≈ 64% in the hidden layers), not more.
        let shared = r.keep.iter().zip(&t.keep).filter(|(&a, &b)| a && b).count() as f64 / r.kept() as f64;
        let density = t.kept() as f64 / t.size() as f64;
        let tolerance = if r.size() > 10_000 { 0.02 } else { 0.06 };
        assert!(
            (shared - density).abs() < tolerance,
            "{}: {shared} of the random survivors are the ticket's, density {density}",
            r.name
        );
    }
    assert_eq!(draw(1), random, "the same seed gives the same mask");
    assert_ne!(draw(2), random, "another seed gives another mask");
    let other_level = random_mask_like(&ticket, &mut Rng::new(1, Stream::RandomPrune { level: 3 }));
    assert_ne!(other_level, random, "each level has its own stream");
}

// ------------------------------------------------------------------------------------------------
// Through the Experiment.

/// A clock that moves 1 ms forward every time it is read. With a budget of 0 ms, each call of
/// `step` does exactly one unit of work: one training batch, one evaluation chunk, or the switch
/// from a finished segment to the next (pruning, and resetting the next segment's weights).
#[derive(Default)]
struct TickClock(Cell<f64>);

impl Clock for TickClock {
    fn now_millis(&self) -> f64 {
        self.0.set(self.0.get() + 1.0);
        self.0.get()
    }
}

fn loaded(settings: &str) -> Experiment {
    let json =
        format!(r#"{{"validation_size": 100, "batch_size": 60, "iterations": 20, "eval_every": 10, {settings}}}"#);
    let mut experiment = Experiment::from_json(&json).expect("valid settings");
    experiment.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    experiment
}

/// One segment's weights and mask at a moment of interest.
struct Snapshot {
    branch: Branch,
    level: usize,
    params: Vec<f32>,
    mask: Mask,
}

/// What a run looked like from the inside, observed unit by unit.
#[derive(Default)]
struct Trace {
    /// Every segment's weights and mask before its first batch (after its reset), in order.
    starts: Vec<Snapshot>,
    /// Every segment's weights after its last batch (taken at its final evaluation).
    ends: Vec<Snapshot>,
    /// The dense network's weights right after the batches asked for: (iteration, weights).
    dense_after: Vec<(usize, Vec<f32>)>,
    events: Vec<Event>,
    steps: usize,
}

impl Trace {
    fn start(&self, branch: Branch, level: usize) -> &Snapshot {
        self.starts.iter().find(|s| (s.branch, s.level) == (branch, level)).expect("segment started")
    }

    fn end(&self, branch: Branch, level: usize) -> &Snapshot {
        self.ends.iter().find(|s| (s.branch, s.level) == (branch, level)).expect("segment trained")
    }
}

fn snapshot(experiment: &Experiment, branch: Branch, level: usize) -> Snapshot {
    Snapshot {
        branch,
        level,
        params: experiment.params().expect("loaded").to_vec(),
        mask: experiment.current_mask().expect("loaded").clone(),
    }
}

/// Runs `experiment` to the end one unit of work per `step` (see TickClock), and records each
/// segment's starting and final weights.
///
/// A segment's start is observable because the switch to a segment is a unit of its own: the
/// step that returns a RoundDone event has recorded the finished segment, pruned, and built the
/// next segment with its reset weights, and has not yet evaluated or trained it. So right after
/// that step, `params()`/`current_mask()` are the next segment's starting point (and the running
/// segment's branch and level are those of the incomplete last round of `results()`). The first
/// segment's start is the state right after `load_idx`. A segment's end is the step with its
/// final evaluation (evaluating does not change weights).
fn trace(experiment: &mut Experiment, dense_iterations: &[usize]) -> Trace {
    let clock = TickClock::default();
    let iterations = experiment.config().iterations;
    let mut trace = Trace::default();
    trace.starts.push(snapshot(experiment, Branch::Ticket, 0));
    while experiment.status() == Status::Running {
        let events = experiment.step(0.0, &clock).expect("steps");
        trace.steps += 1;
        for event in &events {
            match event {
                Event::Progress { branch: Branch::Ticket, level: 0, iteration, .. }
                    if dense_iterations.contains(iteration) =>
                {
                    trace.dense_after.push((*iteration, experiment.params().expect("loaded").to_vec()));
                }
                Event::Evaluation { branch, level, evaluation } if evaluation.iteration == iterations => {
                    trace.ends.push(snapshot(experiment, *branch, *level));
                }
                Event::RoundDone(_) if experiment.status() == Status::Running => {
                    let next = experiment.results().rounds.last().cloned().expect("a running segment");
                    assert!(!next.complete && next.iterations_completed == 0 && next.evaluations.is_empty());
                    trace.starts.push(snapshot(experiment, next.branch, next.level));
                }
                _ => {}
            }
        }
        let training = events.iter().filter(|e| matches!(e, Event::Progress { .. })).count();
        assert!(training <= 1);
        trace.events.extend(events);
    }
    assert_eq!(experiment.status(), Status::Done, "error: {:?}", experiment.results().error);
    trace
}

fn branch_levels(results: &[RoundResult]) -> Vec<(Branch, usize)> {
    results.iter().map(|r| (r.branch, r.level)).collect()
}

#[test]
fn each_level_keeps_the_ladders_counts_and_is_pruned_from_the_previous_trained_ticket() {
    let mut experiment = loaded(r#""seed": 1, "rounds": 3"#);
    assert_eq!(experiment.segments(), 4);
    let trace = trace(&mut experiment, &[]);
    let results = experiment.results();
    assert_eq!(
        branch_levels(&results.rounds),
        [(Branch::Ticket, 0), (Branch::Ticket, 1), (Branch::Ticket, 2), (Branch::Ticket, 3)]
    );
    assert!(experiment.ticket_mask(4).is_none(), "no level beyond the rounds");

    for level in 0..=3 {
        let mask = experiment.ticket_mask(level).expect("level reached");
        assert_eq!(kept_per_layer(mask), ladder(level), "level {level}");
        let round = &results.rounds[level];
        assert!(round.complete);
        let counts: Vec<(&str, usize, usize)> =
            round.weights.iter().map(|c| (c.name.as_str(), c.kept, c.size)).collect();
        let expected: Vec<(&str, usize, usize)> =
            LENET.iter().zip(ladder(level)).map(|(l, kept)| (l.0, kept, l.1)).collect();
        assert_eq!(counts, expected, "level {level}: the round reports its weights");
        assert_eq!(round.weights_remaining, ladder(level).iter().sum::<usize>());
        assert_eq!(round.percent_remaining, 100.0 * round.weights_remaining as f64 / LENET_WEIGHTS as f64);
        assert_eq!(&trace.start(Branch::Ticket, level).mask, mask, "level {level} trains under its mask");
        if level > 0 {
            let previous = experiment.ticket_mask(level - 1).expect("reached");
            assert!(mask.is_within(previous), "level {level}: masks only shrink");
            // Iterative pruning ranks the weights of the previous level's trained ticket.
            let trained = &trace.end(Branch::Ticket, level - 1).params;
            assert_survivors_outweigh_pruned(previous, mask, trained, false, &format!("level {level}"));
        }
    }
    let round_done = trace.events.iter().filter(|e| matches!(e, Event::RoundDone(_))).count();
    assert_eq!(round_done, 4);
    assert!(matches!(trace.events.last(), Some(Event::Done { .. })));
}

#[test]
fn reset_init_starts_every_ticket_from_theta0() {
    let mut experiment = loaded(r#""seed": 2, "rounds": 2, "reset": "init""#);
    let theta0 = experiment.initial_params().expect("loaded").to_vec();
    assert!(experiment.params().expect("loaded") == &theta0[..], "the dense network starts at θ0");
    let trace = trace(&mut experiment, &[]);
    assert_eq!(trace.starts.len(), 3);
    for level in 0..=2 {
        let start = trace.start(Branch::Ticket, level);
        let mask = experiment.ticket_mask(level).expect("reached");
        assert_masked_copy(&start.params, &theta0, mask, &format!("ticket at level {level}"));
    }
    // And the reset was needed: the trained weights had moved away from θ0.
    let trained = &trace.end(Branch::Ticket, 0).params;
    assert!(trained.iter().zip(&theta0).filter(|(a, b)| a != b).count() > LENET_WEIGHTS / 2);
    assert_eq!(experiment.initial_params().expect("kept"), &theta0[..], "θ0 is never overwritten");
}

#[test]
fn reset_rewind_starts_every_ticket_from_the_dense_weights_at_the_rewind_step() {
    const K: usize = 5;
    let mut experiment = loaded(&format!(r#""seed": 3, "rounds": 2, "reset": "rewind", "rewind_step": {K}"#));
    let theta0 = experiment.initial_params().expect("loaded").to_vec();
    let trace = trace(&mut experiment, &[K]);
    assert_eq!(trace.dense_after.len(), 1, "one capture after batch {K}");
    let theta_k = &trace.dense_after[0].1;
    assert!(theta_k.iter().zip(&theta0).filter(|(a, b)| a != b).count() > LENET_WEIGHTS / 2, "θ{K} is not θ0");

    assert_masked_copy(
        &trace.start(Branch::Ticket, 0).params,
        &theta0,
        experiment.ticket_mask(0).unwrap(),
        "dense network",
    );
    for level in 1..=2 {
        let start = trace.start(Branch::Ticket, level);
        assert_masked_copy(
            &start.params,
            theta_k,
            experiment.ticket_mask(level).unwrap(),
            &format!("ticket at level {level}"),
        );
    }

    // Rewinding to iteration 0 is resetting to θ0.
    let record = |settings: &str| {
        let mut experiment = loaded(settings);
        experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
        (comparable(&experiment.results().rounds), experiment.params().expect("trained").to_vec())
    };
    let rewind0 = record(r#""seed": 3, "rounds": 1, "reset": "rewind", "rewind_step": 0"#);
    let init = record(r#""seed": 3, "rounds": 1, "reset": "init""#);
    assert!(rewind0 == init, "rewind_step 0 differs from reset init");
}

#[test]
fn reset_continue_starts_each_ticket_from_the_previous_tickets_trained_weights() {
    let mut experiment = loaded(r#""seed": 4, "rounds": 2, "reset": "continue""#);
    let trace = trace(&mut experiment, &[]);
    for level in 1..=2 {
        let previous = &trace.end(Branch::Ticket, level - 1).params;
        let start = trace.start(Branch::Ticket, level);
        assert_masked_copy(
            &start.params,
            previous,
            experiment.ticket_mask(level).unwrap(),
            &format!("ticket at level {level}"),
        );
    }
}

/// IDX files of sparse random images: each has 100 of its 784 pixels lit (at random positions and
/// intensities) and a random label. Unlike `common::synthetic_mnist`'s dense all-positive digits,
/// on which 3-15% of the hidden units of a Glorot-initialised LeNet never fire on any training
/// image (dead ReLUs, whose weights get no gradient and never move, pruned or not), here every
/// unit fires on a good share of the images and every pixel is lit in dozens of them: every
/// weight gets gradients, so a weight that never moves can only have been frozen by its mask.
fn sparse_random_images(train_examples: usize, test_examples: usize) -> [Vec<u8>; 4] {
    let mut rng = Rng::new(17, Stream::Scratch);
    let mut make = |count: usize| {
        let mut images = vec![0u8; count * 784];
        for image in images.chunks_mut(784) {
            for _ in 0..100 {
                image[rng.below(784) as usize] = 64 + rng.below(192) as u8;
            }
        }
        let labels: Vec<u8> = (0..count).map(|_| rng.below(10) as u8).collect();
        (ticketlab::data::idx::encode(&[count, 28, 28], &images), ticketlab::data::idx::encode(&[count], &labels))
    };
    let (train_images, train_labels) = make(train_examples);
    let (test_images, test_labels) = make(test_examples);
    [train_images, train_labels, test_images, test_labels]
}

#[test]
fn training_keeps_pruned_weights_at_zero_and_moves_every_survivor() {
    keeps_pruned_weights_at_zero_and_moves_every_survivor(0.2);
}

#[test]
fn the_sparse_kernels_keep_pruned_weights_at_zero_and_move_every_survivor() {
    // At 80% a round the hidden layers keep 20% at level 1, below SPARSE_BELOW: they run on the
    // sparse kernels, and the optimizer updates only the survivors and biases.
    const { assert!(0.2 < ticketlab::nn::dense::SPARSE_BELOW) };
    keeps_pruned_weights_at_zero_and_moves_every_survivor(0.8);
}

fn keeps_pruned_weights_at_zero_and_moves_every_survivor(prune_rate: f64) {
    // 1,000 Adam steps on the level-1 ticket (after 1,000 on the dense network), reset to θ0.
    let json = format!(
        r#"{{"seed": 5, "validation_size": 100, "batch_size": 60, "iterations": 1000, "eval_every": 1000, "rounds": 1, "prune_rate": {prune_rate}}}"#
    );
    let mut experiment = Experiment::from_json(&json).expect("valid settings");
    experiment.load_idx(common::as_slices(&sparse_random_images(700, 100))).expect("valid data");
    let theta0 = experiment.initial_params().expect("loaded").to_vec();
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let results = experiment.results();
    assert_eq!(results.status, Status::Done, "error: {:?}", results.error);
    let last = results.rounds.last().expect("rounds");
    assert_eq!((last.branch, last.level, last.complete, last.iterations_completed), (Branch::Ticket, 1, true, 1000));

    let mask = experiment.ticket_mask(1).expect("level 1 reached");
    let expected: Vec<usize> = mask
        .layers
        .iter()
        .enumerate()
        .map(|(index, layer)| kept_after(layer.size(), if index == 2 { 0.1 } else { prune_rate }, 1))
        .collect();
    assert_eq!(kept_per_layer(mask), expected);
    assert_eq!(experiment.current_mask(), Some(mask), "the last segment is the level-1 ticket");
    let trained = experiment.params().expect("trained");
    for layer in &mask.layers {
        let (mut negative, mut positive, mut pruned) = (0, 0, 0);
        let (mut negative_unmoved, mut positive_unmoved) = (0, 0);
        for (index, &keep) in layer.keep.iter().enumerate() {
            let (start, end) = (theta0[layer.offset + index], trained[layer.offset + index]);
            if !keep {
                assert!(end == 0.0, "pruned {}[{index}] is {end} after training", layer.name);
                pruned += 1;
                continue;
            }
            let unmoved = end.to_bits() == start.to_bits();
            if start < 0.0 {
                negative += 1;
                negative_unmoved += unmoved as usize;
            } else {
                positive += 1;
                positive_unmoved += unmoved as usize;
            }
        }
        assert_eq!(pruned, layer.size() - layer.kept());
        assert!(negative > 0 && positive > 0, "{}: {negative} negative and {positive} positive survivors", layer.name);
        assert_eq!(
            (negative_unmoved, positive_unmoved),
            (0, 0),
            "{}: survivors that never trained, of {negative} negative and {positive} positive",
            layer.name
        );
    }
}

#[test]
fn random_reinit_keeps_the_tickets_mask_with_fresh_glorot_weights() {
    let mut experiment = loaded(r#""seed": 6, "rounds": 2, "controls": ["random_reinit"]"#);
    assert_eq!(experiment.segments(), 5);
    let theta0 = experiment.initial_params().expect("loaded").to_vec();
    let trace = trace(&mut experiment, &[]);
    let results = experiment.results();
    assert_eq!(
        branch_levels(&results.rounds),
        [
            (Branch::Ticket, 0),
            (Branch::Ticket, 1),
            (Branch::RandomReinit, 1),
            (Branch::Ticket, 2),
            (Branch::RandomReinit, 2)
        ]
    );

    for level in 1..=2 {
        let start = trace.start(Branch::RandomReinit, level);
        let mask = experiment.ticket_mask(level).expect("reached");
        assert_eq!(&start.mask, mask, "level {level}: the control trains the ticket's mask");
        for (layer, &(name, _, fan_in, fan_out, _)) in mask.layers.iter().zip(&LENET) {
            let mut survivors = Vec::new();
            for (index, &keep) in layer.keep.iter().enumerate() {
                let (value, original) = (start.params[layer.offset + index], theta0[layer.offset + index]);
                if keep {
                    assert!(value != original, "level {level}: {name}[{index}] kept its θ0 value {original}");
                    survivors.push(value as f64);
                } else {
                    assert!(value == 0.0, "level {level}: pruned {name}[{index}] is {value}");
                }
            }
            let n = survivors.len() as f64;
            let mean = survivors.iter().sum::<f64>() / n;
            let std = (survivors.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let glorot = (2.0 / (fan_in + fan_out) as f64).sqrt();
            let tolerance = if survivors.len() > 10_000 { 0.03 } else { 0.1 };
            assert!((std / glorot - 1.0).abs() < tolerance, "level {level}, {name}: std {std} vs Glorot {glorot}");
            assert!(mean.abs() < 0.1 * glorot, "level {level}, {name}: mean {mean}");
        }
        for (layer, &(name, _, _, fan_out, _)) in mask.layers.iter().zip(&LENET) {
            let biases = &start.params[layer.offset + layer.size()..][..fan_out];
            assert!(biases.iter().all(|&b| b == 0.0), "level {level}: {name}'s biases start at 0");
        }
        let round = results.rounds.iter().find(|r| (r.branch, r.level) == (Branch::RandomReinit, level)).unwrap();
        assert_eq!(round.weights, mask.counts());
    }
    // Each level draws its own weights.
    let (one, two) = (&trace.start(Branch::RandomReinit, 1).params, &trace.start(Branch::RandomReinit, 2).params);
    let both = experiment.ticket_mask(2).unwrap();
    let layer = &both.layers[0];
    let same =
        layer.keep.iter().enumerate().filter(|(i, &k)| k && one[layer.offset + i] == two[layer.offset + i]).count();
    assert_eq!(same, 0, "levels 1 and 2 share {same} reinitialised weights");
}

#[test]
fn random_prune_keeps_the_tickets_counts_in_a_random_mask_reset_to_theta0() {
    let mut experiment = loaded(r#""seed": 7, "rounds": 2, "controls": ["random_prune"]"#);
    let theta0 = experiment.initial_params().expect("loaded").to_vec();
    let trace = trace(&mut experiment, &[]);
    let results = experiment.results();
    for level in 1..=2 {
        let ticket = experiment.ticket_mask(level).expect("reached");
        let start = trace.start(Branch::RandomPrune, level);
        assert_eq!(kept_per_layer(&start.mask), kept_per_layer(ticket), "level {level}: per-layer counts");
        for (random, magnitude) in start.mask.layers.iter().zip(&ticket.layers) {
            assert_ne!(random.keep, magnitude.keep, "level {level}, {}: the random mask is the ticket's", random.name);
        }
        assert_masked_copy(&start.params, &theta0, &start.mask, &format!("random prune at level {level}"));
        let round = results.rounds.iter().find(|r| (r.branch, r.level) == (Branch::RandomPrune, level)).unwrap();
        let ticket_round = results.rounds.iter().find(|r| (r.branch, r.level) == (Branch::Ticket, level)).unwrap();
        assert_eq!(round.weights, ticket_round.weights);
        assert!(round.complete);
    }
    // The controls are side branches: the ticket's run is the same without them.
    let mut alone = loaded(r#""seed": 7, "rounds": 2"#);
    alone.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let tickets = |rounds: &[RoundResult]| {
        comparable(&rounds.iter().filter(|r| r.branch == Branch::Ticket).cloned().collect::<Vec<_>>())
    };
    assert!(tickets(&alone.results().rounds) == tickets(&results.rounds), "the controls changed the ticket");
    for level in 0..=2 {
        assert_eq!(alone.ticket_mask(level), experiment.ticket_mask(level));
    }
}

#[test]
fn one_shot_prunes_every_level_from_the_trained_dense_network() {
    let mut experiment = loaded(r#""seed": 8, "rounds": 2, "prune_schedule": "one_shot""#);
    let trace = trace(&mut experiment, &[]);
    let dense = experiment.ticket_mask(0).expect("level 0");
    let dense_trained = &trace.end(Branch::Ticket, 0).params;
    for level in 1..=2 {
        let mask = experiment.ticket_mask(level).expect("reached");
        assert_eq!(kept_per_layer(mask), ladder(level), "level {level}: the iterative ladder's counts");
        assert_survivors_outweigh_pruned(dense, mask, dense_trained, false, &format!("one-shot level {level}"));
    }
    let (one, two) = (experiment.ticket_mask(1).unwrap(), experiment.ticket_mask(2).unwrap());
    assert!(two.is_within(one), "one ranking of the dense weights: deeper levels nest");

    // Iteratively, level 1 is the same mask (both prune the trained dense network once); level 2
    // is pruned from the retrained level-1 ticket instead, so it differs.
    let mut iterative = loaded(r#""seed": 8, "rounds": 2, "prune_schedule": "iterative""#);
    iterative.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_eq!(iterative.ticket_mask(1), Some(one));
    assert_eq!(kept_per_layer(iterative.ticket_mask(2).unwrap()), kept_per_layer(two));
    assert_ne!(iterative.ticket_mask(2), Some(two));
}

#[test]
fn global_pruning_follows_the_total_ladder_and_ranks_all_layers_together() {
    let mut experiment = loaded(r#""seed": 9, "rounds": 2, "prune_scope": "global""#);
    let trace = trace(&mut experiment, &[]);
    let results = experiment.results();
    for level in 1..=2 {
        let (previous, mask) = (experiment.ticket_mask(level - 1).unwrap(), experiment.ticket_mask(level).unwrap());
        assert_eq!(mask.kept(), kept_after(LENET_WEIGHTS, 0.2, level), "level {level}");
        let trained = &trace.end(Branch::Ticket, level - 1).params;
        assert_survivors_outweigh_pruned(previous, mask, trained, true, &format!("global level {level}"));
        assert_eq!(results.rounds[level].weights_remaining, mask.kept());
    }
    // Not 20% of each layer: the output layer's wider weights survive more.
    let density: Vec<f64> =
        experiment.ticket_mask(2).unwrap().layers.iter().map(|l| l.kept() as f64 / l.size() as f64).collect();
    assert!(density[2] > density[0], "densities {density:?}");
    assert_ne!(kept_per_layer(experiment.ticket_mask(2).unwrap()), ladder(2));
}

#[test]
fn a_run_with_a_target_stops_at_the_first_round_whose_mask_keeps_at_most_that_share() {
    // Fast rates keep the runs short; each case lands between two rounds of its ladder.
    let cases = [
        // LeNet-300-100 layer-wise: 60% / 50% a round.
        (r#""prune_rate": 0.6, "prune_rate_output": 0.5, "target_remaining": 7"#, false),
        (r#""prune_rate": 0.6, "target_remaining": 20, "prune_scope": "global""#, true),
        (r#""prune_rate": 0.6, "target_remaining": 7, "prune_schedule": "one_shot""#, false),
        // A small CNN: its convolution at its own rate, then globally.
        (
            r#""model": "conv:4x3,pool,fc:16,fc:10", "prune_rate": 0.5, "prune_rate_conv": 0.3, "target_remaining": 10"#,
            false,
        ),
        (
            r#""model": "conv:4x3,pool,fc:16,fc:10", "prune_rate": 0.5, "target_remaining": 10, "prune_scope": "global""#,
            true,
        ),
    ];
    for (settings, global) in cases {
        let mut experiment = loaded(&format!(r#""seed": 3, "iterations": 4, "eval_every": 4, {settings}"#));
        experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
        let config = experiment.config().clone();
        let target = config.target_remaining.expect("given");
        let results = experiment.results();
        let dense = experiment.ticket_mask(0).expect("level 0");
        let percent =
            |level: usize| 100.0 * experiment.ticket_mask(level).expect("reached").kept() as f64 / dense.size() as f64;
        let last = config.rounds;
        assert!(last >= 2, "{settings}: a case worth testing needs at least 2 rounds, got {last}");
        assert!(percent(last) <= target, "{settings}: round {last} keeps {}%", percent(last));
        assert!(percent(last - 1) > target, "{settings}: round {} keeps {}% already", last - 1, percent(last - 1));
        assert!(experiment.ticket_mask(last + 1).is_none(), "{settings}: no round after the target");
        let levels: Vec<usize> = results.branch(Branch::Ticket).map(|r| r.level).collect();
        assert_eq!(levels, (0..=last).collect::<Vec<_>>(), "{settings}");
        assert_eq!(results.rounds.last().unwrap().weights_remaining, experiment.ticket_mask(last).unwrap().kept());
        // The results record what was asked beside the rounds it took, and replay the same run.
        assert_eq!(results.config.target_remaining, Some(target));
        assert_eq!(Config::from_json(&results.config.to_json()).expect("a resolved config re-reads"), config);
        if global {
            assert_eq!(config.prune_scope, PruneScope::Global, "{settings}");
        }
    }
}

/// A round without its wall time, which depends on the machine.
fn comparable(rounds: &[RoundResult]) -> Vec<RoundResult> {
    rounds.iter().cloned().map(|round| RoundResult { seconds: 0.0, ..round }).collect()
}

fn evaluation_events(events: &[Event]) -> Vec<Event> {
    events
        .iter()
        .filter(|e| matches!(e, Event::Evaluation { .. } | Event::RoundDone(_)))
        .cloned()
        .map(|e| match e {
            Event::RoundDone(round) => Event::RoundDone(RoundResult { seconds: 0.0, ..round }),
            other => other,
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_run_however_it_is_sliced() {
    let settings = r#""seed": 10, "rounds": 2, "controls": ["random_reinit", "random_prune"]"#;
    let whole = || {
        let mut experiment = loaded(settings);
        let events = experiment.step(1000.0, &FrozenClock).expect("steps");
        assert_eq!(experiment.status(), Status::Done, "a frozen clock runs every segment in one step");
        (experiment, events)
    };
    let (first, first_events) = whole();
    let (again, again_events) = whole();
    let mut sliced = loaded(settings);
    let sliced_trace = trace(&mut sliced, &[]);
    assert!(sliced_trace.steps > 7 * 20, "cut into {} steps", sliced_trace.steps);

    let reference = comparable(&first.results().rounds);
    assert_eq!(reference.len(), 7);
    assert!(reference.iter().all(|r| r.complete && r.early_stop.is_some()));
    for (name, other, events) in [("same seed", &again, &again_events), ("unit by unit", &sliced, &sliced_trace.events)]
    {
        assert!(comparable(&other.results().rounds) == reference, "{name}: rounds differ");
        assert!(evaluation_events(events) == evaluation_events(&first_events), "{name}: events differ");
        for level in 0..=2 {
            assert_eq!(other.ticket_mask(level), first.ticket_mask(level), "{name}: level {level} mask");
        }
        let (a, b) = (other.params().unwrap(), first.params().unwrap());
        assert!(a == b, "{name}: final weights {} vs {}", common::fingerprint(a), common::fingerprint(b));
    }

    let mut other_seed = loaded(r#""seed": 11, "rounds": 2"#);
    other_seed.run_to_end(&FrozenClock, |_| {}).expect("runs");
    assert_ne!(other_seed.ticket_mask(1), first.ticket_mask(1), "another seed, another ticket");
}

// ------------------------------------------------------------------------------------------------
// Settings refused before any work.

/// Parses `json`, expects a config error naming `field`; returns the message.
fn refused(json: &str, field: &str) -> String {
    let error = Config::from_json(json).expect_err(json);
    let message = error.to_string();
    assert!(
        matches!(&error, Error::Config { field: f, .. } if f == field),
        "{json}: expected an error about \"{field}\", got: {message}"
    );
    assert!(message.contains(&format!("\"{field}\"")), "{json}: the message names \"{field}\": {message}");
    // The Experiment refuses them too, before it has any data.
    assert!(Experiment::from_json(json).is_err());
    message
}

#[test]
fn pruning_settings_that_cannot_work_are_refused_naming_the_field() {
    for rate in ["0", "1", "1.5", "-0.2"] {
        let message = refused(&format!(r#"{{"prune_rate": {rate}}}"#), "prune_rate");
        assert!(message.contains(rate), "{message}");
    }
    refused(r#"{"prune_rate_output": 1}"#, "prune_rate_output");
    refused(r#"{"prune_rate_output": 0}"#, "prune_rate_output");
    refused(r#"{"prune_rate": "fast"}"#, "prune_rate");

    let message = refused(r#"{"reset": "rewind", "iterations": 100, "rewind_step": 100}"#, "rewind_step");
    assert!(message.contains("beyond"), "{message}");
    refused(r#"{"reset": "rewind", "iterations": 100, "rewind_step": 5000}"#, "rewind_step");
    assert_eq!(
        Config::from_json(r#"{"reset": "rewind", "iterations": 100, "rewind_step": 99}"#)
            .expect("the last step is fine")
            .rewind_step,
        99
    );

    let message = refused(r#"{"prune_rate_output": 0.9, "rounds": 100}"#, "rounds");
    assert!(message.contains("fc3.weight") && message.contains("prune_rate_output"), "{message}");
    let message = refused(r#"{"prune_rate_output": 0.9, "rounds": 4}"#, "rounds");
    assert!(message.contains("fc3.weight"), "{message}");
    Config::from_json(r#"{"prune_rate_output": 0.9, "rounds": 3}"#).expect("one weight left in fc3");
    Config::from_json(r#"{"rounds": 100}"#).expect("20% rounds never empty a layer (2 weights stay)");
    refused(r#"{"prune_scope": "global", "prune_rate": 0.9, "rounds": 100}"#, "rounds");
    refused(r#"{"rounds": 101}"#, "rounds");

    refused(r#"{"prune_scope": "network"}"#, "prune_scope");
    refused(r#"{"prune_schedule": "once"}"#, "prune_schedule");
    refused(r#"{"reset": "late"}"#, "reset");

    let message = refused(r#"{"controls": ["random_reinit", "shuffle"]}"#, "controls");
    assert!(message.contains("shuffle") && message.contains("random_prune"), "{message}");
    refused(r#"{"controls": "random_reinit,shuffle"}"#, "controls");
    refused(r#"{"controls": [1]}"#, "controls");

    let both = Config::from_json(r#"{"controls": "random_reinit,random_prune"}"#).expect("a comma-separated list");
    assert_eq!(both.controls, [Control::RandomReinit, Control::RandomPrune]);
    let spaced = Config::from_json(r#"{"controls": " random_prune , random_reinit,random_prune "}"#)
        .expect("spaces and repeats");
    assert_eq!(spaced.controls, [Control::RandomPrune, Control::RandomReinit]);
    assert_eq!(Config::from_json(r#"{"controls": ""}"#).expect("none").controls, Vec::<Control>::new());
    let experiment =
        Experiment::from_json(r#"{"rounds": 3, "controls": "random_reinit,random_prune"}"#).expect("valid");
    assert_eq!(experiment.segments(), 1 + 3 * 3);

    let defaults = Config::default();
    assert_eq!(
        (
            defaults.rounds,
            defaults.prune_rate,
            defaults.prune_rate_output,
            defaults.prune_scope,
            defaults.prune_schedule,
            defaults.reset
        ),
        (0, 0.2, 0.1, PruneScope::Layer, PruneSchedule::Iterative, Reset::Init),
        "the paper's LeNet settings"
    );
}

#[test]
fn targets_that_cannot_work_are_refused_saying_why() {
    for target in ["0", "100", "-1", "250"] {
        let message = refused(&format!(r#"{{"target_remaining": {target}}}"#), "target_remaining");
        assert!(message.contains("above 0 and below 100") && message.contains(target), "{message}");
    }
    refused(r#"{"target_remaining": "3.6%"}"#, "target_remaining");

    // Both: refused, naming both and what to remove, unless they agree (a resolved config).
    let message = refused(r#"{"rounds": 12, "target_remaining": 3.6}"#, "target_remaining");
    for words in ["rounds", "target_remaining", "not both", "15 rounds", "12"] {
        assert!(message.contains(words), "{message}");
    }
    let agreeing = Config::from_json(r#"{"target_remaining": 3.6, "rounds": 15}"#).expect("as results record it");
    assert_eq!(agreeing, Config::from_json(r#"{"target_remaining": 3.6}"#).unwrap());

    // Beyond the page's 40 rounds: the rounds it would take are named (0.8^r: 0.01% at round 42).
    let message = refused(r#"{"target_remaining": 0.01, "prune_scope": "global"}"#, "target_remaining");
    assert!(message.contains("42 rounds") && message.contains("40"), "{message}");
    assert!(kept_after(LENET_WEIGHTS, 0.2, 41) * 10_000 > LENET_WEIGHTS, "41 rounds are not enough");
    Config::from_json(r#"{"target_remaining": 0.02, "prune_scope": "global"}"#).expect("39 rounds: 0.0167%");

    // A ladder that stalls: 0.01% of fewer than 5,000 weights rounds to 0 removed, so the 7,840
    // weights of a one-layer network stop at 4,999 (63.76%) after 2,841 rounds.
    let message =
        refused(r#"{"model": "fc:10", "prune_rate_output": 0.0001, "target_remaining": 50}"#, "target_remaining");
    assert!(message.contains("cannot be reached") && message.contains("63.7"), "{message}");

    // A target that empties a layer on the way: fc3 at 90% a round is empty after 4 rounds.
    let message = refused(r#"{"prune_rate_output": 0.9, "target_remaining": 30}"#, "target_remaining");
    assert!(message.contains("fc3.weight") && message.contains("prune_rate_output"), "{message}");

    // A run from a ticket prunes from the ticket's mask, not from the whole network.
    let mut dense = loaded(r#""seed": 1"#);
    dense.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let ticket = dense.ticket(0).expect("the dense network's ticket");
    let mut from_ticket = Experiment::from_json(r#"{"target_remaining": 50}"#).expect("valid");
    let error = from_ticket.import_ticket(ticket).expect_err("a target counts from the whole network");
    assert!(matches!(&error, Error::Config { field, .. } if field == "target_remaining"), "{error}");
    assert!(error.to_string().contains("rounds"), "{error}");
}

#[test]
fn lth_imp_prunes_until_the_target_and_a_later_flag_replaces_a_presets_rounds() {
    let data = common::SyntheticMnistDir::new("target-cli");
    let lth_imp = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lth"))
            .args(["imp", "--data"])
            .arg(&data.0)
            .args(["--validation-size", "100", "--batch-size", "20", "--iterations", "2", "--eval-every", "2"])
            .args(["--seed", "0", "--trials", "1", "--controls", "", "--out-dir"])
            .arg(data.0.join("out"))
            .args(args)
            .output()
            .expect("lth runs")
    };
    // The paper preset's 18 rounds give way to the target given after it: 51.28% after 3 rounds, 41.05% after 4.
    let run = lth_imp(&["--preset", "paper", "--target-remaining", "50"]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(data.0.join("out/trial-seed0.json")).unwrap()).unwrap();
    assert_eq!(
        (&results["config"]["rounds"], &results["config"]["target_remaining"]),
        (&serde_json::json!(4), &serde_json::json!(50.0))
    );
    let tickets = results["rounds"].as_array().unwrap().iter().filter(|r| r["branch"] == "ticket");
    let levels: Vec<u64> = tickets.map(|r| r["level"].as_u64().unwrap()).collect();
    assert_eq!(levels, [0, 1, 2, 3, 4]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("4 pruning rounds (to at most 50% of the weights)"));

    let both = lth_imp(&["--rounds", "3", "--target-remaining", "50"]);
    let message = String::from_utf8_lossy(&both.stderr);
    assert!(
        !both.status.success() && message.contains("--rounds and --target-remaining: give one of them"),
        "{message}"
    );
    let too_far = lth_imp(&["--target-remaining", "0.01"]);
    let message = String::from_utf8_lossy(&too_far.stderr);
    assert!(
        !too_far.status.success() && message.contains("\"target_remaining\"") && message.contains("44 rounds"),
        "{message}"
    );
}

#[test]
fn global_pruning_that_empties_a_layer_mid_run_ends_the_run_with_the_error() {
    // Whether global pruning empties a layer depends on the trained weights, so it can only be
    // found during the run: here fc1 (the smallest weights) runs out at level 10.
    let mut experiment = loaded(
        r#""seed": 0, "iterations": 5, "eval_every": 5, "prune_scope": "global", "prune_rate": 0.5, "rounds": 10"#,
    );
    let error = loop {
        match experiment.step(1000.0, &FrozenClock) {
            Ok(_) => assert_eq!(experiment.status(), Status::Running, "the run ended without reaching level 10"),
            Err(error) => break error,
        }
    };
    let message = error.to_string();
    assert!(matches!(&error, Error::Config { field, .. } if field == "rounds"), "{message}");
    assert!(message.contains("fc1.weight") && message.contains("level 10"), "{message}");

    // The run is over, with the error and every round it completed, each once.
    assert_ne!(experiment.status(), Status::Running);
    let results = experiment.results();
    assert_eq!(results.error.as_deref(), Some(message.as_str()));
    assert_eq!(branch_levels(&results.rounds), (0..10).map(|level| (Branch::Ticket, level)).collect::<Vec<_>>());
    assert!(results.rounds.iter().all(|r| r.complete));
    assert!(experiment.step(1000.0, &FrozenClock).expect("stepping an ended run is not an error").is_empty());
    experiment.stop();
    assert_eq!(experiment.results(), results, "nothing changes after the end");
}

#[test]
fn convolutions_are_pruned_at_their_own_rate() {
    // LeNet-5: conv1 150, conv2 2,400, fc1 48,000, fc2 10,080, fc3 840 weights.
    let config = Config::from_json(r#"{"model": "lenet-5", "prune_rate_conv": 0.5}"#).expect("valid");
    let model = Model::new(config.model_spec(), Init::GlorotNormal, &mut Rng::new(1, Stream::Scratch));
    let dense = Mask::dense(&model.layout);
    let names: Vec<&str> = dense.layers.iter().map(|layer| layer.name.as_str()).collect();
    assert_eq!(names, ["conv1.weight", "conv2.weight", "fc1.weight", "fc2.weight", "fc3.weight"]);
    let PruneCounts::PerLayer(counts) = config.prune_counts(&dense, 1) else { panic!("layer-wise by default") };
    // 50% of each convolution, 20% of the hidden fully connected layers, 10% of the output layer.
    assert_eq!(counts, [75, 1_200, 9_600, 2_016, 84]);
    let error =
        Config::from_json(r#"{"model": "lenet-5", "prune_rate_conv": 0.9, "rounds": 3}"#).expect_err("conv1 emptied");
    assert!(error.to_string().contains("prune_rate_conv") && error.to_string().contains("conv1.weight"), "{error}");
}

#[test]
fn global_pruning_ranks_convolution_and_fully_connected_weights_together() {
    let config = Config::from_json(r#"{"model": "lenet-5", "prune_scope": "global"}"#).expect("valid");
    let mut model = Model::new(config.model_spec(), Init::GlorotNormal, &mut Rng::new(2, Stream::Scratch));
    let dense = Mask::dense(&model.layout);
    // Make conv1's weights the largest of the network: a global ranking keeps all of them.
    let conv1 = &dense.layers[0];
    for weight in &mut model.params[conv1.offset..conv1.offset + conv1.size()] {
        *weight = 10.0 + weight.abs();
    }
    let counts = config.prune_counts(&dense, 1);
    assert_eq!(counts, PruneCounts::Total(61_470 - kept_after(61_470, 0.2, 1)));
    let pruned = prune_by_magnitude(&dense, &model.params, &counts);
    assert_eq!(pruned.kept(), kept_after(61_470, 0.2, 1));
    assert_eq!(pruned.layers[0].kept(), 150, "conv1's large weights all survive a global ranking");
    // Every survivor outweighs every pruned weight, across conv and fully connected layers.
    let params = &model.params;
    let magnitudes = |keep: bool| -> Vec<f32> {
        let mut found = Vec::new();
        for layer in &pruned.layers {
            let chosen = layer.keep.iter().enumerate().filter(|&(_, &k)| k == keep);
            found.extend(chosen.map(|(i, _)| params[layer.offset + i].abs()));
        }
        found
    };
    let smallest_kept = magnitudes(true).into_iter().fold(f32::INFINITY, f32::min);
    let largest_pruned = magnitudes(false).into_iter().fold(0.0f32, f32::max);
    assert!(smallest_kept >= largest_pruned, "{smallest_kept} kept < {largest_pruned} pruned");
}

#[test]
fn the_sparse_kernels_train_as_the_dense_ones_do_up_to_rounding_in_an_mlp_and_a_cnn() {
    use ticketlab::bench::ladder_mask;
    use ticketlab::data::Mnist;
    use ticketlab::train::Trainer;
    // Level 8 of the ladder: the fully connected layers keep 16.8% (the output 43%), below the
    // sparse crossover; LeNet-5's convolutions keep 43% and always run the (zero-skipping) gemm.
    for model in ["lenet-300-100", "lenet-5"] {
        let config =
            Config::from_json(&format!(r#"{{"model": "{model}", "validation_size": 100, "batch_size": 30}}"#)).unwrap();
        let files = common::synthetic_mnist(6, 600, 60);
        let data = Mnist::from_idx(common::as_slices(&files), config.validation_size, config.train_size).unwrap();
        let trained = |sparse_below: f64| {
            let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
            let mask = ladder_mask(&config, &model, 8);
            let mut trainer = Trainer::with_sparse_below(&config, model, mask, data.train.len(), sparse_below);
            let losses: Vec<f64> = (0..40).map(|_| trainer.train_step(&data.train).mean_loss()).collect();
            (losses, trainer.model.params.clone())
        };
        let (dense_losses, dense_params) = trained(0.0);
        let (sparse_losses, sparse_params) = trained(1.01);
        for (step, (d, s)) in dense_losses.iter().zip(&sparse_losses).enumerate() {
            assert!((d - s).abs() <= 1e-4 * d.abs().max(1.0), "{model} step {step}: loss {d} dense, {s} sparse");
        }
        let worst = dense_params.iter().zip(&sparse_params).map(|(d, s)| (d - s).abs()).fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{model}: parameters differ by up to {worst} after 40 steps");
        assert_ne!(
            dense_params,
            Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit)).params
        );
    }
}
