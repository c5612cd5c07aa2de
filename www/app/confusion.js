// The Confusion panel: for a finished ticket round, how often each digit of the test set was
// taken for each, at the end of the round. A table (readable by screen readers as it is): each
// cell shaded by its share of its row, the diagonal (right answers) in blue, mistakes in
// vermillion; the summary names the most frequent mistake.
//
// The worker posts each finished ticket round's matrix (Uint32Array, classes × classes, a row per
// true class).
import { PALETTE } from './charts.js';
import { RoundPanel } from './round-panel.js';

const channels = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
const cssChannels = (colour) => colour.match(/\d+(\.\d+)?/g).slice(0, 3).map(Number);

/** WCAG relative luminance of an [r, g, b] colour (0–255 channels). */
function luminance(rgb) {
  const linear = rgb.map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4));
  return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2];
}
const contrast = (a, b) => (Math.max(luminance(a), luminance(b)) + 0.05) / (Math.min(luminance(a), luminance(b)) + 0.05);

/**
 * A cell's shade (`hex` at `alpha` over the panel's background) and the text colour that reads on
 * it: the page's ink, or black or white where a strong shade leaves the ink below WCAG's 4.5:1.
 */
function shade(hex, alpha, panel, ink) {
  const background = channels(hex).map((c, i) => Math.round(alpha * c + (1 - alpha) * panel[i]));
  const text = contrast(ink, background) >= 4.5 ? ink : [[0, 0, 0], [255, 255, 255]].sort((a, b) => contrast(b, background) - contrast(a, background))[0];
  return { background: `rgb(${background.join(', ')})`, color: `rgb(${text.join(', ')})` };
}

export class ConfusionView extends RoundPanel {
  /** panel; table: the <table>; count: the summary line. */
  constructor({ panel, table, count }) {
    super(panel, 'confusion');
    Object.assign(this, { table, count });
  }

  draw() {
    const matrix = this.shown();
    if (!matrix) return;
    const classes = Math.round(Math.sqrt(matrix.length));
    const row = (truth) => Array.from(matrix.subarray(truth * classes, (truth + 1) * classes));
    const style = getComputedStyle(this.table);
    const [panel, ink] = [style.getPropertyValue('--panel').trim(), style.color];
    const panelRgb = panel.startsWith('#') ? channels(panel) : cssChannels(panel);
    const total = matrix.reduce((sum, n) => sum + n, 0);
    const correct = Array.from({ length: classes }, (_, c) => matrix[c * classes + c]).reduce((sum, n) => sum + n, 0);
    let worst = { count: 0 };
    for (let truth = 0; truth < classes; truth++) {
      row(truth).forEach((count, guess) => {
        if (guess !== truth && count > worst.count) worst = { truth, guess, count };
      });
    }
    this.count.textContent = `${correct.toLocaleString('en')} of ${total.toLocaleString('en')} test digits right ` +
      `(${((100 * correct) / total).toFixed(2)}%)` + (worst.count ? `; the most frequent mistake: ${worst.truth} taken for ${worst.guess}, ${worst.count} times.` : '.');
    Object.assign(this.count.dataset, { total, correct });
    const header = document.createElement('tr');
    header.append(cell('th', 'true \\ taken for'), ...Array.from({ length: classes }, (_, c) => cell('th', String(c))));
    const body = Array.from({ length: classes }, (_, truth) => {
      const tr = document.createElement('tr');
      const counts = row(truth);
      const rowTotal = counts.reduce((sum, n) => sum + n, 0) || 1;
      tr.append(cell('th', String(truth)), ...counts.map((count, guess) => {
        const td = cell('td', count ? String(count) : '');
        const share = count / rowTotal;
        if (count) {
          const alpha = guess === truth ? 0.15 + 0.6 * share : Math.min(0.9, 0.1 + 8 * share);
          Object.assign(td.style, shade(guess === truth ? PALETTE.blue : PALETTE.vermillion, alpha, panelRgb, cssChannels(ink)));
        }
        return td;
      }));
      return tr;
    });
    this.table.replaceChildren(header, ...body);
  }
}

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  if (tag === 'th') element.scope = text.startsWith('true') || /^\d+$/.test(text) ? 'col' : 'row';
  return element;
}
