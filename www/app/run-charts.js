// The run's charts: the learning curves (accuracy and loss) of the round on show, and, against
// the weights remaining, the test accuracy and iteration at early stop of each branch (the mean
// and spread with several trials), with the headline numbers above them. A view of the run state
// (run-state.js).
import { LineChart, PALETTE } from './charts.js';
import { trialLabel } from './trials.js';
import { chartColumns } from './run-trials.js';
import { percentText } from './settings.js';
import { renderer, showsCurvesOf } from './run-state.js';
import { $ } from './dom.js';
import { percent, segmentLabel } from './wording.js';

const BRANCHES = [
  { branch: 'ticket', label: 'ticket', colour: PALETTE.blue },
  { branch: 'random_reinit', label: 'random re-init', colour: PALETTE.orange, dash: [6, 3] },
  { branch: 'random_prune', label: 'random pruning', colour: PALETTE.vermillion, dash: [2, 3] },
];
const WEIGHTS_REMAINING_AXIS = { label: 'weights remaining (log scale)', log: true, reversed: true, format: (v) => `${v < 10 ? v.toFixed(1) : v.toFixed(0)}%` };
// The branches, then the dense network's value as a reference line across the chart.
const DENSE_REFERENCE = { label: 'dense network', colour: '#8a8a8a', dash: [2, 4], points: { show: false } };
// The dense network (100% of the weights) starts every branch's line, but its point is the ticket's:
// the controls draw none there, so that it keeps the ticket's colour (uPlot's points.filter picks
// the indices to draw; null: all).
const pointsBesideTheDenseNetwork = (plot, seriesIndex, show) => (show ? plot.data[0].flatMap((x, i) => (x < 100 ? [i] : [])) : null);
const BRANCH_SERIES = [
  ...BRANCHES.map(({ branch, label, colour, dash }) => ({
    label, colour, dash, points: branch === 'ticket' ? { size: 7 } : { size: 7, filter: pointsBesideTheDenseNetwork },
  })),
  DENSE_REFERENCE,
];

/** Accuracy ticks as percentages with the decimals their spacing needs (0.05% apart: two), so no two read alike. */
function percentTickLabels(ticks) {
  const step = ticks.length > 1 ? Math.abs(ticks[1] - ticks[0]) * 100 : 1;
  const decimals = step > 0 ? Math.min(3, Math.max(1, Math.ceil(-Math.log10(step) - 1e-9))) : 1;
  return ticks.map((v) => (v == null ? '' : `${(v * 100).toFixed(decimals)}%`));
}

// Each chart's options.
const CHART_OPTIONS = {
  accuracy: {
    y: {
      label: 'accuracy',
      // From 1 down to just below the lowest accuracy after iteration 0 (the untrained network's
      // chance-level point would squash the part worth seeing, 90–100%, into a sliver).
      range: (plot) => {
        const trained = plot.data.slice(1).flatMap((values) => values.slice(1)).filter((v) => v != null);
        const lowest = trained.length ? Math.min(...trained) : 0;
        return [Math.min(0.9, Math.floor(lowest * 20) / 20), 1];
      },
      format: (v) => `${(v * 100).toFixed(1)}%`,
    },
    series: [
      { label: 'validation', colour: PALETTE.blue },
      { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
    ],
  },
  loss: {
    y: { label: 'loss (log scale)', log: true, format: (v) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2)) },
    series: [
      { label: 'training', colour: PALETTE.green },
      { label: 'validation', colour: PALETTE.blue },
      { label: 'test', colour: PALETTE.orange, dash: [6, 3] },
    ],
  },
  tickets: {
    x: WEIGHTS_REMAINING_AXIS,
    y: { label: 'test accuracy at early stop', format: (v) => `${(v * 100).toFixed(1)}%`, tickLabels: percentTickLabels },
    series: BRANCH_SERIES,
  },
  earlyStop: {
    x: WEIGHTS_REMAINING_AXIS,
    y: { label: 'early-stop iteration', format: (v) => Math.round(v).toLocaleString('en') },
    series: BRANCH_SERIES,
  },
};

/** The charts of the run in `store`: accuracy, loss, tickets, earlyStop (LineCharts). Methods named after the actions they render. */
export class RunCharts {
  constructor(store) {
    this.accuracy = new LineChart($('accuracy-chart'), CHART_OPTIONS.accuracy);
    this.loss = new LineChart($('loss-chart'), CHART_OPTIONS.loss);
    this.tickets = new LineChart($('tickets-chart'), CHART_OPTIONS.tickets);
    this.earlyStop = new LineChart($('early-stop-chart'), CHART_OPTIONS.earlyStop);
    this.againstWeights = [this.tickets, this.earlyStop];
    store.subscribe(renderer(this, ['views_reset', 'run', 'evaluation', 'round_done']));
  }

