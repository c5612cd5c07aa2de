//! Reports over the trials of an experiment (ticketlab::report) on real results of tiny runs on
//! synthetic digits: the summary rows agree with the rounds they summarise, the CSV and Markdown
//! tables have a line per row, the learning curves a line per evaluation, and the SVG is a
//! well-formed plot with one line per branch.
#![cfg(not(target_arch = "wasm32"))] // native tests; tests/web.rs runs in the browser

mod common;

use common::FrozenClock;
use ticketlab::experiment::{Branch, RoundResult};
use ticketlab::report::{accuracy_svg, curves_csv, summarise, summary_csv, summary_markdown, Spread, SummaryRow};
use ticketlab::{Experiment, Results, Status};

fn settings(seed: u64, extra: &str) -> String {
    format!(
        r#"{{"seed": {seed}, "validation_size": 100, "batch_size": 60, "iterations": 20, "eval_every": 10{extra}}}"#
    )
}

fn run(json: &str) -> Results {
    let mut experiment = Experiment::from_json(json).expect("valid settings");
    experiment.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    experiment.run_to_end(&FrozenClock, |_| {}).expect("runs");
    let results = experiment.results();
    assert_eq!(results.status, Status::Done);
    results
}

/// Two seeds of iterative pruning, two rounds, with the random reinitialisation control.
fn two_trials() -> Vec<Results> {
    [1, 2].iter().map(|&seed| run(&settings(seed, r#", "rounds": 2, "controls": ["random_reinit"]"#))).collect()
}

fn round(trial: &Results, branch: Branch, level: usize) -> &RoundResult {
    trial.rounds.iter().find(|r| (r.branch, r.level) == (branch, level)).expect("round present")
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!((actual - expected).abs() <= 1e-12 * expected.abs().max(1.0), "{what}: {actual} vs {expected}");
}

/// The spread of two values, computed here from its definition.
fn assert_spread_of_two(spread: &Spread, a: f64, b: f64, what: &str) {
    assert_close(spread.mean, (a + b) / 2.0, &format!("{what} mean"));
    assert_close(spread.std, (a - b).abs() / 2f64.sqrt(), &format!("{what} std"));
    assert_eq!((spread.min, spread.max), (a.min(b), a.max(b)), "{what} min/max");
}

#[test]
fn spread_is_the_mean_sample_std_min_and_max() {
    assert_eq!(Spread::of(&[1.0, 2.0, 3.0]), Some(Spread { mean: 2.0, std: 1.0, min: 1.0, max: 3.0 }));
    assert_eq!(Spread::of(&[3.0, 1.0, 2.0]), Spread::of(&[1.0, 2.0, 3.0]), "order does not matter");
    assert_eq!(Spread::of(&[0.5]), Some(Spread { mean: 0.5, std: 0.0, min: 0.5, max: 0.5 }), "one trial has no spread");
    assert_eq!(Spread::of(&[]), None);
}

#[test]
fn the_summary_has_one_row_per_branch_and_level_consistent_with_the_rounds() {
    let trials = two_trials();
    let rows = summarise(&trials);
    let keys: Vec<(Branch, usize)> = rows.iter().map(|r| (r.branch, r.level)).collect();
    assert_eq!(
        keys,
        [
            (Branch::Ticket, 0),
            (Branch::Ticket, 1),
            (Branch::Ticket, 2),
            (Branch::RandomReinit, 1),
            (Branch::RandomReinit, 2)
        ],
        "ticket first, by level; no random_prune rows, no control at level 0"
    );
    for row in &rows {
        let what = format!("{:?} level {}", row.branch, row.level);
        assert_eq!(row.trials, 2, "{what}");
        let (a, b) = (round(&trials[0], row.branch, row.level), round(&trials[1], row.branch, row.level));
        assert_eq!(row.percent_remaining, a.percent_remaining, "{what}");
        assert_eq!(a.percent_remaining, b.percent_remaining, "{what}: both seeds keep the same counts");
        let (early_a, early_b) = (a.early_stop.as_ref().expect("complete"), b.early_stop.as_ref().expect("complete"));
        assert_spread_of_two(&row.early_stop_test_accuracy, early_a.test_accuracy, early_b.test_accuracy, &what);
        assert_spread_of_two(&row.early_stop_iteration, early_a.iteration as f64, early_b.iteration as f64, &what);
        let (last_a, last_b) = (a.last.as_ref().expect("complete"), b.last.as_ref().expect("complete"));
        assert_spread_of_two(&row.final_test_accuracy, last_a.test_accuracy, last_b.test_accuracy, &what);
        assert!(row.early_stop_test_accuracy.min <= row.early_stop_test_accuracy.mean);
        assert!(row.early_stop_test_accuracy.mean <= row.early_stop_test_accuracy.max);
    }

    // A stopped trial counts only for the rounds it completed.
    let mut stopped =
        Experiment::from_json(&settings(3, r#", "rounds": 2, "controls": ["random_reinit"]"#)).expect("valid");
    stopped.load_idx(common::as_slices(&common::synthetic_mnist(7, 700, 100))).expect("valid synthetic data");
    let clock = FrozenClock;
    while stopped.results().rounds.iter().filter(|r| r.complete).count() < 1 {
        stopped.step(0.0, &clock).expect("steps"); // a budget of 0: one unit of work per step
    }
    for _ in 0..5 {
        stopped.step(0.0, &clock).expect("steps");
    }
    stopped.stop();
    let mut three = trials.clone();
    three.push(stopped.results());
    assert_eq!(three[2].rounds.len(), 2, "the dense round and the interrupted level-1 ticket");
    assert!(!three[2].rounds[1].complete);
    let rows = summarise(&three);
    let trials_per_row: Vec<usize> = rows.iter().map(|r| r.trials).collect();
    assert_eq!(trials_per_row, [3, 2, 2, 2, 2]);
    assert!(summarise(&[]).is_empty());
}

#[test]
fn csv_and_markdown_have_a_header_and_a_line_per_row() {
    let trials = two_trials();
    let rows = summarise(&trials);

    let csv = summary_csv(&rows);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + rows.len(), "{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(&header[..4], ["branch", "level", "percent_remaining", "trials"]);
    assert!(header.contains(&"early_stop_test_accuracy_mean"));
    for (line, row) in lines[1..].iter().zip(&rows) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), header.len(), "{line}");
        let branch = match row.branch {
            Branch::Ticket => "ticket",
            Branch::RandomReinit => "random_reinit",
            Branch::RandomPrune => "random_prune",
        };
        assert_eq!((fields[0], fields[1], fields[3]), (branch, row.level.to_string().as_str(), "2"), "{line}");
        let column = |name: &str| {
            fields[header.iter().position(|h| *h == name).expect("column")].parse::<f64>().expect("a number")
        };
        assert!((column("percent_remaining") - row.percent_remaining).abs() < 1e-4, "{line}");
        assert!((column("early_stop_test_accuracy_mean") - row.early_stop_test_accuracy.mean).abs() < 1e-6, "{line}");
    }

    let curves = curves_csv(&trials);
    let lines: Vec<&str> = curves.lines().collect();
    let evaluations: usize = trials.iter().flat_map(|t| &t.rounds).map(|r| r.evaluations.len()).sum();
    assert_eq!(evaluations, 2 * 5 * 3, "2 seeds × 5 rounds × evaluations at 0, 10 and 20 (the end)");
    assert_eq!(lines.len(), 1 + evaluations);
    let width = lines[0].split(',').count();
    assert!(lines[0].starts_with("seed,branch,level,"));
    assert!(lines[1..].iter().all(|line| line.split(',').count() == width), "{curves}");
    assert_eq!(lines[1..].iter().filter(|line| line.starts_with("2,random_reinit,2,")).count(), 3);

    let markdown = summary_markdown(&rows);
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(lines.len(), 2 + 3, "header, rule, one line per ticket level:\n{markdown}");
    assert!(lines[0].contains("ticket") && lines[0].contains("random_reinit") && !lines[0].contains("random_prune"));
    let columns = lines[0].matches('|').count();
    assert!(lines.iter().all(|line| line.matches('|').count() == columns), "{markdown}");
    assert!(
        lines[2].contains("| 0 | 100.00% |") && lines[2].contains("– | – |"),
        "no control at level 0: {}",
        lines[2]
    );
}

fn assert_well_formed_svg(svg: &str, rows: &[SummaryRow], title_escaped: &str) {
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!((svg.matches("<svg").count(), svg.matches("</svg>").count()), (1, 1));
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count(), "every text closes");
    assert!(!svg.contains("NaN") && !svg.contains("inf"), "every coordinate is a number");
    assert!(svg.contains(title_escaped), "the title, escaped: {title_escaped}");
    let branches = [Branch::Ticket, Branch::RandomReinit, Branch::RandomPrune]
        .iter()
        .filter(|b| rows.iter().any(|r| r.branch == **b))
        .count();
    assert_eq!(svg.matches("<polyline").count(), branches, "one line per branch present");
    // Every point of each line is drawn: one circle per row.
    assert_eq!(svg.matches("<circle").count(), rows.len());
}

#[test]
fn the_svg_plots_one_line_per_branch_with_the_title_escaped() {
    let rows = summarise(&two_trials());
    let svg = accuracy_svg(&rows, "LeNet <300-100> & \"tickets\"");
    assert_well_formed_svg(&svg, &rows, "LeNet &lt;300-100&gt; &amp;");
    assert!(!svg.contains("<300-100>"), "the title's markup is escaped");

    // A dense run alone: one point, still a finite plot.
    let dense = summarise(&[run(&settings(1, ""))]);
    assert_eq!(dense.len(), 1);
    assert_eq!((dense[0].trials, dense[0].early_stop_test_accuracy.std), (1, 0.0));
    assert_well_formed_svg(&accuracy_svg(&dense, "dense"), &dense, "dense");
}

#[test]
fn the_pages_file_of_trials_is_lths_summary_with_the_worst_status_the_first_error_and_every_trial() {
    use ticketlab::trials::{page_results, summary, Plan};
    let trials = two_trials();
    let plan = |count| Plan::new(trials[0].config.clone(), count).expect("a plan");
    let file = page_results(&plan(2), trials.clone(), 12.5);
    let lths = summary(&plan(2), &trials, Some(12.5));
    for field in ["config", "trials", "seeds", "wall_seconds", "rows"] {
        assert_eq!(file[field], lths[field], "{field} as in lth's summary.json");
    }
    assert_eq!(file["rows"], serde_json::to_value(summarise(&trials)).unwrap());
    assert_eq!((file["status"].as_str(), file["error"].is_null()), (Some("done"), true));
    assert_eq!(file["results"], serde_json::to_value(&trials).unwrap(), "every trial's results, in seed order");
    assert!(file.get("missing_seeds").is_none());

    // Ended before its third trial: stopped, and the seed that did not run is named.
    let partial = page_results(&plan(3), trials.clone(), 1.0);
    assert_eq!(
        (partial["status"].as_str(), partial["missing_seeds"].clone()),
        (Some("stopped"), serde_json::json!([3]))
    );

    // A diverged trial makes the run diverged, and its error is the run's.
    let mut diverged = trials.clone();
    diverged[1].status = Status::Diverged;
    diverged[1].error = Some("training diverged at iteration 7".into());
    let file = page_results(&plan(2), diverged, 1.0);
    assert_eq!(file["status"].as_str(), Some("diverged"));
    assert_eq!(file["error"].as_str(), Some("training diverged at iteration 7"));
}
