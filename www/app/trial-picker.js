// Which trial the per-round panels (Weights, Confusion, Connections, Filters) show in a run of
// several: a select in the Run panel, the first trial by default. It keeps every trial's finished
// rounds' views (the round_views messages) and, when another trial is picked, has the panels
// emptied and given that trial's.
export class TrialPicker {
  /** field: the select's wrapper (hidden with one trial); show(messages, fresh): draws them, after emptying the panels if fresh. */
  constructor(field, select, show) {
    Object.assign(this, { field, select, show });
    select.addEventListener('change', () => show(this.views[this.chosen] ?? [], true));
    this.reset();
  }

  get chosen() {
    return Number(this.select.value || 0);
  }

  reset() {
    this.views = []; // per trial, its round_views messages
    this.select.replaceChildren();
    this.field.hidden = true;
  }

  /** A finished round's views from `trial` (none: a run of one): drawn at once if that trial is on show. */
  add(message, trial) {
    const index = trial?.index ?? 0;
    (this.views[index] ??= []).push(message);
    if (trial?.count > 1 && this.select.options.length <= index) {
      this.select.add(new Option(`trial ${index + 1} (seed ${trial.seed})`, String(index)));
      this.field.hidden = false;
    }
    if (index === this.chosen) this.show([message], false);
  }
}
