//! The benchmark's pieces (src/bench.rs), shared by `lth bench` and the page: ladder percentages,
//! kernel names, the batches a measurement trains on, and the throughput arithmetic (timed by a
//! clock that ticks a fixed amount per reading, so nothing depends on the machine's speed).
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use std::cell::Cell;

use common::{as_slices, synthetic_mnist};
use ticketlab::bench::{batch_indices, evaluation_throughput, percent_remaining, training_throughput, Kernels, LEVELS};
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

fn small() -> (Config, Mnist) {
    let config = Config::from_json(r#"{"validation_size": 100, "batch_size": 20}"#).unwrap();
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
    let (config, data) = small();
    let indices = batch_indices(&config, &data, 30);
    let mut order = BatchOrder::new(data.train.len(), config.batch_size, config.seed);
    let expected: Vec<u32> = (0..30).flat_map(|_| order.next_batch().to_vec()).collect();
    assert_eq!(indices, expected);
    assert_eq!(indices.len(), 30 * config.batch_size);
    assert!(indices.iter().all(|&i| (i as usize) < data.train.len()));
}

#[test]
fn throughput_is_examples_over_the_timed_interval() {
    let (config, data) = small();
    for kernels in Kernels::ALL {
        for level in [0, 15] {
            let rate = training_throughput(&config, &data, level, kernels, 7, &TickingClock(Cell::new(0.0)));
            assert_eq!(rate, (7 * config.batch_size) as f64, "{kernels:?} at level {level}: 7 steps in one second");
        }
    }
    let rate = evaluation_throughput(&config, &data, 3, &TickingClock(Cell::new(0.0)));
    assert_eq!(rate, 3.0 * data.validation.len() as f64);
}
