// The page's run state (www/app/run-state.js) without a browser: the one reducer, which alone makes
// each next state, never changes a state in place, and follows a run as the views need it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { INITIAL_STATE, createStore, reduce, showsCurvesOf } from '../../www/app/run-state.js';

const point = (branch, level, iteration) => ({ branch, level, iteration, test_accuracy: 0.9 });
const round = (branch, level) => ({ branch, level, complete: true, percent_remaining: 100 * 0.8 ** level, evaluations: [], last: { test_accuracy: 0.9, iteration: 10 } });
const trial = (index, count = 2) => ({ index, seed: 5 + index, count });
const worker = (message, from = null) => ({ type: message.type, message, trial: from });

test('a run of two trials: phase, rounds per trial, and results, each a new state', () => {
  const states = [];
  const store = createStore();
  store.subscribe((state, action, before) => states.push({ state, action, before }));
  store.dispatch({ type: 'views_reset', config: {} });
  store.dispatch({ type: 'run', values: { seed: 5 }, firstTrial: 0, resumedAt: null, xRange: null });
  assert.equal(store.state.phase, 'running');
  store.dispatch(worker({ type: 'started', config: {} }, trial(0)));
  store.dispatch(worker({ type: 'round_done', ...round('ticket', 0) }, trial(0)));
  store.dispatch(worker({ type: 'paused' }, trial(0)));
  assert.equal(store.state.phase, 'paused');
  store.dispatch(worker({ type: 'resumed' }, trial(0)));
  store.dispatch(worker({ type: 'started', config: {} }, trial(1)));
  assert.deepEqual(store.state.earlierTrials.map((rounds) => rounds.length), [1], 'the first trial\'s rounds move to the spread');
  assert.deepEqual(store.state.rounds, []);
  const results = { config: {}, rounds: [round('ticket', 0)] };
  store.dispatch(worker({ type: 'done', results }, trial(1)));
  assert.equal(store.state.phase, 'idle');
  assert.equal(store.state.results, results);
  states.forEach(({ before }, index) => assert.equal(before, index === 0 ? INITIAL_STATE : states[index - 1].state, 'each view sees every state, in turn'));
  assert.equal(INITIAL_STATE.rounds.length, 0, 'the initial state is never changed');
});

test('the learning curves follow the newest round begun and ignore an older one still training beside it', () => {
  let state = INITIAL_STATE;
  state = reduce(state, worker({ type: 'evaluation', ...point('ticket', 1, 0) }));
  assert.deepEqual(state.curves.rank, [0, 1, 0]);
  const older = worker({ type: 'evaluation', ...point('random_reinit', 0, 5) });
  assert.equal(reduce(state, older), state, 'an older round leaves the state as it was');
  assert.equal(showsCurvesOf(state, older.message, null), false);
  const same = worker({ type: 'evaluation', ...point('ticket', 1, 20) });
  assert.equal(reduce(state, same), state);
  assert.equal(showsCurvesOf(state, same.message, null), true);
  assert.deepEqual(reduce(state, worker({ type: 'evaluation', ...point('ticket', 2, 0) })).curves.rank, [0, 2, 0]);
});

test('an error keeps the results only when something was evaluated; a ticket file read or refused', () => {
  const running = { ...INITIAL_STATE, phase: 'running' };
  assert.equal(reduce(running, worker({ type: 'error', message: 'x', results: { config: {}, rounds: [] } })).results, null);
  const results = { config: {}, rounds: [round('ticket', 0)] };
  assert.equal(reduce(running, worker({ type: 'error', message: 'x', results })).results, results);
  const chosen = reduce(INITIAL_STATE, { type: 'ticket_chosen', ticket: { name: 'a', bytes: new Uint8Array(1), config: null } });
  assert.deepEqual(reduce(chosen, { type: 'ticket_read', config: { seed: 3 } }).ticket.config, { seed: 3 });
  assert.equal(reduce(chosen, { type: 'ticket_refused' }).ticket, null);
});

test('a view that throws does not stop the others: its error goes to its own failure handler', () => {
  const store = createStore();
  const seen = [];
  const failures = [];
  store.subscribe(() => seen.push('first'));
  store.subscribe(() => { throw new Error('a broken view'); }, (error) => failures.push(error.message));
  store.subscribe(() => seen.push('last'));
  store.dispatch({ type: 'views_reset', config: {} });
  store.dispatch({ type: 'run', values: { seed: 5 }, firstTrial: 0, resumedAt: null, xRange: null });
  assert.deepEqual(seen, ['first', 'last', 'first', 'last']);
  assert.deepEqual(failures, ['a broken view', 'a broken view']);
  assert.equal(store.state.phase, 'running', 'the state moves on');
});
