//! Training-step throughput of the config's model (LeNet-300-100 by default, or LeNet-5) on MNIST
//! at the levels of the pruning ladder, with the dense kernels, the sparse kernels, or the
//! automatic choice; and evaluation throughput. Shared by `lth bench` and the page's benchmark,
//! so both measure the same thing; the caller supplies the clock.

use serde::Serialize;

use crate::clock::Clock;
use crate::config::Config;
use crate::data::{BatchOrder, Mnist};
use crate::error::{Error, Result};
use crate::nn::dense::SPARSE_BELOW;
use crate::nn::Model;
use crate::prune::{prune_by_magnitude, Mask};
use crate::rng::{Rng, Stream};
use crate::train::Trainer;

/// The paper's ladder points used in the benchmark: 100, 51.3, 21.1, 6.95 and 3.6% remaining.
pub const LEVELS: [usize; 5] = [0, 3, 7, 12, 15];

/// Passes over the validation set per evaluation measurement (5,000 images each by default).
pub const EVALUATION_PASSES: usize = 10;

/// The levels of the paper's schedule to 3.6% (rounds 0 to 15), for `Measure::Schedule`.
pub const SCHEDULE_LEVELS: [usize; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

/// What a benchmark run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// The training step at every level of `LEVELS` with every choice of kernels, and evaluation.
    Ladder,
    /// The training step of the dense network only, with the kernels training uses: quick, for
    /// comparing models (scripts/bench runs it for LeNet-5).
    Dense,
    /// Where a run's time goes: at every level of `SCHEDULE_LEVELS`, one evaluation interval
    /// (`eval_every` training steps, then the validation and test sets scored), with the kernels
    /// training uses; and from those, what the paper's schedule takes.
    Schedule,
}

impl Measure {
    pub const ALL: [Measure; 3] = [Measure::Ladder, Measure::Dense, Measure::Schedule];

