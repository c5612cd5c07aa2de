//! Trials as separate jobs (`lth imp --trials N --trial K`) merged by `lth summarize`: the same
//! files as the whole run, byte for byte but for the timings, and clear refusals of what does not
//! fit together. Each `lth` is a separate process on a tiny synthetic MNIST.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ticketlab::trials::TIMING_FIELDS;

/// Settings small enough that a trial takes milliseconds: 2 rounds of 4 iterations, with a control.
const TINY: [&str; 14] = [
    "--validation-size",
    "100",
    "--batch-size",
    "20",
    "--iterations",
    "4",
    "--eval-every",
    "2",
    "--rounds",
    "2",
    "--seed",
    "7",
    "--controls",
    "random_reinit,random_prune",
];

fn lth(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lth")).args(args).output().expect("lth runs")
}

fn path(dir: &Path) -> &str {
    dir.to_str().expect("a UTF-8 temporary path")
}

/// `lth imp` with the tiny settings on `data`, then `extra`; it must succeed.
fn imp(data: &Path, extra: &[&str]) {
    let mut args = vec!["imp", "--data", path(data)];
    args.extend(TINY);
    args.extend(extra);
    let run = lth(&args);
    assert!(run.status.success(), "lth {}: {}", args.join(" "), String::from_utf8_lossy(&run.stderr));
}