  views_reset(state, { config }) {
    this.accuracy.reset();
    this.loss.reset();
    this.drawTickets(state);
    // Only the branches this run trains, in the charts and their legends; the x axes fitted to the data.
    BRANCHES.forEach(({ branch }, index) => {
      for (const chart of this.againstWeights) chart.showSeries(index, branch === 'ticket' || (config.controls ?? []).includes(branch));
    });
    for (const chart of this.againstWeights) chart.holdXRange(null);
    const denseOnly = config.rounds === 0;
    $('tickets-chart').hidden = denseOnly;
    $('tickets-caption').hidden = denseOnly;
    $('tickets-empty').hidden = !denseOnly;
    $('early-stop-panel').hidden = denseOnly;
    document.querySelector('#headline .headline-reinit').hidden = !(config.controls ?? []).includes('random_reinit');
  }

  run(state, { xRange }) {
    // The charts against weights remaining span the whole run from its start.
    for (const chart of this.againstWeights) chart.holdXRange(xRange);
  }

  evaluation(state, { message: point, trial }, before) {
    if (!showsCurvesOf(state, point, trial)) return; // an older round's, beside the newest
    if (state.curves !== before.curves) {
      this.accuracy.reset();
      this.loss.reset();
      labelCurves(state);
    }
    this.accuracy.add(point.iteration, [point.validation_accuracy, point.test_accuracy]);
    this.loss.add(point.iteration, [point.train_loss, point.validation_loss, point.test_loss]);
  }

  round_done(state) {
    labelCurves(state);
    this.drawTickets(state);
  }

  /**
   * The charts against weights remaining, from the rounds done: x = % remaining, one line per
   * branch: test accuracy and iteration at early stop; with several trials, their mean, and the
   * spread (min to max, and each trial's points) of those that finished each level.
   */
  drawTickets({ earlierTrials, rounds }) {
    const trials = [...earlierTrials, rounds];
    const several = trials.length > 1;
    const branches = BRANCHES.map(({ branch }) => branch);
    for (const [chart, measure] of [[this.tickets, (stop) => stop.test_accuracy], [this.earlyStop, (stop) => stop.iteration]]) {
      const { xs, means, spreads } = chartColumns(trials, branches, measure);
      const dense = means[0].at(-1) ?? null; // level 0 (100%) is the last x, every branch's start
      chart.setData(xs, [...means, xs.map(() => dense)], several ? [...spreads, null] : null);
      if (chart === this.tickets) showHeadline(xs, means, several ? trials.length : 1);
    }
    for (const hint of document.querySelectorAll('.trials-hint')) {
      hint.textContent = several ? `mean of ${trials.length} trials; band: lowest to highest` : '';
    }
  }
}

/** The curves' label: their round, and its share of weights once its ticket has finished. */
function labelCurves({ curves, rounds }) {
  if (!curves) return;
  const { branch, level, trial } = curves;
  const label = segmentLabel(branch, level, rounds.find((r) => r.branch === 'ticket' && r.level === level)?.percent_remaining) +
    (trial?.count > 1 ? ` (${trialLabel(trial).toLowerCase()})` : '');
  $('segment-label').textContent = label;
  $('segment-label-loss').textContent = label;
}

/**
 * The headline numbers, the ticket's first: its test accuracy at early stop at the sparsest level
 * it has finished, the random re-initialisation's at that level, and the dense network's; means
 * over trials. `xs` ascend, so the sparsest level is the first with a ticket value.
 */
function showHeadline(xs, [ticket, reinit], trials) {
  const sparsest = ticket.findIndex((value) => value != null);
  const pruned = sparsest >= 0 && sparsest < xs.length - 1;
  $('headline').hidden = xs.length === 0;
  $('headline-note').hidden = xs.length === 0;
  $('headline-dense').textContent = xs.length ? percent(ticket.at(-1)) : '–';
  $('headline-ticket').textContent = pruned ? percent(ticket[sparsest]) : '–';
  $('headline-ticket-share').textContent = pruned ? `${percentText(xs[sparsest])} of weights` : 'no round pruned yet';
  $('headline-reinit').textContent = pruned && reinit[sparsest] != null ? percent(reinit[sparsest]) : '–';
  $('headline-note').textContent = `test accuracy at early stop${trials > 1 ? `, mean of ${trials} trials` : ''}` +
    (pruned && reinit[sparsest] == null ? '; the random re-init of that round is still to come' : '');
}
