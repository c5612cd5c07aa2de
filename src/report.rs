//! Reports over the trials of an experiment: the summary table (mean and spread per branch and
//! level), CSV, and an SVG of test accuracy against weights remaining in the style of the paper's
//! figures (log axis, 100% on the left). Pure functions from results to text.

use std::fmt::Write as _;

use serde::Serialize;

use crate::experiment::{Branch, Results};

/// Mean, sample standard deviation, minimum and maximum of a set of trials.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spread {
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    pub fn of(values: &[f64]) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance =
            if values.len() > 1 { values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0) } else { 0.0 };
        Some(Spread {
            mean,
            std: variance.sqrt(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        })
    }
}

/// One branch at one level, over every trial that completed it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SummaryRow {
    pub branch: Branch,
    pub level: usize,
    pub percent_remaining: f64,
    pub trials: usize,
    pub early_stop_iteration: Spread,
    pub early_stop_test_accuracy: Spread,
    pub final_test_accuracy: Spread,
}

/// Rows for every (branch, level) that at least one trial completed, ticket first, by level.
pub fn summarise(trials: &[Results]) -> Vec<SummaryRow> {
    let mut rows = Vec::new();
    for branch in [Branch::Ticket, Branch::RandomReinit, Branch::RandomPrune] {
        let max_level = trials.iter().flat_map(|t| t.branch(branch)).map(|r| r.level).max();
        for level in 0..=max_level.unwrap_or(0) {
            let rounds: Vec<_> = trials
                .iter()
                .flat_map(|t| t.branch(branch))
                .filter(|r| r.level == level && r.complete && r.early_stop.is_some())
                .collect();
            if rounds.is_empty() {
                continue;
            }
            let collect =
                |f: &dyn Fn(&crate::experiment::RoundResult) -> f64| rounds.iter().map(|r| f(r)).collect::<Vec<_>>();
            let spread = |values: Vec<f64>| Spread::of(&values).expect("non-empty");
            rows.push(SummaryRow {
                branch,
                level,
                percent_remaining: rounds[0].percent_remaining,
                trials: rounds.len(),
                early_stop_iteration: spread(collect(&|r| r.early_stop.as_ref().expect("filtered").iteration as f64)),
                early_stop_test_accuracy: spread(collect(&|r| r.early_stop.as_ref().expect("filtered").test_accuracy)),
                final_test_accuracy: spread(collect(&|r| r.last.as_ref().expect("complete").test_accuracy)),
            });
        }
    }
    rows
}

fn branch_name(branch: Branch) -> &'static str {
    match branch {
        Branch::Ticket => "ticket",
        Branch::RandomReinit => "random_reinit",
        Branch::RandomPrune => "random_prune",
    }
}

/// The summary as CSV, one row per branch and level.
pub fn summary_csv(rows: &[SummaryRow]) -> String {
    let mut csv = String::from(
        "branch,level,percent_remaining,trials,early_stop_iteration_mean,early_stop_iteration_std,\
         early_stop_test_accuracy_mean,early_stop_test_accuracy_std,early_stop_test_accuracy_min,\
         early_stop_test_accuracy_max,final_test_accuracy_mean,final_test_accuracy_std\n",
    );
    for r in rows {
        let (it, es, fin) = (&r.early_stop_iteration, &r.early_stop_test_accuracy, &r.final_test_accuracy);
        let _ = writeln!(
            csv,
            "{},{},{:.4},{},{:.1},{:.1},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6}",
            branch_name(r.branch),
            r.level,
            r.percent_remaining,
            r.trials,
            it.mean,
            it.std,
            es.mean,
            es.std,
            es.min,
            es.max,
            fin.mean,
            fin.std
        );
    }
    csv
}

/// Every evaluation of every round of every trial as CSV: the learning curves, for plotting.
pub fn curves_csv(trials: &[Results]) -> String {
    let mut csv = String::from(
        "seed,branch,level,percent_remaining,iteration,train_loss,validation_loss,validation_accuracy,test_loss,test_accuracy\n",
    );
    for trial in trials {
        for round in &trial.rounds {
            for e in &round.evaluations {
                let train_loss = e.train_loss.map_or(String::new(), |l| format!("{l:.6}"));
                let _ = writeln!(
                    csv,
                    "{},{},{},{:.4},{},{},{:.6},{:.6},{:.6},{:.6}",
                    trial.config.seed,
                    branch_name(round.branch),
                    round.level,
                    round.percent_remaining,
                    e.iteration,
                    train_loss,
                    e.validation_loss,
                    e.validation_accuracy,
                    e.test_loss,
                    e.test_accuracy
                );
            }
        }
    }
    csv
}

