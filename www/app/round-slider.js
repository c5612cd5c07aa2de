// A range input that picks one of the finished rounds: it follows the newest round unless the
// reader picked another, and labels itself ("Round 2 of 5", "0, the dense network").

export class RoundSlider {
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
