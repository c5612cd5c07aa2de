//! Fuzzing every parser that reads what a user (or an attacker) hands ticketlab: MNIST's IDX files,
//! ticket and checkpoint files, settings as JSON, and network text. Each target starts from a seed
//! corpus of valid inputs made here (no binary files in the repository) and mutates them with a
//! seeded loop (mutate.rs). An input passes when it is accepted or refused with an error; it is a
//! finding when it panics, asks for an allocation past `MAX_ALLOCATION` (a hostile file must be
//! refused before anything of its claimed size is allocated), or runs past `HANG_SECONDS`. A
//! finding is written to target/tmp/fuzz-findings/ and fails the test with how to replay it.
//!
//! `cargo test --release --test fuzz` runs each target for TICKETLAB_FUZZ_SECONDS (default 20; the
//! targets run two at a time); TICKETLAB_FUZZ_SEED picks the mutations (default 1), and
//! TICKETLAB_FUZZ_REPLAY=FILE runs one saved input through every target instead. scripts/fuzz runs longer.
#![cfg(not(target_arch = "wasm32"))] // native: tests/web.rs runs in the browser

#[path = "../common/mod.rs"]
mod common;
mod mutate;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::collections::HashSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::as_slices;
use mutate::Mutator;
use ticketlab::checkpoint::Checkpoint;
use ticketlab::config::Settings;
use ticketlab::data::{idx, mnist::Mnist};
use ticketlab::experiment::Clock;
use ticketlab::experiment::{Branch, Event};
use ticketlab::ticket::Ticket;
use ticketlab::{Config, Experiment, Status};

/// No input may allocate this much at once: the models the targets build are small, and a
/// hostile header must be refused before its claimed sizes are allocated.
const MAX_ALLOCATION: usize = 256 << 20;
const HANG_SECONDS: f64 = 10.0;

// ---- The allocation guard ----------------------------------------------------------------------

/// The system allocator, with every allocation past `MAX_ALLOCATION` reported as a finding (with
/// the input that asked for it) before it could exhaust the machine's memory.
struct GuardedAllocator;

thread_local! {
    /// The input this thread is running and its target, for the allocation guard's report.
    static CURRENT: Cell<(*const u8, usize, &'static str)> = const { Cell::new((std::ptr::null(), 0, "")) };
}

/// Panics inside an input are findings, reported once with the input: the default hook's message
/// for each would be noise. Any other panic (a failed test) is told as usual.
fn quiet_inside_inputs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CURRENT.with(Cell::get).0.is_null() {
                default(info);
            }
        }));
    });
}

unsafe impl GlobalAlloc for GuardedAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            oversized(layout.size());
        }
        System.alloc(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > MAX_ALLOCATION {
            oversized(layout.size());
        }
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > MAX_ALLOCATION {
            oversized(new_size);
        }
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: GuardedAllocator = GuardedAllocator;

/// Saves the input that asked for `size` bytes and ends the process: an allocation this large is
/// the finding, and making it could take the machine down.
fn oversized(size: usize) -> ! {
    let (pointer, length, target) = CURRENT.with(Cell::get);
    if pointer.is_null() {
        eprintln!("fuzz: an allocation of {size} bytes outside any input");
    } else {
        // SAFETY: the pointer is the input `run_one` is running on this thread, alive until it returns.
        let input = unsafe { std::slice::from_raw_parts(pointer, length) };
        let path = save_finding(target, "allocation", input);
        eprintln!(
            "fuzz: target {target}: an input asked for {size} bytes at once (limit {MAX_ALLOCATION}); saved to {}",
            path.display()
        );
    }
    std::process::abort();
}

fn findings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-findings")
}

fn save_finding(target: &str, kind: &str, input: &[u8]) -> PathBuf {
    let dir = findings_dir();
    let _ = std::fs::create_dir_all(&dir);
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let path = dir.join(format!("{target}-{kind}-{hash:016x}.bin"));
    let _ = std::fs::write(&path, input);
    path
}

