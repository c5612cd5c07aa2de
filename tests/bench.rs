//! The benchmark's pieces (src/bench.rs), shared by `lth bench` and the page: ladder percentages,
//! kernel and measure names, the batches a measurement trains on, and the throughput arithmetic
//! (timed by a clock that ticks a fixed amount per reading, so nothing depends on the machine's
//! speed), for LeNet-300-100 and the convolutional LeNet-5; and `lth bench --model lenet-5
//! --measure dense` on synthetic digits (its report's shape, never its speed).
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use std::cell::Cell;
use std::process::Command;

use common::{as_slices, synthetic_mnist, SyntheticMnistDir};
use ticketlab::bench::{
    batch_indices, evaluation_throughput, interval_seconds, peak_multiply_adds_per_second, percent_remaining,
    planned_seconds, share_of_peak, training_throughput, Kernels, Measure, LEVELS,
};
use ticketlab::data::{BatchOrder, Mnist};
use ticketlab::experiment::Clock;
use ticketlab::Config;

/// Each reading is one second after the previous one.
struct TickingClock(Cell<f64>);

impl Clock for TickingClock {
    fn now_millis(&self) -> f64 {
        self.0.set(self.0.get() + 1000.0);
        self.0.get()
    }
}

/// `model` on 400 synthetic training digits (100 more held out for validation), batch 20.
fn small(model: &str) -> (Config, Mnist) {
    let config =
        Config::from_json(&format!(r#"{{"model": "{model}", "validation_size": 100, "batch_size": 20}}"#)).unwrap();
    let files = synthetic_mnist(4, 500, 50);
    let data = Mnist::from_idx(as_slices(&files), config.validation_size, config.train_size).unwrap();
    (config, data)
}

#[test]
fn the_benchmark_ladder_is_the_papers() {
    let config = Config::default();
    let percents: Vec<String> =
        LEVELS.iter().map(|&level| format!("{:.2}", percent_remaining(&config, level))).collect();
    assert_eq!(percents, ["100.00", "51.28", "21.07", "6.95", "3.58"]);
}

#[test]
fn kernels_are_named_and_a_wrong_name_is_explained() {
    for kernels in Kernels::ALL {
        assert_eq!(Kernels::from_name(kernels.name()).unwrap(), kernels);
    }
    let message = Kernels::from_name("fast").unwrap_err().to_string();
    assert!(message.contains("\"fast\"") && message.contains("\"auto\""), "{message}");
}

#[test]
fn batch_indices_are_the_seeds_training_order() {
    let (config, data) = small("lenet-300-100");
    let indices = batch_indices(&config, &data, 30);
    let mut order = BatchOrder::new(data.train.len(), config.batch_size, config.seed);
    let expected: Vec<u32> = (0..30).flat_map(|_| order.next_batch().to_vec()).collect();
    assert_eq!(indices, expected);
    assert_eq!(indices.len(), 30 * config.batch_size);
    assert!(indices.iter().all(|&i| (i as usize) < data.train.len()));
}

#[test]
fn throughput_is_examples_over_the_timed_interval_for_each_model() {
    for model in ["lenet-300-100", "lenet-5"] {
        let (config, data) = small(model);
        for kernels in Kernels::ALL {
            for level in [0, 15] {
                let rate = training_throughput(&config, &data, level, kernels, 7, &TickingClock(Cell::new(0.0)));
                let expected = (7 * config.batch_size) as f64;
                assert_eq!(rate, expected, "{model}, {kernels:?} at level {level}: 7 steps in one second");
            }
        }
        let rate = evaluation_throughput(&config, &data, 3, &TickingClock(Cell::new(0.0)));
        assert_eq!(rate, 3.0 * data.validation.len() as f64, "{model}");
    }
}

#[test]
fn measures_are_named_and_dense_times_only_the_dense_network_as_training_runs_it() {
    for measure in Measure::ALL {
        assert_eq!(Measure::from_name(measure.name()), Some(measure));
    }
    assert_eq!(Measure::from_name("fast"), None);
    assert_eq!((Measure::Ladder.levels(), Measure::Ladder.kernels()), (&LEVELS[..], &Kernels::ALL[..]));
    assert_eq!((Measure::Dense.levels(), Measure::Dense.kernels()), (&[0][..], &[Kernels::Auto][..]));
    assert!(Measure::Ladder.times_evaluation() && !Measure::Dense.times_evaluation());
}

#[test]
fn lenet_5s_ladder_descends_from_the_dense_network() {
    let config = Config::from_json(r#"{"model": "lenet-5"}"#).unwrap();
    let percents: Vec<f64> = LEVELS.iter().map(|&level| percent_remaining(&config, level)).collect();
    assert_eq!(percents[0], 100.0);
    assert!(percents.windows(2).all(|pair| pair[1] < pair[0]), "{percents:?}");
}

fn lth_bench(data: &SyntheticMnistDir, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lth"))
        .args(["bench", "--data"])
        .arg(&data.0)
        .args(["--validation-size", "100", "--batch-size", "20", "--repetitions", "2", "--iterations", "3"])
        .args(args)
        .output()
        .expect("lth runs")
}

#[test]
fn lth_bench_measures_lenet_5s_dense_training_and_names_the_fix_for_an_unknown_model() {
    let data = SyntheticMnistDir::new("bench-cli");
    let out = data.0.join("native.json");
    let run = lth_bench(&data, &["--model", "lenet-5", "--measure", "dense", "--out", out.to_str().unwrap()]);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!((report["model"].as_str(), report["measure"].as_str()), (Some("lenet-5"), Some("dense")));
    assert_eq!((report["steps"].as_u64(), report["repetitions"].as_u64()), (Some(3), Some(2)));
    let rows = report["training"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "the dense network only: {rows:?}");
    assert_eq!(rows[0]["level"], 0);
    assert!(rows[0]["automatic"].as_f64().is_some_and(|rate| rate > 0.0), "{rows:?}");
    assert!(rows[0].get("sparse_kernels").is_none() && report.get("evaluation_samples_per_second").is_none());
    let share = report["dense_network_share_of_peak"].as_f64().expect("the share of peak");
    assert!(share > 0.0 && report["peak_multiply_adds_per_second"].as_f64().is_some_and(|p| p > 0.0), "{report}");

    let unknown = lth_bench(&data, &["--model", "lenet-6", "--measure", "dense"]);
    let message = String::from_utf8_lossy(&unknown.stderr);
    assert!(!unknown.status.success());
    assert!(
        message.contains("\"lenet-6\"") && message.contains("lenet-5") && message.contains("lenet-300-100"),
        "{message}"
    );
    let wrong_measure = lth_bench(&data, &["--measure", "fast"]);
    let message = String::from_utf8_lossy(&wrong_measure.stderr);
    assert!(
        !wrong_measure.status.success() && message.contains("--measure: expected ladder, dense or schedule"),
        "{message}"
    );
}

#[test]
fn a_schedules_interval_is_timed_in_two_parts_and_its_rounds_planned_over_workers() {
    let (config, data) = small("lenet-300-100");
    // Three readings, a second apart: training takes one second, evaluation one.
    let interval = interval_seconds(&config, &data, 15, &TickingClock(Cell::new(0.0)));
    assert_eq!((interval.training, interval.evaluation), (1.0, 1.0));
    assert_eq!(Measure::Schedule.levels().len(), 16, "the paper's rounds to 3.6%");

    // Rounds of 10, 8 and 6 s; the ticket's chain ends at 24 s, its masks are known at 10 and 18 s.
    let rounds = [10.0, 8.0, 6.0];
    // One worker: everything in turn.
    assert_eq!(planned_seconds(&rounds, 1, 1), 10.0 + 2.0 * (8.0 + 6.0));
    assert_eq!(planned_seconds(&rounds, 2, 1), 10.0 + 3.0 * (8.0 + 6.0));
    // Two: the control's round 1 from 10 to 18 s, its round 2 from 18 to 24 s, beside the ticket.
    assert_eq!(planned_seconds(&rounds, 1, 2), 24.0);
    // Two controls on one worker beside the ticket: 10 → 26 (both of round 1), 26 → 38 (round 2).
    assert_eq!(planned_seconds(&rounds, 2, 2), 38.0);
    // A worker each: as one control on two workers; more workers change nothing.
    assert_eq!(planned_seconds(&rounds, 2, 3), 24.0);
    assert_eq!(planned_seconds(&rounds, 2, 8), 24.0);
    // No controls: the ticket's chain.
    assert_eq!(planned_seconds(&rounds, 0, 4), 24.0);
}

/// The peak probe's arithmetic: 48 lanes updated `rounds` times in the one second the clock says;
/// and the share of it a training rate uses, from the model's multiply-adds per image (563,400
/// for LeNet-300-100: tested in src/nn/architecture.rs).
#[test]
fn the_share_of_peak_is_the_dense_steps_multiply_adds_over_the_probes_rate() {
    let peak = peak_multiply_adds_per_second(1000, &TickingClock(Cell::new(0.0)));
    assert_eq!(peak, 48_000.0);
    let (config, _) = small("lenet-300-100");
    assert_eq!(share_of_peak(&config, 1000.0, 563_400_000.0), 1.0);
    assert_eq!(share_of_peak(&config, 250.0, 563_400_000.0), 0.25);
}
