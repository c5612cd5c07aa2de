#!/usr/bin/env python3
"""The five-seed run against the paper (issue 16): the table, each of the paper's reported findings
checked against the numbers, and a plot with the paper's reported values drawn in.

    python3 scripts/paper-compare.py SUMMARY_JSON OUT_DIR

SUMMARY_JSON is `lth summarize`'s summary.json over the trials of `lth imp --preset paper --controls
random_reinit,random_prune` (LeNet-300-100). Writes OUT_DIR/comparison.md and comparison.svg. Plain
Python 3, no packages.

What the paper reports for LeNet-300-100 (Frankle & Carbin, ICLR 2019, section 2 and figures 3 and
4), as this project's architecture notes give it: the dense network reaches about 98.0% test
accuracy; winning tickets reach higher accuracy than it down to about 21% of the weights (0.3
points or more at 13.5%) and stay at its accuracy down to 3.6%; a random re-initialisation of the
same mask falls below the dense network from 21.1% on and learns more slowly (the ticket's early
stop about 2.5 times sooner at 21%); random pruning is worse still. The paper gives these as text
and figures, not as a table, so they are drawn as the values and relations they state, not as
measured points. The thresholds that turn "about" and "near" into a yes or no are this script's and
are printed beside each finding.
"""
import json
import math
import sys

BRANCHES = [("ticket", "ticket", "#0072b2"), ("random_reinit", "random re-init", "#e69f00"), ("random_prune", "random pruning", "#d55e00")]
LEVELS = [0, 3, 7, 9, 12, 15, 18]  # the paper's landmarks: 100, 51.3, 21.1, 13.5, 6.95, 3.6, 1.85%
PAPER_DENSE = 0.980
NEAR = 0.003  # "about" / "near" / "at": within 0.3 points


def rows_by(summary):
    return {(row["branch"], row["level"]): row for row in summary["rows"]}


def pct(fraction):
    return f"{100 * fraction:.2f}%"


def cell(row, measure, as_percent):
    if row is None:
        return "–"
    spread = row[measure]
    if as_percent:
        return f"{100 * spread['mean']:.2f} ± {100 * spread['std']:.2f}% ({100 * spread['min']:.2f}–{100 * spread['max']:.2f})"
    return f"{spread['mean']:,.0f} ± {spread['std']:,.0f}"


def findings(rows):
    """Each reported finding: (the paper's words, what the numbers say, agrees)."""
    acc = lambda branch, level: rows[(branch, level)]["early_stop_test_accuracy"]["mean"]
    stop = lambda branch, level: rows[(branch, level)]["early_stop_iteration"]["mean"]
    dense = acc("ticket", 0)
    out = [(
        "the dense network reaches about 98.0% test accuracy",
        f"{pct(dense)} at early stop (mean; 'about': within {100 * NEAR:.1f} points)",
        abs(dense - PAPER_DENSE) <= NEAR,
    )]
    for level in (7, 9):
        ticket = acc("ticket", level)
        out.append((
            f"the ticket at {rows[('ticket', level)]['percent_remaining']:.1f}% of the weights is at or above the dense network",
            f"{pct(ticket)} against {pct(dense)} ({100 * (ticket - dense):+.2f} points)",
            ticket >= dense,
        ))
    ticket = acc("ticket", 9)
    out.append(("at 13.5% the ticket gains 0.3 points or more", f"{100 * (ticket - dense):+.2f} points", ticket - dense >= 0.003))
    ticket = acc("ticket", 15)
    out.append((
        "at 3.6% the ticket is near the dense network",
        f"{pct(ticket)} against {pct(dense)} ({100 * (ticket - dense):+.2f} points; 'near': within {100 * NEAR:.1f})",
        abs(ticket - dense) <= NEAR,
    ))
    below = [level for level in range(7, 16) if (("random_reinit", level) in rows) and acc("random_reinit", level) < dense]
    out.append((
        "random re-initialisation is below the dense network from about 21% on",
        f"below it at {len(below)} of the 9 levels from 21.1% to 3.6% ({pct(acc('random_reinit', 7))} at 21.1%)",
        len(below) == 9,
    ))
    ratio = stop("random_reinit", 7) / stop("ticket", 7)
    out.append((
        "at 21% the ticket stops early about 2.5 times sooner than random re-initialisation",
        f"{stop('ticket', 7):,.0f} against {stop('random_reinit', 7):,.0f} iterations: {ratio:.2f} times sooner ('about': 2 to 3.5)",
        2.0 <= ratio <= 3.5,
    ))
    if any(branch == "random_prune" for branch, _ in rows):  # a run without random pruning says nothing of it
        worse = [level for level in range(1, 16) if ("random_prune", level) in rows and acc("random_prune", level) <= acc("random_reinit", level)]
        out.append((
            "random pruning is worse still",
            f"at or below random re-initialisation at {len(worse)} of the 15 levels to 3.6%",
            len(worse) >= 13,
        ))
    return out