/// A Markdown table: early-stop test accuracy (mean ± std over trials) and early-stop iteration
/// per level, one column group per branch present.
pub fn summary_markdown(rows: &[SummaryRow]) -> String {
    let branches: Vec<Branch> = [Branch::Ticket, Branch::RandomReinit, Branch::RandomPrune]
        .into_iter()
        .filter(|b| rows.iter().any(|r| r.branch == *b))
        .collect();
    let mut table = String::from("| round | weights remaining |");
    let mut rule = String::from("|---:|---:|");
    for branch in &branches {
        let _ = write!(table, " {0} test acc. (early stop) | {0} early-stop iteration |", branch_name(*branch));
        rule.push_str("---:|---:|");
    }
    table.push('\n');
    table.push_str(&rule);
    table.push('\n');
    for ticket in rows.iter().filter(|r| r.branch == Branch::Ticket) {
        let _ = write!(table, "| {} | {:.2}% |", ticket.level, ticket.percent_remaining);
        for branch in &branches {
            match rows.iter().find(|r| r.branch == *branch && r.level == ticket.level) {
                Some(r) => {
                    let _ = write!(
                        table,
                        " {:.2} ± {:.2}% | {:.0} ± {:.0} |",
                        100.0 * r.early_stop_test_accuracy.mean,
                        100.0 * r.early_stop_test_accuracy.std,
                        r.early_stop_iteration.mean,
                        r.early_stop_iteration.std
                    );
                }
                None => table.push_str(" – | – |"),
            }
        }
        table.push('\n');
    }
    table
}

const COLOURS: [(Branch, &str, &str); 3] = [
    (Branch::Ticket, "#0072b2", "ticket (magnitude-pruned)"),
    (Branch::RandomReinit, "#e69f00", "random reinitialisation"),
    (Branch::RandomPrune, "#d55e00", "random pruning"),
];

