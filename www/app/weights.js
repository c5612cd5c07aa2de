// The Weights panel: for a finished ticket round and one layer, the histogram of the survivors'
// trained values with the magnitude below which the next round prunes, and a sample of
// survivors' |initial| against |trained| value, marked by whether the next round prunes them.
// Drawn by hand on two canvases, in the Okabe–Ito colours of the other charts.
//
// The worker posts each finished ticket round's layers ({name, kept, range, counts, threshold,
// sample_initial, sample_trained, sample_pruned_next}).
import { PALETTE } from './charts.js';
import { RoundPanel } from './round-panel.js';
import { onWidthChange } from './resize.js';

const HEIGHT = 200;
const MARGIN = { left: 44, right: 12, top: 10, bottom: 34 };
const shortName = (name) => name.replace(/\.weight$/, '');
const format = (v) => (Math.abs(v) >= 0.1 ? v.toFixed(2) : v.toPrecision(2));

/** A canvas filling `container`'s width at the device's pixel ratio; returns its 2-D context and plot box. */
function freshCanvas(container, label) {
  const canvas = document.createElement('canvas');
  const width = Math.max(container.clientWidth, 240);
  const ratio = window.devicePixelRatio || 1;
  Object.assign(canvas, { width: width * ratio, height: HEIGHT * ratio });
  Object.assign(canvas.style, { width: `${width}px`, height: `${HEIGHT}px` });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  container.replaceChildren(canvas);
  const context = canvas.getContext('2d');
  context.scale(ratio, ratio);
  context.font = '11px system-ui, sans-serif';
  const ink = getComputedStyle(container).color;
  const box = { x: MARGIN.left, y: MARGIN.top, w: width - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
  context.strokeStyle = ink;
  context.fillStyle = ink;
  context.strokeRect(box.x, box.y, box.w, box.h);
  return { context, box, ink };
}

/** Axis texts: under the box (x ticks and label) and beside it (y). */
function axes(context, box, { xTicks, xLabel, yTicks, yLabel }) {
  context.textAlign = 'center';
  for (const [at, text] of xTicks) context.fillText(text, box.x + at * box.w, box.y + box.h + 13);
  context.fillText(xLabel, box.x + box.w / 2, box.y + box.h + 28);
  context.textAlign = 'right';
  for (const [at, text] of yTicks) context.fillText(text, box.x - 4, box.y + box.h - at * box.h + 4);
  context.save();
  context.translate(11, box.y + box.h / 2);
  context.rotate(-Math.PI / 2);
  context.textAlign = 'center';
  context.fillText(yLabel, 0, 0);
  context.restore();
}

function drawHistogram(container, layer) {
  const { context, box, ink } = freshCanvas(container, `Histogram of ${shortName(layer.name)}'s surviving trained weights`);
  const most = Math.max(...layer.counts, 1);
  const barWidth = box.w / layer.counts.length;
  context.fillStyle = PALETTE.blue;
  layer.counts.forEach((count, bin) => {
    const height = (count / most) * box.h;
    context.fillRect(box.x + bin * barWidth, box.y + box.h - height, Math.max(barWidth - 1, 1), height);
  });
  if (layer.threshold != null && layer.range > 0) {
    context.strokeStyle = PALETTE.vermillion;
    context.setLineDash([5, 3]);
    context.lineWidth = 2;
    for (const sign of [-1, 1]) {
      const x = box.x + ((sign * layer.threshold + layer.range) / (2 * layer.range)) * box.w;
      context.beginPath();
      context.moveTo(x, box.y);
      context.lineTo(x, box.y + box.h);
      context.stroke();
    }
  }
  context.fillStyle = ink;
  axes(context, box, {
    xTicks: [[0, format(-layer.range)], [0.5, '0'], [1, format(layer.range)]],
    xLabel: 'trained value of the surviving weights',
    yTicks: [[0, '0'], [1, most.toLocaleString('en')]],
    yLabel: 'weights',
  });
}

function drawScatter(container, layer) {
  const { context, box, ink } = freshCanvas(container, `Initial against trained magnitude of ${shortName(layer.name)}'s survivors`);
  const xMax = Math.max(...layer.sample_initial, 1e-9);
  const yMax = Math.max(...layer.sample_trained, 1e-9);
  const point = (i) => [box.x + (layer.sample_initial[i] / xMax) * box.w, box.y + box.h - (layer.sample_trained[i] / yMax) * box.h];
  // Kept ones first, so that the pruned (fewer) stay visible on top.
  for (const pruned of [0, 1]) {
    context.fillStyle = pruned ? PALETTE.vermillion : PALETTE.blue;
    layer.sample_pruned_next.forEach((mark, i) => {
      if (mark !== pruned) return;
      const [x, y] = point(i);
      context.fillRect(x - 1.5, y - 1.5, 3, 3);
    });
  }
  context.fillStyle = ink;
  axes(context, box, {
    xTicks: [[0, '0'], [1, format(xMax)]],
    xLabel: '|initial value| (what it is reset to)',
    yTicks: [[0, '0'], [1, format(yMax)]],
    yLabel: '|trained value|',
  });
}

export class WeightsView extends RoundPanel {
  /** panel; layer: the layer <select>; histogram, scatter: figure containers; count, perLayer: summary lines. */
  constructor({ panel, layer, histogram, scatter, count, perLayer }) {
    super(panel, 'weights');
    Object.assign(this, { layer, histogram, scatter, count, perLayer });
    layer.addEventListener('change', () => this.draw());
    onWidthChange(histogram, () => this.draw());
  }

  /** A round's layers; the first one also fills the layer choice. */
  add(level, layers) {
    if (this.rounds.size === 0) {
      this.layer.replaceChildren(...layers.map((layer, index) => new Option(shortName(layer.name), String(index))));
    }
    super.add(level, layers);
  }

  draw() {
    if (this.panel.hidden) return;
    const layers = this.shown();
    if (!layers) return;
    const layer = layers[Number(this.layer.value)] ?? layers[0];
    const pruned = layer.sample_pruned_next.reduce((sum, mark) => sum + mark, 0);
    this.count.textContent = `${shortName(layer.name)}: ${layer.kept.toLocaleString('en')} weights survive this round; ` +
      (layer.threshold == null
        ? 'no later round prunes them.'
        : `the next round prunes those of magnitude up to ${format(layer.threshold)} (${pruned} of the ${layer.sample_trained.length} sampled).`);
    Object.assign(this.count.dataset, { kept: layer.kept, threshold: layer.threshold ?? '', sampledPruned: pruned });
    const percent = (l) => `${((100 * l.kept) / l.size).toFixed(l.kept < l.size / 10 ? 2 : 1)}%`;
    this.perLayer.textContent = `Weights remaining per layer: ${layers.map((l) => `${shortName(l.name)} ${percent(l)}`).join(' · ')}`;
    drawHistogram(this.histogram, layer);
    drawScatter(this.scatter, layer);
  }
}
