// Running: Train (a live run of the form's settings, or the resumption of a kept one), Pause and
// Stop, a ticket file to start from, and keeping the live run's rounds in this browser for a
// reload (resume.js). The buttons follow the run state (run-state.js); Train dispatches the run.
import { MODELS, toConfig, toHash, fromConfig } from './settings.js';
import { RunKeeper } from './resume.js';
import { drawFinishedRounds } from './replay.js';
import { setStatus } from './status.js';
import { $, bringIntoView } from './dom.js';

/** Train, Pause, Stop and the ticket file, for the run in `store`, with `form`'s settings, run by `trials`. */
export class RunControl {
  constructor(store, form, trials) {
    Object.assign(this, { store, form, trials });
    // Keeps the live run's finished rounds and checkpoint for a reload; says so when the browser refuses.
    this.keeper = new RunKeeper((message) => {
      $('storage-notice').hidden = false;
      $('storage-notice').textContent = `Not kept: ${message}. Everything computed is still in this page: download the results to keep ` +
        'them. After a reload the run can resume only from the rounds kept before.';
      bringIntoView($('storage-notice'));
    });
    form.element.addEventListener('submit', (event) => {
      event.preventDefault();
      this.train();
    });
    $('pause').addEventListener('click', () => (store.state.phase === 'paused' ? trials.resume() : trials.pause()));
    $('stop').addEventListener('click', () => trials.stop());
    $('import-ticket').addEventListener('change', () => this.importTicket($('import-ticket').files[0]));
    store.subscribe((state, action, before) => {
      if (state.phase !== before.phase) showButtons(state.phase);
      if (!state.replaying) this.keep(state, action); // rounds drawn again are kept already
    });
  }

  /**
   * Starts a live run of the form's `values`; `resume` (describeKeptTrials's, with the kept `config`)
   * goes on from the interrupted trial (from its kept checkpoint, if any) after drawing the kept
   * rounds: the finished trials', and that trial's from before the checkpoint.
   */
  startRun(values, resume = null) {
    const { store, form } = this;
    const config = toConfig(values);
    const imported = store.state.ticket;
    const ticket = imported?.config && !resume ? imported.bytes : null;
    if (resume) drawFinishedRounds(store, resume.config, resume.drawn, values.trials);
    else store.dispatch({ type: 'views_reset', config });
    $('kept-offer').hidden = true;
    $('storage-notice').hidden = true;
    $('progress-pair').hidden = false; // a live run's: a precomputed one has no progress to show
    // A ticket's run depends on its file too: not kept. With several trials, each is kept under its own seed.
    this.keeper.start(ticket ? null : toHash(values) || '#', resume?.checkpoint, resume?.views);
    store.dispatch({
      type: 'run',
      values,
      firstTrial: resume?.trial ?? 0,
      resumedAt: resume?.checkpoint ? resume.checkpoint.level + 1 : null,
      // The charts against weights remaining span 100% down to what its last round keeps, as the form worked it out.
      xRange: form.plan && !ticket ? [form.plan.percent, 100] : null,
    });
    this.trials.run(config, ticket, values.trials, resume);
  }

  // --- inside ------------------------------------------------------------------------------

  /** Train: a run of the form's settings, once they are valid and a resumable kept run is not lost unasked. */
  train() {
    const { store, form } = this;
    if (store.state.phase !== 'idle') return;
    const values = form.read();
    if (!values) {
      setStatus('Fix the highlighted settings to start.');
      form.focusFirstProblem();
      return;
    }
    // A kept run that could resume is replaced by a new one: ask first (a second press confirms).
    if (!$('kept-offer').hidden && !$('resume-kept').hidden && !store.state.confirmingStartOver) {
      store.dispatch({ type: 'confirm_start_over' });
      setStatus('Train starts this run over, and its kept rounds are replaced as the new run finishes them. Press Train again to start over, or Resume the run to continue it.');
      bringIntoView($('kept-offer'));
      return;
    }
    this.startRun(values);
  }

  /**
   * A ticket file (or none): the first worker reads its settings (or refuses it, saying why); the
   * form takes them, and Train starts from the ticket until another file (or none) is chosen.
   */
  async importTicket(file) {
    const { store } = this;
    store.dispatch({ type: 'ticket_chosen', ticket: null });
    $('import-ticket-status').textContent = '';
    $('import-ticket-error').textContent = '';
    if (!file) return;
    const ticket = { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()), config: null };
    store.dispatch({ type: 'ticket_chosen', ticket });
    $('import-ticket-status').textContent = `Reading ${file.name}…`;
    let config;
    try {
      ({ config } = await this.trials.trainers.readTicket(ticket.bytes));
    } catch (error) {
      if (store.state.ticket !== ticket) return; // another file was chosen meanwhile
      store.dispatch({ type: 'ticket_refused' });
      $('import-ticket-status').textContent = '';
      $('import-ticket-error').textContent = error.workerMessage ?? error.message;
      return;
    }
    if (store.state.ticket !== ticket) return;
    store.dispatch({ type: 'ticket_read', config });
    this.form.write(fromConfig(config));
    this.form.changed();
    $('import-ticket-error').textContent = '';
    $('import-ticket-status').textContent = `${ticket.name}: ${MODELS[config.model]?.label ?? config.model}, seed ${config.seed}. ` +
      'Train retrains this ticket (it becomes round 0); rounds above 0 prune on from it. ' +
      'Its run is not kept in this browser, so it cannot be resumed after a reload.';
  }

  /** Keeps a live run's rounds, checkpoints, panel views and end for a reload, as they come. */
  keep(state, { type, message, trial }) {
    const { keeper, trials } = this;
    const { settings, order } = trials; // the trial's settings in force, and its segments in order
    if (type === 'started' && trial?.count > 1 && keeper.key != null) {
      // Each trial under its own one-seed link; a resumed run's interrupted one from its checkpoint.
      const first = trial.index === state.firstTrial;
      keeper.start(toHash({ ...state.values, seed: trial.seed, trials: 1 }) || '#', ...(first && trials.resumeFrom ? [trials.resumeFrom.checkpoint, trials.resumeFrom.views] : []));
    }
    if (type === 'round_done') keeper.keep(state.rounds, settings, order);
    if (type === 'checkpoint') keeper.checkpoint(message, state.rounds, settings, order);
    if (type === 'round_views') keeper.view(message);
    if (type === 'trial_ended') keeper.end(message.results); // how it ended: a reload offers no resume of a run that diverged
  }
}

/** Train while idle; Pause (or Resume) and Stop while a run goes. */
function showButtons(phase) {
  $('train').disabled = phase !== 'idle';
  $('pause').disabled = phase === 'idle';
  $('stop').disabled = phase === 'idle';
  $('pause').textContent = phase === 'paused' ? 'Resume' : 'Pause';
}