/// An SVG line plot of early-stop test accuracy against percent of weights remaining (log axis,
/// decreasing to the right), one line per branch with min–max bars over trials, and the dense
/// network's mean as a dashed reference.
pub fn accuracy_svg(rows: &[SummaryRow], title: &str) -> String {
    let (width, height) = (760.0, 440.0);
    let (left, right, top, bottom) = (70.0, 210.0, 40.0, 60.0);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let max_pct = rows.iter().map(|r| r.percent_remaining).fold(100.0, f64::max);
    let min_pct = rows.iter().map(|r| r.percent_remaining).fold(max_pct, f64::min).min(max_pct / 2.0);
    let lows = rows.iter().map(|r| r.early_stop_test_accuracy.min);
    let highs = rows.iter().map(|r| r.early_stop_test_accuracy.max);
    let y_min = (lows.fold(1.0, f64::min) * 200.0).floor() / 200.0; // down to a 0.5 pp step
    let y_max = ((highs.fold(0.0, f64::max) * 200.0).ceil() / 200.0).max(y_min + 0.005);
    let x = |pct: f64| left + plot_w * (max_pct.ln() - pct.ln()) / (max_pct.ln() - min_pct.ln());
    let y = |acc: f64| top + plot_h * (y_max - acc) / (y_max - y_min);

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">"#
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="#ffffff"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="{left}" y="22" font-size="14" font-weight="600" fill="#1d1d1f">{}</text>"##,
        escape(title)
    );
    // Grid and y ticks every 0.5 pp (or 1 pp / 2 pp when the range is wide).
    let span_pp = (y_max - y_min) * 100.0;
    let step = if span_pp <= 4.0 {
        0.005
    } else if span_pp <= 10.0 {
        0.01
    } else {
        0.02
    };
    let mut tick = (y_min / step).ceil() * step;
    while tick <= y_max + 1e-9 {
        let ty = y(tick);
        let _ =
            writeln!(svg, r##"<line x1="{left}" x2="{}" y1="{ty:.1}" y2="{ty:.1}" stroke="#e4e4e8"/>"##, left + plot_w);
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{:.1}" text-anchor="end" fill="#5f6368">{:.1}%</text>"##,
            left - 6.0,
            ty + 4.0,
            tick * 100.0
        );
        tick += step;
    }
    // x ticks at the levels the ticket reached; a label only where it clears the previous one.
    let mut last_label_x = f64::NEG_INFINITY;
    for row in rows.iter().filter(|r| r.branch == Branch::Ticket) {
        let tx = x(row.percent_remaining);
        let _ =
            writeln!(svg, r##"<line x1="{tx:.1}" x2="{tx:.1}" y1="{top}" y2="{}" stroke="#f0f0f3"/>"##, top + plot_h);
        if tx - last_label_x >= 36.0 {
            let _ = writeln!(
                svg,
                r##"<text x="{tx:.1}" y="{}" text-anchor="middle" fill="#5f6368">{}</text>"##,
                top + plot_h + 16.0,
                format_percent(row.percent_remaining)
            );
            last_label_x = tx;
        }
    }
    let _ = writeln!(
        svg,
        r##"<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#9a9aa2"/>"##
    );
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#1d1d1f">percent of weights remaining (log scale)</text>"##,
        left + plot_w / 2.0,
        height - 18.0
    );
    let _ = writeln!(
        svg,
        r##"<text transform="translate(18 {}) rotate(-90)" text-anchor="middle" fill="#1d1d1f">test accuracy at early stop</text>"##,
        top + plot_h / 2.0
    );
    if let Some(dense) = rows.iter().find(|r| r.branch == Branch::Ticket && r.level == 0) {
        let dy = y(dense.early_stop_test_accuracy.mean);
        let _ = writeln!(
            svg,
            r##"<line x1="{left}" x2="{}" y1="{dy:.1}" y2="{dy:.1}" stroke="#5f6368" stroke-dasharray="5 4"/>"##,
            left + plot_w
        );
    }
    let mut legend_y = top + 10.0;
    for (branch, colour, label) in COLOURS {
        let points: Vec<&SummaryRow> = rows.iter().filter(|r| r.branch == branch).collect();
        if points.is_empty() {
            continue;
        }
        let path: Vec<String> = points
            .iter()
            .map(|r| format!("{:.1},{:.1}", x(r.percent_remaining), y(r.early_stop_test_accuracy.mean)))
            .collect();
        let _ =
            writeln!(svg, r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, path.join(" "));
        for r in &points {
            let (px, spread) = (x(r.percent_remaining), &r.early_stop_test_accuracy);
            let _ = writeln!(
                svg,
                r#"<line x1="{px:.1}" x2="{px:.1}" y1="{:.1}" y2="{:.1}" stroke="{colour}" stroke-width="1.5"/>"#,
                y(spread.min),
                y(spread.max)
            );
            let _ = writeln!(svg, r#"<circle cx="{px:.1}" cy="{:.1}" r="3.5" fill="{colour}"/>"#, y(spread.mean));
        }
        let lx = left + plot_w + 16.0;
        let _ = writeln!(
            svg,
            r#"<line x1="{lx}" x2="{}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>"#,
            lx + 22.0
        );
        let _ = writeln!(
            svg,
            r##"<text x="{}" y="{}" fill="#1d1d1f">{}</text>"##,
            lx + 28.0,
            legend_y + 4.0,
            escape(label)
        );
        legend_y += 20.0;
    }
    let lx = left + plot_w + 16.0;
    let _ = writeln!(
        svg,
        r##"<line x1="{lx}" x2="{}" y1="{legend_y}" y2="{legend_y}" stroke="#5f6368" stroke-dasharray="5 4"/>"##,
        lx + 22.0
    );
    let _ = writeln!(svg, r##"<text x="{}" y="{}" fill="#1d1d1f">dense network</text>"##, lx + 28.0, legend_y + 4.0);
    let _ = writeln!(svg, r##"<text x="{lx}" y="{}" fill="#5f6368">points: mean over trials</text>"##, legend_y + 26.0);
    let _ = writeln!(svg, r##"<text x="{lx}" y="{}" fill="#5f6368">bars: min to max</text>"##, legend_y + 42.0);
    svg.push_str("</svg>\n");
    svg
}

fn format_percent(pct: f64) -> String {
    if pct >= 10.0 {
        format!("{pct:.1}")
    } else {
        format!("{pct:.2}")
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}
