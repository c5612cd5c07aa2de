// The panels that show one finished ticket round at a time (Filters, Connections, Weights): each
// keeps what the worker sent per round, and a range input picks the round on show. The slider
// follows the newest round unless the reader picked another, and labels itself ("Round 2 of 5",
// "0, the dense network").

class RoundSlider {
  /** input: the range input; label: its <output>; onChange: called after the reader moves it. */
  constructor(input, label, onChange) {
    Object.assign(this, { input, label });
    this.levels = new Set();
    input.addEventListener('input', onChange);
  }

  get level() {
    return Number(this.input.value);
  }

  reset() {
    this.levels.clear();
  }

  /** A newly finished round; the slider moves to it if it was on the newest one. */
  add(level) {
    const following = this.levels.size === 0 || this.level === Number(this.input.max);
    this.levels.add(level);
    this.input.max = Math.max(...this.levels);
    this.input.disabled = this.levels.size < 2;
    if (following) this.input.value = level;
  }

  /** Writes the label for the round on show. */
  showLabel() {
    const text = this.level === 0 ? '0, the dense network' : `${this.level} of ${this.input.max}`;
    this.label.textContent = text;
    this.input.setAttribute('aria-valuetext', text);
  }
}

/**
 * The round picker of a panel, first in its .filter-controls: a labelled range input with id
 * `<name>-round` and its <output> `<name>-round-label`.
 */
function roundField(panel, name) {
  const field = document.createElement('div');
  field.className = 'field';
  field.innerHTML = `<label for="${name}-round">Round <output id="${name}-round-label" for="${name}-round"></output></label>` +
    `<input type="range" id="${name}-round" min="0" max="0" step="1" value="0">`;
  panel.querySelector('.filter-controls').prepend(field);
  return [field.querySelector('input'), field.querySelector('output')];
}

/** A panel of per-round data; subclasses draw `shown()` in `draw()`. */
export class RoundPanel {
  /** panel: the section (hidden until a round comes), with a .filter-controls for the round picker; name: its ids' prefix. */
  constructor(panel, name) {
    this.panel = panel;
    this.slider = new RoundSlider(...roundField(panel, name), () => this.draw());
    this.rounds = new Map(); // level -> what the worker sent
    // Colours read from the page's style at draw time follow a switch to or from dark mode.
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.draw());
  }

  reset() {
    this.rounds.clear();
    this.slider.reset();
    this.panel.hidden = true;
  }

  /** A finished round's data; the panel shows it if the slider was on the newest round. */
  add(level, data) {
    this.rounds.set(level, data);
    this.slider.add(level);
    this.panel.hidden = false;
    this.draw();
  }

  /** The data of the round on show (its label updated), or undefined before any. */
  shown() {
    const data = this.rounds.get(this.slider.level);
    if (data) this.slider.showLabel();
    return data;
  }
}