/// The run was refused (exit 1) with a message holding `parts`, and without a panic.
fn assert_refused(run: &Output, parts: &[&str]) {
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    for part in parts {
        assert!(stderr.contains(part), "\"{part}\" not in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The file's text with the value of every timing field (one per line, as serde_json's pretty
/// printing puts it) replaced by "<timing>".
fn without_timings(text: &str) -> String {
    let masked = text.lines().map(|line| {
        let indent = &line[..line.len() - line.trim_start().len()];
        match TIMING_FIELDS.iter().find(|name| line.trim_start().starts_with(&format!("\"{name}\": "))) {
            Some(name) => format!("{indent}\"{name}\": <timing>{}", if line.ends_with(',') { "," } else { "" }),
            None => line.to_string(),
        }
    });
    masked.collect::<Vec<_>>().join("\n")
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a folder")
        .map(|entry| entry.expect("readable").file_name().into_string().expect("UTF-8"))
        .collect();
    names.sort();
    names
}

/// `a` and `b` hold the same bytes; for JSON, but for the timing fields' values.
fn assert_same_file(a: &Path, b: &Path) {
    let (x, y) = (std::fs::read(a).expect("readable"), std::fs::read(b).expect("readable"));
    if a.extension().is_some_and(|e| e == "json") {
        let (x, y) = (String::from_utf8(x).expect("text"), String::from_utf8(y).expect("text"));
        assert_eq!(without_timings(&x), without_timings(&y), "{} and {}", a.display(), b.display());
    } else {
        assert!(x == y, "{} and {} differ", a.display(), b.display());
    }
}

/// Also the split of a trial over threads: the whole run trains each trial on one thread
/// (`--jobs 1`); job 0 splits its trial over three (the ticket, and a control on each of two
/// more), job 1 over two (the ticket, and both controls on one more).
#[test]
fn two_trials_run_apart_and_merged_are_the_whole_run() {
    let data = common::SyntheticMnistDir::new("trials-merge");
    let dir = |name: &str| data.0.join(name);
    let started = std::time::Instant::now();
    let (whole, whole_tickets) = (dir("whole"), dir("whole-tickets"));
    imp(
        &data.0,
        &["--trials", "2", "--jobs", "1", "--out-dir", path(&whole), "--export-tickets", path(&whole_tickets)],
    );
    for (k, threads) in [("0", "3"), ("1", "2")] {
        let (out, tickets) = (dir(&format!("trial{k}")), dir(&format!("tickets{k}")));
        let args = ["--trials", "2", "--trial", k, "--jobs", threads, "--out-dir", path(&out)];
        imp(&data.0, &[&args[..], &["--export-tickets", path(&tickets)]].concat());
    }
    let merge = lth(&["summarize", "--out-dir", path(&dir("merged")), path(&dir("trial0")), path(&dir("trial1"))]);
    assert!(merge.status.success(), "{}", String::from_utf8_lossy(&merge.stderr));

    // A trial's job writes run.json and its own results file, no reports.
    assert_eq!(files_in(&dir("trial0")), ["run.json", "trial-seed7.json"]);
    assert_eq!(files_in(&dir("trial1")), ["run.json", "trial-seed8.json"]);
    let reports = ["accuracy.svg", "curves.csv", "summary.csv", "summary.json", "summary.md"];
    assert_eq!(files_in(&dir("merged")), reports);
    let mut whole: Vec<String> = reports.iter().map(|s| s.to_string()).collect();
    whole.extend(["run.json", "trial-seed7.json", "trial-seed8.json"].map(String::from));
    whole.sort();
    assert_eq!(files_in(&dir("whole")), whole);

    // Every file of the whole run, from the job or the merge that made it.
    for name in &whole {
        let from = match name.as_str() {
            "trial-seed7.json" => dir("trial0"),
            "trial-seed8.json" | "run.json" => dir("trial1"),
            _ => dir("merged"),
        };
        assert_same_file(&dir("whole").join(name), &from.join(name));
    }
    assert_same_file(&dir("whole/run.json"), &dir("trial0/run.json"));
    // The tickets, every round of each seed, bit for bit.
    let mut tickets: Vec<String> = files_in(&dir("tickets0"));
    tickets.extend(files_in(&dir("tickets1")));
    tickets.sort();
    assert_eq!(tickets, files_in(&dir("whole-tickets")));
    assert_eq!(tickets.len(), 6);
    for name in &tickets {
        let from = if name.contains("seed7") { dir("tickets0") } else { dir("tickets1") };
        assert_same_file(&dir("whole-tickets").join(name), &from.join(name));
    }
    // The timings are all that was left out: the whole run measured its wall time, the merge cannot.
    let summary = std::fs::read_to_string(dir("merged/summary.json")).expect("written");
    assert!(summary.contains("\"wall_seconds\": null"), "{summary}");
    let trial = std::fs::read_to_string(dir("trial0/trial-seed7.json")).expect("written");
    assert_eq!(trial.lines().filter(|l| *l != without_timings(l)).count(), 3 + 7, "3 run timings, 7 rounds' seconds");
    eprintln!("4 lth processes in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn a_partial_summary_says_what_is_missing_and_bad_folders_are_refused() {
    let data = common::SyntheticMnistDir::new("trials-refusals");
    let dir = |name: &str| data.0.join(name);
    let folder = |name: &str| dir(name).to_str().expect("UTF-8").to_string();
    imp(&data.0, &["--trials", "3", "--trial", "0", "--out-dir", &folder("a")]);
    imp(&data.0, &["--trials", "3", "--trial", "2", "--out-dir", &folder("b")]);

    // A missing trial is an error that names it and the way out; --partial summarizes the others.
    let refused = lth(&["summarize", "--out-dir", &folder("m"), &folder("a"), &folder("b")]);
    assert_refused(&refused, &["1 of the run's 3 trials are missing: trial 1 (seed 8)", "--trial K", "--partial"]);
    assert!(!dir("m").exists(), "nothing written");
    let partial = lth(&["summarize", "--partial", "--out-dir", &folder("m"), &folder("a"), &folder("b")]);
    assert!(partial.status.success(), "{}", String::from_utf8_lossy(&partial.stderr));
    let markdown = std::fs::read_to_string(dir("m/summary.md")).expect("written");
    assert!(markdown.starts_with("Partial summary: 2 of 3 trials; missing: trial 1 (seed 8).\n"), "{markdown}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir("m/summary.json")).expect("written")).expect("JSON");
    assert_eq!((&summary["seeds"], &summary["missing_seeds"]), (&serde_json::json!([7, 9]), &serde_json::json!([8])));
    assert!(std::fs::read_to_string(dir("m/accuracy.svg")).expect("written").contains("IMP over 2 of 3 seeds"));

    // One folder alone writes its reports into it.
    let alone = lth(&["summarize", "--partial", &folder("a")]);
    assert!(alone.status.success(), "{}", String::from_utf8_lossy(&alone.stderr));
    assert!(dir("a/summary.md").exists());

    // Folders that do not fit together.
    std::fs::create_dir_all(dir("empty")).expect("made");
    assert_refused(&lth(&["summarize", &folder("empty")]), &["not a folder of lth imp's trials", "run.json"]);
    assert_refused(&lth(&["summarize", "--out-dir", &folder("m"), &folder("a"), &folder("a")]), &["given twice"]);
    assert_refused(&lth(&["summarize", &folder("a"), &folder("b")]), &["several folders needs --out-dir"]);
    assert_refused(&lth(&["summarize", "--learning-rate", "0.1", &folder("a")]), &["takes no settings", "run.json"]);
    assert_refused(&lth(&["summarize"]), &["needs the folders of the trials"]);
    copy_folder(&dir("a"), &dir("a-copy"));
    assert_refused(
        &lth(&["summarize", "--out-dir", &folder("m"), &folder("a"), &folder("a-copy")]),
        &["trial 0 (seed 7) is in two folders", "leave one of them out"],
    );
    imp(&data.0, &["--trials", "3", "--trial", "1", "--learning-rate", "0.002", "--out-dir", &folder("other")]);
    assert_refused(
        &lth(&["summarize", "--out-dir", &folder("m"), &folder("a"), &folder("other")]),
        &["hold trials of different runs (learning_rate: 0.0012 against 0.002", "apart"],
    );
    // A trial of another run's settings in a folder, or a file that is not a trial's results.
    std::fs::copy(dir("other/trial-seed8.json"), dir("a-copy/trial-seed8.json")).expect("copied");
    std::fs::remove_file(dir("a-copy/trial-seed7.json")).expect("removed");
    assert_refused(
        &lth(&["summarize", &folder("a-copy")]),
        &["trial-seed8.json", "its settings differ", "learning_rate"],
    );
    std::fs::write(dir("a-copy/trial-seed8.json"), "{\"status\": \"done\"}").expect("written");
    assert_refused(&lth(&["summarize", &folder("a-copy")]), &["trial-seed8.json: not the results of a trial"]);

    // A trial's job refuses a folder of another run, a K past N and a K without N.
    let mut args = vec!["imp", "--data", path(&data.0)];
    args.extend(TINY);
    let with = |extra: &[&str]| lth(&[&args[..], extra].concat());
    assert_refused(
        &with(&["--trials", "3", "--trial", "1", "--learning-rate", "0.003", "--out-dir", &folder("a")]),
        &["holds the trials of another run (learning_rate: 0.0012 against 0.003)", "another --out-dir"],
    );
    assert_refused(
        &with(&["--trials", "3", "--trial", "3", "--out-dir", &folder("c")]),
        &["--trial 3: a run of --trials 3 has trials 0 to 2"],
    );
    assert_refused(&with(&["--trial", "0", "--out-dir", &folder("c")]), &["--trial K needs --trials N"]);
    // Without a seed, each job would draw its own.
    let unseeded: Vec<&str> = args.iter().copied().filter(|&arg| arg != "--seed" && arg != "7").collect();
    let run = lth(&[&unseeded[..], &["--trials", "3", "--trial", "1", "--out-dir", &folder("c")]].concat());
    assert_refused(&run, &["--trial: give --seed too, the same in every job of the run"]);
    assert_eq!(files_in(&dir("a")).iter().filter(|f| f.starts_with("trial-")).count(), 1, "nothing added to a");
}

/// A trial killed mid-run (as a crash or a job's time limit would stop it) and run again with
/// --resume goes on from its resume files and writes the results of a trial never stopped. Then
/// --resume keeps the finished trial, and damaged resume files are refused with the way out.
#[test]
fn a_killed_trial_resumed_is_the_trial_never_stopped() {
    let data = common::SyntheticMnistDir::new("trials-resume");
    let dir = |name: &str| data.0.join(name);
    let (whole, killed) = (dir("whole"), dir("killed"));
    let mut args = vec!["imp", "--data", path(&data.0)];
    args.extend(TINY);
    // Long enough to be killed mid-run: 4 rounds of 80 iterations.
    args.extend(["--iterations", "80", "--rounds", "4", "--trials", "2"]);
    let trial = |k: &'static str, jobs: &'static str, out: &Path, resume: bool| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["--trial", k, "--jobs", jobs, "--out-dir", path(out)].map(String::from));
        all.extend(resume.then(|| "--resume".to_string()));
        all
    };
    let run = |args: Vec<String>| lth(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let whole_run = run(trial("0", "1", &whole, false));
    assert!(whole_run.status.success(), "{}", String::from_utf8_lossy(&whole_run.stderr));

    // The ticket and its controls on two threads, killed once its first checkpoint is kept.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lth"))
        .args(trial("0", "2", &killed, false))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("lth starts");
    let checkpoint = killed.join("resume/seed7.safetensors");
    while !checkpoint.exists() {
        assert!(child.try_wait().expect("waits").is_none(), "the trial ended before its first checkpoint");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("killed");
    child.wait().expect("ended");
    assert!(!killed.join("trial-seed7.json").exists(), "killed before its end");

    // Resumed on one thread: the trial never stopped, and its resume files gone.
    let resumed = run(trial("0", "1", &killed, true));
    let stderr = String::from_utf8_lossy(&resumed.stderr);
    assert!(resumed.status.success(), "{stderr}");
    assert!(stderr.contains("seed 7: resuming after round "), "{stderr}");
    assert_same_file(&whole.join("trial-seed7.json"), &killed.join("trial-seed7.json"));
    assert_eq!(files_in(&killed), ["run.json", "trial-seed7.json"]);

    // A finished trial is kept as it is.
    let finished = std::fs::read(killed.join("trial-seed7.json")).expect("written");
    let again = run(trial("0", "2", &killed, true));
    assert!(String::from_utf8_lossy(&again.stderr).contains("seed 7: finished before, kept from"));
    assert_eq!(std::fs::read(killed.join("trial-seed7.json")).expect("kept"), finished);

    // Damaged resume files: the file named, and the way out.
    std::fs::create_dir_all(killed.join("resume")).expect("made");
    std::fs::write(killed.join("resume/seed8.safetensors"), b"not a checkpoint").expect("written");
    let refused = run(trial("1", "8", &killed, true));
    assert_refused(&refused, &["resume/seed8.safetensors", "remove the folder's resume/ files"]);
    // Of the 8 threads given, one trial uses 3: the ticket's, and one for each control.
    assert!(String::from_utf8_lossy(&refused.stderr).contains(" on 3 threads; "), "{refused:?}");
}

fn copy_folder(from: &Path, to: &PathBuf) {
    std::fs::create_dir_all(to).expect("made");
    for name in files_in(from) {
        std::fs::copy(from.join(&name), to.join(&name)).expect("copied");
    }
}