// ---- The loop ----------------------------------------------------------------------------------

/// What an input led to, as the words of its message that name the check (numbers, quoted text
/// and words of the input taken out): a new outcome keeps the input in the corpus.
fn outcome_of<T>(result: &Result<T, String>, input: &[u8]) -> String {
    let Err(message) = result else { return "accepted".into() };
    let mut unquoted = String::new();
    let mut quoted = None;
    for c in message.chars() {
        match (quoted, c) {
            (None, '(' | '"' | '`') => quoted = Some(if c == '(' { ')' } else { c }),
            (Some(end), _) if c == end => quoted = None,
            (None, _) => unquoted.push(c),
            _ => {}
        }
    }
    let input = String::from_utf8_lossy(&input[..input.len().min(4096)]);
    let word = |token: &&str| {
        let letters = token.trim_matches(|c: char| !c.is_ascii_alphabetic());
        letters.len() > 2
            && token.chars().all(|c| c.is_ascii_lowercase() || ",.;:'-".contains(c))
            && !input.contains(letters)
    };
    unquoted.split_whitespace().filter(word).take(8).collect::<Vec<_>>().join(" ")
}

fn seconds_per_target() -> f64 {
    std::env::var("TICKETLAB_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20.0)
}

fn fuzz_seed() -> u64 {
    std::env::var("TICKETLAB_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(1)
}

/// Runs one input, as a finding if it panics or hangs.
fn run_one(target: &'static str, input: &[u8], check: &dyn Fn(&[u8]) -> Result<(), String>) -> Result<String, String> {
    CURRENT.with(|current| current.set((input.as_ptr(), input.len(), target)));
    let started = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| check(input)));
    CURRENT.with(|current| current.set((std::ptr::null(), 0, "")));
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let path = save_finding(target, "panic", input);
            Err(format!("target {target}: an input panicked ({message}); saved to {}", path.display()))
        }
        Ok(_) if seconds > HANG_SECONDS => {
            let path = save_finding(target, "hang", input);
            Err(format!(
                "target {target}: an input ran {seconds:.1} s (past {HANG_SECONDS} s); saved to {}",
                path.display()
            ))
        }
        Ok(result) => Ok(outcome_of(&result, input)),
    }
}

/// Mutates `seeds` for `seconds_per_target()`, keeping inputs with new outcomes; panics with the
/// first finding. `mutate` may rewrite a mutation (a file's header kept in step with its length).
fn fuzz(
    target: &'static str,
    seeds: Vec<Vec<u8>>,
    dictionary: &[&str],
    check: impl Fn(&[u8]) -> Result<(), String>,
    restructure: impl Fn(&mut Mutator, &[u8], &[u8]) -> Option<Vec<u8>>,
) {
    quiet_inside_inputs();
    let report = |result: Result<String, String>| {
        result.unwrap_or_else(|finding| {
            panic!("{finding}\nreplay it: TICKETLAB_FUZZ_REPLAY=<file> cargo test --release --test fuzz")
        })
    };
    if let Ok(path) = std::env::var("TICKETLAB_FUZZ_REPLAY") {
        let input = std::fs::read(&path).expect("TICKETLAB_FUZZ_REPLAY names a readable file");
        let outcome = report(run_one(target, &input, &check));
        eprintln!("fuzz: {target}: {path}: {outcome}");
        return;
    }
    let deadline = Instant::now() + Duration::from_secs_f64(seconds_per_target());
    let mut mutator = Mutator::new(fuzz_seed(), dictionary);
    let mut outcomes = HashSet::new();
    let mut corpus = Vec::new();
    for seed in seeds {
        let outcome = report(run_one(target, &seed, &check));
        assert_eq!(outcome, "accepted", "target {target}: a seed input is refused");
        outcomes.insert(outcome);
        corpus.push(seed);
    }
    let mut inputs = 0_u64;
    while Instant::now() < deadline {
        for _ in 0..32 {
            let base = &corpus[mutator.below(corpus.len())];
            let other = &corpus[mutator.below(corpus.len())];
            let input = match mutator.below(2) {
                0 => restructure(&mut mutator, base, other).unwrap_or_else(|| mutator.mutate(base, other)),
                _ => mutator.mutate(base, other),
            };
            inputs += 1;
            let outcome = report(run_one(target, &input, &check));
            if outcomes.insert(outcome) && corpus.len() < 4096 {
                corpus.push(input);
            }
        }
    }
    eprintln!("fuzz: {target}: {inputs} inputs, {} different outcomes, no findings", outcomes.len());
}

