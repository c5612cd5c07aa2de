// The page's run state, and its one owner. Nothing else holds what a run is doing: every change is
// an action given to store.dispatch(), reduce() alone makes the next state from the last one and
// the action, and the views (status.js, run-charts.js, panels.js, downloads.js, run-control.js, …)
// subscribe and render from the new state and the action that made it. Pure: tested in node.
//
// Actions: the worker's messages, as {type, message, trial} (trials.js's message and trial,
// unchanged: 'started', 'progress', 'evaluation', 'round_done', 'round_views', 'checkpoint',
// 'trial_ended', 'paused', 'resumed', 'done', 'stopped', 'error', 'loading'), and the page's own:
//   {type:'views_reset', config}  every view emptied for a new run of `config` (live or drawn again)
//   {type:'replay', replaying}    drawing kept or precomputed rounds (true), or done with them
//   {type:'next_trial'}           a replay's next trial begins
//   {type:'run', values, config, firstTrial, resumedAt, xRange}  Train: a live run starts
//   {type:'confirm_start_over'}   Train pressed once with a resumable run on offer
//   {type:'ticket_chosen', ticket} | {type:'ticket_read', config} | {type:'ticket_refused'}
import { BRANCH_ORDER, trialsOf } from './run-trials.js';

export const INITIAL_STATE = Object.freeze({
  phase: 'idle', // idle | running | paused: a live run's
  replaying: false, // drawing kept or precomputed rounds, not a live run's
  values: null, // the live run's form settings
  firstTrial: 0, // the trial the live run started at (a resumed run's interrupted one)
  resumedAt: null, // the level a resumed run goes on from (null: a run from the start)
  rounds: [], // RoundResult objects of the trial in progress (the run, with one trial)
  earlierTrials: [], // the finished rounds of each trial before it, for the charts' mean and spread
  curves: null, // the round of the learning curves on show: {rank: [trial, level, branch rank], branch, level, trial}
  results: null, // the latest results object: what the downloads hold
  ticket: null, // an imported ticket file: {name, bytes, config (once the worker has read it)}
  confirmingStartOver: false, // Train was pressed once with a resumable run on offer
});

/** The run's last test accuracy, from its last round with an evaluation. */
export const lastEvaluation = (results) => trialsOf(results).flatMap((trial) => trial.rounds).findLast((r) => r.last)?.last;

/** An evaluation's place in the order of a run: [trial, level, branch rank]. */
export const rankOf = (point, trial) => [trial?.index ?? 0, point.level, BRANCH_ORDER.indexOf(point.branch)];

const sameRank = (a, b) => a.every((value, index) => value === b[index]);

/** Whether rank `a` comes before rank `b` in the order of a run. */
const isOlder = (a, b) => {
  const i = a.findIndex((value, index) => value !== b[index]);
  return i >= 0 && a[i] < b[i];
};

/** Whether the learning curves on show in `state` are those of this evaluation. */
export const showsCurvesOf = (state, point, trial) => Boolean(state.curves) && sameRank(state.curves.rank, rankOf(point, trial));

/** The trial in progress's rounds join the earlier trials' (the charts' spread): a new trial begins. */
const nextTrial = (state) => ({ ...state, earlierTrials: [...state.earlierTrials, state.rounds], rounds: [] });

/** The next state: `state` changed by `action` (never changed in place). */
export function reduce(state, action) {
  const { message, trial } = action;
  switch (action.type) {
    case 'views_reset':
      return { ...state, rounds: [], earlierTrials: [], curves: null, results: null };
    case 'replay':
      return { ...state, replaying: action.replaying };
    case 'next_trial':
      return nextTrial(state);
    case 'run':
      return { ...state, phase: 'running', values: action.values, firstTrial: action.firstTrial, resumedAt: action.resumedAt, confirmingStartOver: false };
    case 'confirm_start_over':
      return { ...state, confirmingStartOver: true };
    case 'ticket_chosen':
      return { ...state, ticket: action.ticket };
    case 'ticket_read':
      return { ...state, ticket: { ...state.ticket, config: action.config } };
    case 'ticket_refused':
      return { ...state, ticket: null };
    case 'started':
      // A trial after the run's first: the workers now hold its networks, not the last one's.
      return !trial || trial.index === state.firstTrial ? state : { ...nextTrial(state), resumedAt: null };
    case 'evaluation': {
      // The curves show the newest round begun (by trial, level, then branch: the order one worker
      // trains them in). With two workers an older round may still be training beside it; its
      // evaluations are in the results, but would make the curves flip between the two.
      const rank = rankOf(message, trial);
      if (state.curves && (sameRank(rank, state.curves.rank) || isOlder(rank, state.curves.rank))) return state;
      return { ...state, curves: { rank, branch: message.branch, level: message.level, trial } };
    }
    case 'round_done':
      return { ...state, rounds: [...state.rounds, message] };
    case 'paused':
      return { ...state, phase: 'paused' };
    case 'resumed':
      return { ...state, phase: 'running' };
    case 'done':
    case 'stopped':
      return { ...state, phase: 'idle', results: message.results };
    case 'error':
      // What was computed before the error, if anything was.
      return { ...state, phase: 'idle', results: lastEvaluation(message.results) ? message.results : null };
    default:
      return state;
  }
}

/**
 * A subscriber for a view whose methods are named after the actions it renders: `types`, each
 * rendered by view[type](state, action, before).
 */
export const renderer = (view, types) => (state, action, before) => {
  if (types.includes(action.type)) view[action.type](state, action, before);
};

/** What a view that throws does by default: the error surfaces as the page's, after the other views have rendered. */
const rethrowLater = (error) => setTimeout(() => { throw error; });

/**
 * The one holder of the run state: `state`, `dispatch(action)` (reduce, then every subscriber in
 * the order they subscribed), and `subscribe(view, failed)`, where view(state, action, before)
 * renders. A view that throws does not stop the others: its error goes to its `failed(error)`.
 */
export function createStore(initial = INITIAL_STATE) {
  let state = initial;
  const views = [];
  return {
    get state() {
      return state;
    },
    dispatch(action) {
      const before = state;
      state = reduce(state, action);
      for (const { view, failed } of views) {
        try {
          view(state, action, before);
        } catch (error) {
          failed(error);
        }
      }
    },
    subscribe(view, failed = rethrowLater) {
      views.push({ view, failed });
    },
  };
}
