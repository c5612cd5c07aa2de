// The per-round panels (Filters, Connections, Weights, Confusion, Draw a digit) and the trial
// picker that chooses whose rounds they show: a view of the run state (run-state.js) that fills
// them from each finished ticket round's views (the round_views messages).
import { FilterView } from './filters.js';
import { ConnectionView } from './connections.js';
import { WeightsView } from './weights.js';
import { ConfusionView } from './confusion.js';
import { DigitView } from './digit.js';
import { TrialPicker } from './trial-picker.js';
import { renderer } from './run-state.js';
import { $, showViewFailure } from './dom.js';

/** The panels that show a ticket round's views: Filters, Connections, Weights, Confusion. */
function roundPanels() {
  return {
    filters: new FilterView({
      panel: $('filters-panel'),
      layers: $('filters-layers'),
      choices: [...document.querySelectorAll('input[name="filters-weights"]')],
      note: $('filters-note'),
      scale: document.querySelector('#filters-panel .filter-scale'),
      prunedSwatch: document.querySelector('#filters-panel .filter-pruned-swatch'),
    }),
    connections: new ConnectionView({
      panel: $('connections-panel'),
      heatmap: $('connections-heatmap'),
      units: $('connections-units'),
      count: $('connections-count'),
    }),
    weights: new WeightsView({
      panel: $('weights-panel'),
      layer: $('weights-layer'),
      histogram: $('weights-histogram'),
      scatter: $('weights-scatter'),
      count: $('weights-count'),
      perLayer: $('weights-per-layer'),
    }),
    confusion: new ConfusionView({
      panel: $('confusion-panel'),
      table: $('confusion-table'),
      count: $('confusion-count'),
    }),
  };
}

/** Draw a digit, which asks `trials.trainers` (the workers that hold the ticket's networks), once a round has finished. */
const digitPanel = (trials) => new DigitView({
  panel: $('digit-panel'),
  body: $('digit-body'),
  unavailable: $('digit-unavailable'),
  pad: $('digit-pad'),
  preview: $('digit-preview'),
  clear: $('digit-clear'),
  testDigit: $('digit-test'),
  dense: $('digit-dense'),
  ticket: $('digit-ticket'),
  source: $('digit-source'),
  ask: { classify: (level, pixels) => trials.trainers.classify(level, pixels), testImage: (index) => trials.trainers.testImage(index) },
});

/** The panels of the run in `store`. Methods named after the actions they render. */
export class Panels {
  constructor(store, trials) {
    this.rounds = roundPanels();
    this.digit = digitPanel(trials);
    // With several trials, the panels show the trial picked in the Run panel (the first by default).
    this.trialPicker = new TrialPicker($('panels-trial-field'), $('panels-trial'), (messages, fresh) => {
      if (fresh) for (const view of Object.values(this.rounds)) view.reset();
      messages.forEach((message) => this.showRoundViews(message));
    });
    store.subscribe(renderer(this, ['views_reset', 'run', 'started', 'round_done', 'round_views']));
  }

  views_reset() {
    for (const view of [...Object.values(this.rounds), this.trialPicker, this.digit]) view.reset();
  }

  run() {
    this.digit.reset(); // rounds drawn again (a resumed run's) have no networks, but the ones to come will
  }

  started(state, action, before) {
    if (state !== before) this.digit.reset(); // the next trial: the workers now hold its networks, not the last one's
  }

  round_done(state) {
    if (state.replaying) this.digit.unavailable(); // rounds drawn again: no worker holds their networks
  }

  round_views(state, { message, trial }) {
    this.trialPicker.add(message, trial);
    if (state.replaying) return;
    // Draw a digit asks the worker, which holds the networks of the trial in progress only.
    const { level } = message;
    this.digit.add(level, state.rounds.find((r) => r.branch === 'ticket' && r.level === level).percent_remaining);
  }

  /** A finished ticket round's views, to the per-round panels. */
  showRoundViews({ level, filters, connections, weights, confusion }) {
    const { rounds } = this;
    if (filters.length) drawIn(rounds.filters, 'The Filters panel', () => rounds.filters.add(level, filters));
    if (connections) drawIn(rounds.connections, 'The Connections panel', () => rounds.connections.add(level, connections));
    drawIn(rounds.weights, 'The Weights panel', () => rounds.weights.add(level, weights));
    drawIn(rounds.confusion, 'The Confusion panel', () => rounds.confusion.add(level, confusion));
  }
}

/** Runs `draw` for one panel's view; if it throws, the panel says so and the other panels still draw. */
function drawIn(view, name, draw) {
  try {
    draw();
  } catch (error) {
    view.panel.hidden = false;
    showViewFailure(view.panel, name, error);
    setTimeout(() => { throw error; }); // and in the console, as the page's error
  }
}