/// No restructuring: byte and token mutations only.
fn plain(_: &mut Mutator, _: &[u8], _: &[u8]) -> Option<Vec<u8>> {
    None
}

/// For a safetensors file: its JSON header mutated as text, with the length before it rewritten to
/// match, so that mutations reach the checks behind the length check.
fn safetensors_header(mutator: &mut Mutator, base: &[u8], other: &[u8]) -> Option<Vec<u8>> {
    let length = u64::from_le_bytes(base.get(..8)?.try_into().ok()?) as usize;
    let header = base.get(8..8 + length)?;
    let other_header = other.get(8..).unwrap_or_default();
    let header = mutator.mutate(header, other_header);
    Some([&(header.len() as u64).to_le_bytes()[..], &header, &base[8 + length..]].concat())
}

// ---- What the targets run ----------------------------------------------------------------------

/// A clock that moves a second per reading: `step` then does one unit of work per call.
struct TickingClock(Cell<f64>);

impl Clock for TickingClock {
    fn now_millis(&self) -> f64 {
        self.0.set(self.0.get() + 1000.0);
        self.0.get()
    }
}

fn synthetic_data() -> [Vec<u8>; 4] {
    common::synthetic_mnist(3, 40, 12)
}

/// Tiny settings for `model`: two iterations a round, a little data.
fn tiny_settings(model: &str, extra: &str) -> String {
    format!(
        r#"{{"model": "{model}", "seed": 1, "batch_size": 4, "iterations": 2, "eval_every": 1, "validation_size": 8{extra}}}"#
    )
}

/// Loads the synthetic data and steps the run up to `steps` times (or to its end).
fn run_steps(mut experiment: Experiment, steps: usize) -> Result<Vec<Event>, String> {
    let data = synthetic_data();
    experiment.load_idx(as_slices(&data)).map_err(|e| e.to_string())?;
    let clock = TickingClock(Cell::new(0.0));
    let mut events = Vec::new();
    for _ in 0..steps {
        if experiment.status() != Status::Running {
            break;
        }
        events.extend(experiment.step(1.0, &clock).map_err(|e| e.to_string())?);
    }
    Ok(events)
}

/// Small enough to build and train in a fuzz loop: the targets check larger ones only as far as
/// their limits (which the limits' own tests cover).
fn small_enough(config: &Config) -> bool {
    let footprint = config.model_spec().footprint();
    footprint.parameters <= 300_000
        && footprint.activations(ticketlab::limits::EVALUATION_CHUNK).is_some_and(|a| a <= 4_000_000)
}

/// A finished tiny run of `settings`, for its ticket and checkpoint files.
fn finished_run(settings: &str) -> Experiment {
    let mut experiment = Experiment::from_json(settings).expect("seed settings");
    let data = synthetic_data();
    experiment.load_idx(as_slices(&data)).expect("synthetic data");
    experiment.run_to_end(&common::FrozenClock, |_| {}).expect("seed run");
    experiment
}

