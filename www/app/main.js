// The page, put together: the run state (run-state.js) that every view renders from, the workers
// that run it (trials.js over trainers.js; their messages become the state's actions), the
// settings form (form.js), and the views: status.js, run-charts.js, panels.js, downloads.js, with
// run-control.js (Train, Pause, Stop, a ticket file, keeping rounds), replay.js (the precomputed
// and kept runs) and embed-box.js. Each module's header says what it owns.
import { createStore } from './run-state.js';
import { Trials } from './trials.js';
import { SettingsForm } from './form.js';
import { StatusView } from './status.js';
import { RunCharts } from './run-charts.js';
import { Panels } from './panels.js';
import { watchDownloads } from './downloads.js';
import { RunControl } from './run-control.js';
import { Replays } from './replay.js';
import { setUpEmbedding } from './embed-box.js';
import { Tour } from './tour.js';
import { $, showViewFailure } from './dom.js';

const store = createStore();

/**
 * Each view is set up on its own: one that throws (a browser without something it needs, a
 * library that fails) says so in its own panel, `panelId`'s, and the rest of the page works on,
 * training first. Its renders go to the run state through a store whose failures land there too.
 * Returns what `make(store)` made, or null.
 */
function setUp(name, panelId, make) {
  const failed = (error) => {
    showViewFailure($(panelId), name, error);
    setTimeout(() => { throw error; }); // and in the console, as the page's error
  };
  const viewStore = {
    get state() {
      return store.state;
    },
    dispatch: (action) => store.dispatch(action),
    subscribe: (view) => store.subscribe(view, failed),
  };
  try {
    return make(viewStore);
  } catch (error) {
    failed(error);
    return null;
  }
}

// One worker, or (with controls, on a machine with cores to spare) one for the ticket and more for
// the controls: see trainers.js; several trials, side by side where the cores allow, shown one
// after another: see trials.js. Each message is an action on the run state, with the trial it
// comes from. `trials.trainers`, the workers of the trial on show, answer the page's questions.
const trials = new Trials((message, trial) => store.dispatch({ type: message.type, message, trial }), navigator.hardwareConcurrency || 1);

// The views: each subscribes to the run state as it is made, and renders its actions in this order.
const form = setUp('The settings form', 'settings-panel', (viewStore) => new SettingsForm(viewStore, trials.trainers));
const charts = setUp('The charts', 'run-panel', (viewStore) => new RunCharts(viewStore));
setUp('The per-round panels', 'details-panel', (viewStore) => new Panels(viewStore, trials));
setUp('The status line', 'run-panel', (viewStore) => new StatusView(viewStore, form));
if (charts) setUp('The downloads', 'details-panel', (viewStore) => watchDownloads(viewStore, trials, charts));
const control = setUp('Train, Pause and Stop', 'run-panel', (viewStore) => new RunControl(viewStore, form, trials));

setUp('The link\'s settings', 'settings-panel', () => form.loadFromUrl());
setUp('The finished runs', 'run-panel', (viewStore) => new Replays(viewStore, form, (values, resume) => control.startRun(values, resume)));
setUp('Embedding', 'details-panel', () => setUpEmbedding(form));
setUp('How it works', 'run-panel', () => {
  const tour = new Tour($('tour'));
  $('start-tour').addEventListener('click', () => tour.start());
});

// For page tests and the curious: the latest results object, the rounds done so far (of the trial
// in progress), and how many workers the current (or last) run uses.
window.ticketlab = {
  results: () => store.state.results,
  rounds: () => store.state.rounds.map(({ branch, level }) => `${branch}/${level}`),
  workers: () => trials.workerCount,
  // Each worker's core memory in bytes (its WebAssembly memory: MNIST, networks, optimizer).
  workerMemory: () => trials.workerMemory(),
  // The settings in force (the core's, once a run has started: a target's rounds resolved), and
  // what the page worked out the chosen rounds or target keep.
  settings: () => trials.settings,
  pruningPlan: () => form?.plan,
  // What the charts against weights remaining hold: [x, ...one column per branch].
  // With several trials, the lines are their means; *Spread: per branch {min, max, trials: [per trial]}.
  chartData: () => ({ tickets: charts?.tickets.data, earlyStop: charts?.earlyStop.data, ticketsSpread: charts?.tickets.spreads, earlyStopSpread: charts?.earlyStop.spreads,
    accuracy: charts?.accuracy.data }),
};