def markdown(summary, rows):
    seeds = summary["seeds"]
    missing = summary.get("missing_seeds") or []
    lines = [
        "# The paper's LeNet-300-100 figure against this project's run",
        "",
        f"`lth imp --preset paper --controls random_reinit,random_prune`, seeds {', '.join(map(str, seeds))}"
        + (f" (**partial: seeds {', '.join(map(str, missing))} missing**)" if missing else "")
        + "; test accuracy and iteration at early stop (the minimum of validation loss), mean ± standard deviation over the seeds (min–max). Made by `scripts/paper-compare.py`; the plot is [comparison.svg](comparison.svg).",
        "",
        "| weights remaining | " + " | ".join(f"{name} accuracy" for _, name, _ in BRANCHES) + " | ticket early stop | random re-init early stop |",
        "|---:|" + "---:|" * (len(BRANCHES) + 2),
    ]
    for level in LEVELS:
        if ("ticket", level) not in rows:
            continue
        branch_row = lambda branch: rows.get((branch, level)) if level > 0 else (rows[("ticket", 0)] if branch == "ticket" else None)
        lines.append(
            f"| {rows[('ticket', level)]['percent_remaining']:.2f}% | "
            + " | ".join(cell(branch_row(branch), "early_stop_test_accuracy", True) for branch, _, _ in BRANCHES)
            + f" | {cell(branch_row('ticket'), 'early_stop_iteration', False)} | {cell(branch_row('random_reinit'), 'early_stop_iteration', False)} |"
        )
    lines += ["", "What the paper reports, and what these seeds say:", "", "| the paper | here | agrees |", "|---|---|---|"]
    for claim, here, agrees in findings(rows):
        lines.append(f"| {claim} | {here} | {'yes' if agrees else '**no**'} |")
    return "\n".join(lines) + "\n"