    /// "ladder" or "dense".
    pub fn from_name(name: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Measure::Ladder => "ladder",
            Measure::Dense => "dense",
            Measure::Schedule => "schedule",
        }
    }

    /// The ladder levels whose training step is timed.
    pub fn levels(self) -> &'static [usize] {
        match self {
            Measure::Ladder => &LEVELS,
            Measure::Dense => &LEVELS[..1],
            Measure::Schedule => &SCHEDULE_LEVELS,
        }
    }

    /// The kernel choices each level is timed with.
    pub fn kernels(self) -> &'static [Kernels] {
        match self {
            Measure::Ladder => &Kernels::ALL,
            Measure::Dense | Measure::Schedule => &[Kernels::Auto],
        }
    }

    pub fn times_evaluation(self) -> bool {
        self == Measure::Ladder
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kernels {
    Dense,
    Sparse,
    /// What training uses: sparse below `SPARSE_BELOW` density.
    Auto,
}

impl Kernels {
    pub const ALL: [Kernels; 3] = [Kernels::Dense, Kernels::Sparse, Kernels::Auto];

    /// "dense", "sparse" or "auto".
    pub fn from_name(name: &str) -> Result<Kernels> {
        Kernels::ALL.into_iter().find(|k| k.name() == name).ok_or_else(|| {
            Error::config("kernels", format!("\"{name}\" is not one of \"dense\", \"sparse\", \"auto\""))
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Kernels::Dense => "dense",
            Kernels::Sparse => "sparse",
            Kernels::Auto => "auto",
        }
    }

    fn sparse_below(self) -> f64 {
        match self {
            Kernels::Dense => 0.0,
            Kernels::Sparse => 1.01,
            Kernels::Auto => SPARSE_BELOW,
        }
    }
}

/// The mask of `level` for the model's initial weights: each layer magnitude-pruned straight to
/// the ladder's count (20% a round in hidden layers, 10% in the output layer).
pub fn ladder_mask(config: &Config, model: &Model, level: usize) -> Mask {
    let dense = Mask::dense(&model.layout);
    prune_by_magnitude(&dense, &model.params, &config.prune_counts(&dense, level))
}

/// Percent of the prunable weights that remain at `level` of the ladder.
pub fn percent_remaining(config: &Config, level: usize) -> f64 {
    let layers = config.model_spec().weight_layers();
    let total: usize = layers.iter().map(|l| l.size).sum();
    let kept: usize =
        layers.iter().map(|l| crate::prune::kept_after(l.size, config.layer_prune_rate(l.kind), level)).sum();
    100.0 * kept as f64 / total as f64
}

/// Examples per second over `iterations` training steps (after one untimed warm-up step) of the
/// network pruned to `level`, with the given kernels.
pub fn training_throughput(
    config: &Config,
    data: &Mnist,
    level: usize,
    kernels: Kernels,
    iterations: usize,
    clock: &dyn Clock,
) -> f64 {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
    let mask = ladder_mask(config, &model, level);
    let mut trainer = Trainer::with_sparse_below(config, model, mask, data.train.len(), kernels.sparse_below());
    trainer.train_step(&data.train);
    let start = clock.now_millis();
    for _ in 0..iterations {
        trainer.train_step(&data.train);
    }
    let millis = clock.now_millis() - start;
    (iterations * config.batch_size) as f64 * 1000.0 / millis.max(1e-9)
}

/// Independent accumulators the peak probe updates: 12 vectors of 4, enough to cover a multiply's
/// and an add's latency, few enough to stay in the 16 vector registers with the two constants.
const PEAK_LANES: usize = 48;

/// The peak probe's updates of every lane: about a tenth of a second.
pub const PEAK_ROUNDS: usize = 5_000_000;

/// This core's peak rate of f32 multiply-adds per second as the kernels can issue them: 128-bit
/// vectors (simd128 in the page, SSE2 natively), a multiply then an add (neither build has a fused
/// multiply-add, whose other rounding would change the numbers), over enough independent
/// accumulators that only the core's throughput limits them. The training step's multiply-adds
/// per second are measured against it (`share_of_peak`). Runs `rounds` updates of every lane.
pub fn peak_multiply_adds_per_second(rounds: usize, clock: &dyn Clock) -> f64 {
    let mut lanes = [0.0f32; PEAK_LANES];
    let (scale, offset) = (std::hint::black_box(0.999_f32), std::hint::black_box(0.001_f32));
    let start = clock.now_millis();
    for _ in 0..rounds {
        for lane in lanes.iter_mut() {
            *lane = *lane * scale + offset;
        }
    }
    let millis = clock.now_millis() - start;
    std::hint::black_box(lanes);
    (rounds * PEAK_LANES) as f64 * 1000.0 / millis.max(1e-9)
}

/// The share of `peak` (multiply-adds per second) that training at `images_per_second` uses,
/// counting the multiply-adds of a dense network's step (`Footprint::training_multiply_adds`:
/// zeros the kernels skip count too, so a share above 1 is possible).
pub fn share_of_peak(config: &Config, images_per_second: f64, peak: f64) -> f64 {
    config.model_spec().footprint().training_multiply_adds() as f64 * images_per_second / peak
}

/// The training-set indices of the first `batches` batches of the seed's order, one batch after
/// another: the batches `training_throughput` trains on (its warm-up step first), so that another
/// library can be timed on exactly the same ones.
pub fn batch_indices(config: &Config, data: &Mnist, batches: usize) -> Vec<u32> {
    let mut order = BatchOrder::new(data.train.len(), config.batch_size, config.seed);
    (0..batches).flat_map(|_| order.next_batch().to_vec()).collect()
}

/// Examples per second of evaluation (forward passes in chunks, as during training) of the dense
/// network over the validation set, `passes` times (after one untimed pass).
pub fn evaluation_throughput(config: &Config, data: &Mnist, passes: usize, clock: &dyn Clock) -> f64 {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
    let mask = Mask::dense(&model.layout);
    let mut trainer = Trainer::new(config, model, mask, data.train.len());
    trainer.evaluate(&data.validation);
    let start = clock.now_millis();
    let examples: usize = (0..passes).map(|_| trainer.evaluate(&data.validation).examples).sum();
    examples as f64 * 1000.0 / (clock.now_millis() - start).max(1e-9)
}

/// Seconds of one evaluation interval, as a run spends them.
pub struct Interval {
    pub training: f64,
    pub evaluation: f64,
}

/// One evaluation interval at `level` of the ladder: training (`config.eval_every` steps, after
/// one untimed warm-up step) and evaluation (the validation set and the test set, once), with the
/// kernels training uses.
pub fn interval_seconds(config: &Config, data: &Mnist, level: usize, clock: &dyn Clock) -> Interval {
    let model = Model::new(config.model_spec(), config.init(), &mut Rng::new(config.seed, Stream::WeightInit));
    let mask = ladder_mask(config, &model, level);
    let mut trainer = Trainer::new(config, model, mask, data.train.len());
    trainer.train_step(&data.train);
    let start = clock.now_millis();
    for _ in 0..config.eval_every {
        trainer.train_step(&data.train);
    }
    let trained = clock.now_millis();
    trainer.evaluate(&data.validation);
    trainer.evaluate(&data.test);
    let evaluated = clock.now_millis();
    Interval { training: (trained - start) / 1000.0, evaluation: (evaluated - trained) / 1000.0 }
}

/// When a run of one trial on `workers` workers ends, given each round's seconds (`rounds[level]`,
/// the same for the ticket and every control at a level) and its number of controls: the ticket's
/// rounds one after another on the first worker; a control's round at level k ≥ 1 can start once
/// the ticket's round k − 1 has ended (its mask is known), on the control's worker (controls dealt
/// over the other workers as the page and lth deal them; with one worker, all in the run's order).
pub fn planned_seconds(rounds: &[f64], controls: usize, workers: usize) -> f64 {
    let groups = controls.min(workers.saturating_sub(1));
    if groups == 0 {
        return rounds[0] + rounds[1..].iter().map(|seconds| seconds * (1 + controls) as f64).sum::<f64>();
    }
    let mut ticket_done = vec![rounds[0]];
    for &seconds in &rounds[1..] {
        ticket_done.push(ticket_done.last().expect("level 0") + seconds);
    }
    let mut free = vec![0.0f64; groups];
    for level in 1..rounds.len() {
        for control in 0..controls {
            let worker = &mut free[control % groups];
            *worker = worker.max(ticket_done[level - 1]) + rounds[level];
        }
    }
    free.into_iter().fold(*ticket_done.last().expect("level 0"), f64::max)
}
