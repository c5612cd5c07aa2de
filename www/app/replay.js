// Finished runs drawn again, as if they had just run: the precomputed run (the quick preset, seed
// 0, made by lth: scripts/precompute), shown at once on a first visit for a reader who wants the
// result before computing it live; and the rounds this browser kept of an earlier visit's run with
// the same settings, offered to show or to resume. Both only dispatch to the run state.
import { defaults, toHash } from './settings.js';
import { keptRounds, DAMAGED } from './kept-runs.js';
import { describeKeptTrials } from './resume.js';
import { canGunzip, gunzipped } from './gzip.js';
import { MNIST_MB } from './form.js';
import { setStatus, showError } from './status.js';
import { $, EMBEDDED, bringIntoView } from './dom.js';

/**
 * Draws finished rounds (from a file or from the browser's storage) as if they had just run:
 * `trials` holds each trial's {rounds, views (its ticket rounds' panel views)} of a run of
 * `count` trials, from `config.seed`.
 */
export function drawFinishedRounds(store, config, trials, count = 1) {
  store.dispatch({ type: 'views_reset', config });
  store.dispatch({ type: 'replay', replaying: true });
  trials.forEach(({ rounds, views }, index) => {
    const trial = count > 1 ? { index, seed: config.seed + index, count } : null;
    if (index > 0) store.dispatch({ type: 'next_trial' });
    for (const round of rounds) {
      for (const evaluation of round.evaluations) {
        store.dispatch({ type: 'evaluation', message: { branch: round.branch, level: round.level, ...evaluation }, trial });
      }
      store.dispatch({ type: 'round_done', message: round });
    }
    for (const view of views) store.dispatch({ type: 'round_views', message: view, trial });
  });
  store.dispatch({ type: 'replay', replaying: false });
}

/**
 * The precomputed run on the first picture, and on "show the precomputed run"; the kept rounds
 * offered on each change of the link. `startRun(values, resume)` (run-control.js) resumes a kept run.
 */
export class Replays {
  constructor(store, form, startRun) {
    Object.assign(this, { store, form, startRun });
    $('show-precomputed').addEventListener('click', () => this.showPrecomputed('Precomputed: the quick preset, finished', true));
    // The first picture at once: a visit without settings in the link (or an embed, before Train) sees
    // the default run finished, computed ahead of time with exactly the numbers Train gets here.
    if (EMBEDDED || location.hash.replace(/^#/, '') === '') {
      this.showPrecomputed(location.hash.replace(/^#/, '') === '' ? 'Precomputed: the run Train starts, finished' : 'Precomputed: the default run, finished', false);
    }
    window.addEventListener('hashchange', () => this.offerKeptRounds());
    this.offerKeptRounds();
  }

  get idle() {
    return this.store.state.phase === 'idle';
  }

  /**
   * Draws the precomputed run (the default settings' run, made by lth) as if it had just finished.
   * `why` leads the status line; with `takeSettings` the form then holds its settings, so that Train
   * computes it live.
   */
  async showPrecomputed(why, takeSettings) {
    if (!this.idle) return;
    let results;
    try {
      // Compressed where the browser can decompress it (16 KB instead of 88 KB).
      const name = `../precomputed/quick-seed0.json${canGunzip() ? '.gz' : ''}`;
      const response = await fetch(new URL(name, import.meta.url));
      if (!response.ok) throw new Error(`the server answered ${response.status}`);
      results = JSON.parse(new TextDecoder().decode(await gunzipped(new Uint8Array(await response.arrayBuffer()))));
    } catch (error) {
      showError(`the precomputed run could not be loaded (${error.message})`);
      return;
    }
    if (!this.idle) return; // Train was pressed while it loaded
    drawFinishedRounds(this.store, results.config, [{ rounds: results.rounds, views: [] }]);
    this.store.dispatch({ type: 'done', message: { results } });
    const same = takeSettings || toHash(this.form.read() ?? {}) === '';
    setStatus(`${why}: computed ahead of time by lth (imp --preset quick --seed 0), with exactly the numbers this page gets. ` +
      (same ? 'Press Train to compute it live in your browser' : 'Press Train to run this experiment live in your browser') +
      ((await this.form.mnistNeeded) ? ` (it downloads ${MNIST_MB} MB of MNIST first).` : '.'));
    if (takeSettings) {
      this.form.write(defaults());
      this.form.changed();
    }
  }

  // Each trial of a run is kept under its one-seed link (see run-control.js): the records of
  // seeds seed, seed + 1, … are the run's trials, each the run of its seed alone, bit for bit.
  async offerKeptRounds() {
    const values = this.form.read();
    const found = values ? await Promise.all(Array.from({ length: values.trials },
      (_, index) => keptRounds(toHash({ ...values, seed: values.seed + index, trials: 1 }) || '#'))) : [];
    // A damaged record is set aside, and said so: the others are offered as usual.
    $('storage-notice').hidden = !found.includes(DAMAGED);
    $('storage-notice').textContent = found.includes(DAMAGED) ? 'A run kept in this browser with these settings could not be read (its record is damaged), so it is not offered; Train runs it again.' : '';
    const records = found.map((record) => (record === DAMAGED ? null : record));
    const kept = records[0]?.rounds?.length ? describeKeptTrials(records, values.trials, values.seed) : null;
    $('kept-offer').hidden = !kept || !this.idle;
    if (!kept) return;
    bringIntoView($('kept-offer'));
    $('kept-text').textContent = kept.text;
    $('resume-kept').hidden = !kept.resume;
    $('resume-kept').onclick = () => {
      const now = this.form.read();
      if (this.idle && now) this.startRun(now, { ...kept.resume, config: records[0].config });
    };
    $('show-kept').onclick = () => this.showKept(records[0].config, kept.trials, values.trials);
  }

  /** Draws the kept trials (of `count`) of a run of `config`, offered by offerKeptRounds. */
  showKept(config, trials, count) {
    if (!this.idle) return;
    drawFinishedRounds(this.store, config, trials, count);
    $('kept-offer').hidden = true;
    const rounds = trials.flatMap((trial) => trial.rounds).length;
    const of = count > 1 ? ` (${trials.length} of its ${count} trials)` : '';
    setStatus(`Shown from this browser's storage: the ${rounds} finished round${rounds === 1 ? '' : 's'} of your last run with these settings${of}. Press Train to run it again.`);
  }
}