def nice_ticks(lo, hi, count=5):
    """Round tick values spanning [lo, hi]: steps of 1, 2 or 5 times a power of ten."""
    raw = (hi - lo) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def svg(rows):
    """Two panels against weights remaining (log scale, 100% on the left): test accuracy and iteration at early stop."""
    width, height, left, panel_w, panel_h, top, gap = 1000, 450, 70, 380, 300, 40, 120
    levels = sorted({level for (_, level) in rows}, key=lambda level: -rows[("ticket", level)]["percent_remaining"])
    xs = {level: rows[("ticket", level)]["percent_remaining"] for level in levels}
    lo, hi = math.log10(min(xs.values())), math.log10(100)
    x_of = lambda origin, percent: origin + (hi - math.log10(percent)) / (hi - lo) * panel_w
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="#ffffff"/>']
    panels = [("test accuracy at early stop", "early_stop_test_accuracy", left), ("early-stop iteration", "early_stop_iteration", left + panel_w + gap)]
    for title, measure, origin in panels:
        values = [rows[key][measure][edge] for key in rows for edge in ("min", "max")]
        if measure == "early_stop_test_accuracy":
            values.append(PAPER_DENSE)
        y_lo, y_hi = min(values), max(values)
        pad = (y_hi - y_lo) * 0.08 or 0.01
        y_lo, y_hi = max(0.0, y_lo - pad), y_hi + pad
        y_of = lambda v: top + (y_hi - v) / (y_hi - y_lo) * panel_h
        out.append(f'<text x="{origin}" y="{top - 14}" font-weight="bold">{title}</text>')
        out.append(f'<rect x="{origin}" y="{top}" width="{panel_w}" height="{panel_h}" fill="none" stroke="#c8c8cc"/>')
        for v in nice_ticks(y_lo, y_hi):
            label = f"{100 * v:.1f}%" if measure == "early_stop_test_accuracy" else f"{v:,.0f}"
            out.append(f'<line x1="{origin}" x2="{origin + panel_w}" y1="{y_of(v):.1f}" y2="{y_of(v):.1f}" stroke="#eeeef1"/>')
            out.append(f'<text x="{origin - 6}" y="{y_of(v) + 4:.1f}" text-anchor="end" fill="#5f6368">{label}</text>')
        for percent in (100, 51.3, 21.1, 13.5, 6.95, 3.6, 1.85):
            if percent >= min(xs.values()) - 0.01:
                out.append(f'<text x="{x_of(origin, percent):.1f}" y="{top + panel_h + 16}" text-anchor="middle" fill="#5f6368">{percent:g}%</text>')
        out.append(f'<text x="{origin + panel_w / 2}" y="{top + panel_h + 34}" text-anchor="middle" fill="#5f6368">weights remaining (log scale)</text>')
        for branch, name, colour in BRANCHES:
            points = [(xs[level], rows[(branch, level)] if level > 0 else rows[("ticket", 0)]) for level in levels if level == 0 or (branch, level) in rows]
            path = " ".join(f"{x_of(origin, p):.1f},{y_of(r[measure]['mean']):.1f}" for p, r in points)
            dash = {"ticket": "", "random_reinit": ' stroke-dasharray="6 3"', "random_prune": ' stroke-dasharray="2 3"'}[branch]
            out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
            for p, r in points:
                x = x_of(origin, p)
                out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y_of(r[measure]["min"]):.1f}" y2="{y_of(r[measure]["max"]):.1f}" stroke="{colour}"/>')
                out.append(f'<circle cx="{x:.1f}" cy="{y_of(r[measure]["mean"]):.1f}" r="3" fill="{colour}"/>')
        if measure == "early_stop_test_accuracy":
            # The paper's reported values: the dense network's 98.0%, and the ticket at or above it at
            # 21.1% and 13.5% (triangles pointing up from it), near it at 3.6% (a diamond).
            y = y_of(PAPER_DENSE)
            out.append(f'<line x1="{origin}" x2="{origin + panel_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#000000" stroke-dasharray="1 3"/>')
            out.append(f'<text x="{origin + 6}" y="{top + panel_h - 24}">black, the paper: dense about 98.0% (dotted);</text>')
            out.append(f'<text x="{origin + 6}" y="{top + panel_h - 9}">the ticket at or above it at 21.1% and 13.5% (△), near it at 3.6% (◇)</text>')
            for percent in (21.1, 13.5):
                x = x_of(origin, percent)
                out.append(f'<path d="M {x - 6:.1f} {y:.1f} L {x + 6:.1f} {y:.1f} L {x:.1f} {y - 10:.1f} Z" fill="none" stroke="#000000"/>')
            x = x_of(origin, 3.6)
            out.append(f'<path d="M {x:.1f} {y - 6:.1f} L {x + 6:.1f} {y:.1f} L {x:.1f} {y + 6:.1f} L {x - 6:.1f} {y:.1f} Z" fill="none" stroke="#000000"/>')
        else:
            # The paper: at 21% the ticket stops about 2.5 times sooner than random re-initialisation.
            reinit = rows[("random_reinit", 7)]["early_stop_iteration"]["mean"]
            x, y = x_of(origin, 21.1), y_of(reinit / 2.5)
            out.append(f'<path d="M {x - 6:.1f} {y:.1f} L {x + 6:.1f} {y:.1f} L {x:.1f} {y - 10:.1f} Z" fill="none" stroke="#000000"/>')
            out.append(f'<text x="{x + 9:.1f}" y="{y + 4:.1f}">paper: re-init ÷ 2.5</text>')
    legend_y = height - 22
    x = left
    for _, name, colour in BRANCHES:
        out.append(f'<line x1="{x}" x2="{x + 22}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{x + 28}" y="{legend_y + 4}">{name}</text>')
        x += 150
    out.append(f'<text x="{x}" y="{legend_y + 4}" fill="#5f6368">points: mean over seeds; bars: min to max; black: the paper\'s reported values</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    summary = json.load(open(sys.argv[1]))
    rows = rows_by(summary)
    with open(f"{sys.argv[2]}/comparison.md", "w") as out:
        out.write(markdown(summary, rows))
    with open(f"{sys.argv[2]}/comparison.svg", "w") as out:
        out.write(svg(rows))


if __name__ == "__main__":
    main()