const SEED_SETTINGS: [(&str, &str); 3] = [
    ("fc:16,fc:10", r#", "rounds": 2"#),
    ("conv:4x3p1,pool,fc:10", r#", "rounds": 2, "reset": "rewind", "rewind_step": 1, "controls": ["random_reinit"]"#),
    ("fc:12,fc:10", r#", "rounds": 2, "prune_scope": "global", "controls": ["random_prune"]"#),
];

const JSON_WORDS: [&str; 34] = [
    "\"model\"",
    "\"seed\"",
    "\"init\"",
    "\"optimizer\"",
    "\"learning_rate\"",
    "\"batch_size\"",
    "\"iterations\"",
    "\"eval_every\"",
    "\"validation_size\"",
    "\"train_size\"",
    "\"rounds\"",
    "\"target_remaining\"",
    "\"prune_rate\"",
    "\"prune_scope\"",
    "\"prune_schedule\"",
    "\"reset\"",
    "\"rewind_step\"",
    "\"controls\"",
    "\"level\"",
    "\"config\"",
    "\"dtype\"",
    "\"shape\"",
    "\"data_offsets\"",
    "\"__metadata__\"",
    "null",
    "true",
    "[]",
    "{}",
    ",",
    ":",
    "\"",
    "\"conv:4096x64p64,fc:10\"",
    "\"F32\"",
    "\"U8\"",
];

#[test]
fn idx_files() {
    let seeds = synthetic_data().to_vec();
    // The input is one of the four files (its first byte says which), the others kept valid.
    let seeds: Vec<Vec<u8>> = seeds.into_iter().enumerate().map(|(i, file)| [vec![i as u8], file].concat()).collect();
    let valid = synthetic_data();
    fuzz(
        "idx",
        seeds,
        &[],
        |input| {
            let (&which, file) = input.split_first().ok_or("empty")?;
            let which = which as usize % 4;
            let _ = idx::parse("fuzz", file, if which % 2 == 0 { 3 } else { 1 });
            let mut files = valid.clone();
            files[which] = file.to_vec();
            Mnist::from_idx(as_slices(&files), 8, 0).map(|_| ()).map_err(|e| e.to_string())
        },
        plain,
    );
}

#[test]
fn ticket_files() {
    let seeds: Vec<Vec<u8>> = SEED_SETTINGS
        .iter()
        .flat_map(|(model, extra)| {
            let run = finished_run(&tiny_settings(model, extra));
            (0..=2).map(move |level| run.ticket_safetensors(level).expect("a ticket"))
        })
        .collect();
    let into = Config::from_json(&tiny_settings("fc:16,fc:10", r#", "rounds": 1"#)).unwrap();
    fuzz(
        "ticket",
        seeds,
        &JSON_WORDS,
        |input| {
            let ticket = Ticket::from_safetensors(input, "fuzz").map_err(|e| e.to_string())?;
            // What it says survives a round trip; it is imported into its own settings, and into others'.
            let again = Ticket::from_safetensors(&ticket.to_safetensors(), "again").expect("a ticket written is read");
            assert_eq!(again.level, ticket.level);
            assert_eq!(again.config, ticket.config);
            let _ = Experiment::new(into.clone()).import_ticket(ticket.clone());
            if !small_enough(&ticket.config) {
                return Ok(());
            }
            // Shortened, and checked again (a rewind step within the 2 iterations, rounds as given).
            let settings = ticket.config.settings();
            let short = Settings {
                iterations: 2,
                rounds: settings.rounds.min(1),
                target_remaining: None,
                rewind_step: settings.rewind_step.min(1),
                ..settings.clone()
            };
            let mut experiment = Experiment::new(Config::new(short).map_err(|e| e.to_string())?);
            experiment.import_ticket(ticket).map_err(|e| e.to_string())?;
            run_steps(experiment, 8).map(|_| ())
        },
        safetensors_header,
    );
}

#[test]
fn checkpoint_files() {
    let mut seeds = Vec::new();
    let mut seed_configs = Vec::new();
    for (model, extra) in SEED_SETTINGS {
        let settings = tiny_settings(model, extra);
        // A checkpoint after each of the ticket's rounds but the last.
        let mut experiment = Experiment::from_json(&settings).unwrap();
        let data = synthetic_data();
        experiment.load_idx(as_slices(&data)).unwrap();
        let clock = TickingClock(Cell::new(0.0));
        while experiment.status() == Status::Running {
            for event in experiment.step(1.0, &clock).unwrap() {
                if let Event::RoundDone(round) = event {
                    if round.level < 2 && round.branch == Branch::Ticket {
                        seeds.push(experiment.checkpoint_safetensors().unwrap());
                    }
                }
            }
        }
        seed_configs.push(experiment.config().clone());
    }
    fuzz(
        "checkpoint",
        seeds,
        &JSON_WORDS,
        |input| {
            let checkpoint = Checkpoint::from_safetensors(input).map_err(|e| e.to_string())?;
            // Into every seed's settings (most refuse it), then trained on where it fits.
            let mut fits = None;
            for config in &seed_configs {
                let mut experiment = Experiment::new(config.clone());
                if experiment.resume_from(checkpoint.clone()).is_ok() {
                    fits = Some(experiment);
                }
            }
            let experiment = fits.ok_or("fits none of the seed settings")?;
            run_steps(experiment, 12).map(|_| ())
        },
        safetensors_header,
    );
}

#[test]
fn settings_json() {
    let mut seeds: Vec<Vec<u8>> = ["lenet-300-100", "lenet-5", "conv-2", "conv-6"]
        .iter()
        .map(|model| Settings::defaults_for(model).to_json().into_bytes())
        .collect();
    seeds.extend(SEED_SETTINGS.iter().map(|(model, extra)| tiny_settings(model, extra).into_bytes()));
    seeds.push(
        br#"{"target_remaining": 3.5, "prune_schedule": "one_shot", "optimizer": "sgd", "momentum": 0.5}"#.to_vec(),
    );
    fuzz(
        "settings",
        seeds,
        &JSON_WORDS,
        |input| {
            let json = std::str::from_utf8(input).map_err(|_| "not UTF-8".to_string())?;
            let config = Config::from_json(json).map_err(|e| e.to_string())?;
            // Settings saved and read back are the same settings.
            let again = Config::from_json(&config.to_json()).expect("settings written are read");
            assert_eq!(again, config, "settings change when saved and read back");
            let experiment = Experiment::new(config.clone());
            let _ = experiment.segments();
            if let Some(target) = config.target_remaining {
                let _ = config.rounds_for_target(target);
            }
            Ok(())
        },
        plain,
    );
}

#[test]
fn network_text() {
    let seeds: Vec<Vec<u8>> = [
        "fc:300,fc:100,fc:10",
        "conv:6x5p2,pool,conv:16x5,pool,fc:120,fc:84,fc:10",
        "conv:8x3p1,conv:8x3p1,pool,fc:32,fc:10",
        "conv:4x5s2,fc:10",
        "pool,fc:10",
        "pool,pool,conv:2x1,fc:10",
    ]
    .iter()
    .map(|text| text.as_bytes().to_vec())
    .collect();
    fuzz(
        "network",
        seeds,
        &["conv:", "fc:", "pool", ",", "x", "p", "s", ":", " ", "conv:1x1", "fc:10", "pool,"],
        |input| {
            let text = std::str::from_utf8(input).map_err(|_| "not UTF-8".to_string())?;
            // As the settings carry it, so that every entry point's checks run.
            let mut settings: serde_json::Value = serde_json::from_str(&tiny_settings("", r#", "rounds": 1"#)).unwrap();
            settings["model"] = text.into();
            let config = Config::from_json(&settings.to_string()).map_err(|e| e.to_string())?;
            if !small_enough(&config) {
                return Ok(());
            }
            run_steps(Experiment::new(config), 10).map(|_| ())
        },
        plain,
    );
}
