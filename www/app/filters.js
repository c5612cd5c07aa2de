// The Filters panel: the ticket's convolution filters at the end (or start) of a pruning round,
// one small canvas per filter, drawn by hand with crisp cells. Colours: ColorBrewer's RdBu
// (diverging, colour-blind safe), white at 0, scaled per layer to its largest magnitude; pruned
// weights are a hatched neutral grey, a colour no weight can take.
//
// The worker posts each finished ticket round's layers ({name, shape: [filters, channels, k, k],
// initial, trained: Float32Array, mask: Uint8Array}); add() keeps them by round, and the round
// slider and the initial/trained choice pick what is drawn.
import { RoundPanel } from './round-panel.js';
import { onWidthChange } from './resize.js';

const RDBU = ['#b2182b', '#d6604d', '#f4a582', '#fddbc7', '#f7f7f7', '#d1e5f0', '#92c5de', '#4393c3', '#2166ac'];
const STOPS = RDBU.map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
export const PRUNED_FILL = [128, 128, 128];
const PRUNED_HATCH = 'rgb(200, 200, 200)';

/** The first two convolutions are drawn; wide layers only in part. */
const LAYERS_DRAWN = 2;
const MOST_SINGLE_CHANNEL_FILTERS = 64;
const MOST_FILTER_ROWS = 16;
const MOST_CHANNELS = 8;
/** Largest and smallest side of one image in CSS pixels: one-channel filters, and a row's channel images. */
const IMAGE_SIDE = { single: [72, 30], channel: [36, 20] };
const CHANNEL_GAP = 4; // between a row's images (style.css: .filter-row)
const FILTER_GAP = 8; // between one-channel filters (style.css: .filter-grid)
const ROW_INDEX_WIDTH = 26; // a row's filter number and its gap (style.css: .filter-index)

/** RdBu at value/scale in [-1, 1] (negative red, positive blue), as [r, g, b]. */
export function colourOf(value, scale) {
  const position = ((Math.max(-1, Math.min(1, scale > 0 ? value / scale : 0)) + 1) / 2) * (STOPS.length - 1);
  const low = Math.min(Math.floor(position), STOPS.length - 2);
  const t = position - low;
  return STOPS[low].map((channel, i) => Math.round(channel + (STOPS[low + 1][i] - channel) * t));
}

const shortName = (name) => name.replace(/\.weight$/, '');
const percentText = (kept, size) => `${((100 * kept) / size).toFixed(1)}%`;
const countPruned = (mask, start, length) => {
  let pruned = 0;
  for (let i = start; i < start + length; i += 1) pruned += mask[i] === 0 ? 1 : 0;
  return pruned;
};

/** One k×k image on `canvas`, `cell` device pixels a cell: the weights and mask from `start` on. */
function drawImage(canvas, { weights, mask, start, k, cell, scale }) {
  canvas.width = canvas.height = k * cell;
  canvas.style.width = canvas.style.height = `${canvas.width / devicePixelRatio}px`;
  const context = canvas.getContext('2d');
  context.lineWidth = Math.max(1, Math.round(cell / 6));
  context.strokeStyle = PRUNED_HATCH;
  for (let index = 0; index < k * k; index += 1) {
    const [x, y] = [(index % k) * cell, Math.floor(index / k) * cell];
    const kept = mask[start + index] === 1;
    context.fillStyle = `rgb(${kept ? colourOf(weights[start + index], scale) : PRUNED_FILL})`;
    context.fillRect(x, y, cell, cell);
    if (!kept) {
      // One diagonal stroke, corner to corner: a hatch that no weight's colour has.
      context.beginPath();
      context.moveTo(x, y + cell);
      context.lineTo(x + cell, y);
      context.stroke();
    }
  }
}

/**
 * Device pixels per cell: k×k images as large as `[largest, smallest]` allows while `perLine` of
 * them, `gap` apart, and `overhead` CSS pixels more fit in `width` (so that a phone shows conv1's
 * filters on one line).
 */
function cellSize(k, [largest, smallest], { width, perLine, gap, overhead = 0 }) {
  const fitting = (width - overhead - (perLine - 1) * gap) / perLine;
  const side = Math.max(smallest, Math.min(largest, fitting));
  return Math.max(2, Math.floor((side / k) * devicePixelRatio));
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text != null) node.textContent = text;
  return node;
}

/** A layer's figure, `width` CSS pixels wide: its count line, what is left out, and its filters. */
function layerFigure(layer, weights, width) {
  const [filters, channels, k] = layer.shape;
  const size = layer.mask.length;
  const pruned = countPruned(layer.mask, 0, size);
  const name = shortName(layer.name);
  const figure = element('figure', 'filter-layer');
  Object.assign(figure.dataset, { layer: name, size, kept: size - pruned, pruned });
  const caption = element('figcaption', 'filter-count', `${name}: ${(size - pruned).toLocaleString('en')} of ${size.toLocaleString('en')} weights remain (${percentText(size - pruned, size)})`);
  figure.append(caption);

  let scale = 0;
  for (let i = 0; i < size; i += 1) if (layer.mask[i]) scale = Math.max(scale, Math.abs(weights[i]));

  const single = channels === 1;
  const filtersShown = Math.min(filters, single ? MOST_SINGLE_CHANNEL_FILTERS : MOST_FILTER_ROWS);
  const channelsShown = Math.min(channels, MOST_CHANNELS);
  const what = single
    ? `${filters} filters of ${k}×${k}`
    : `${filters} filters (rows) × ${channels} input channels, ${k}×${k} each`;
  const left = [];
  if (filtersShown < filters) left.push(`the first ${filtersShown} of ${filters} filters`);
  if (channelsShown < channels) left.push(`the first ${channelsShown} of ${channels} input channels`);
  const scaleText = `colours to ±${scale.toPrecision(2)}`;
  caption.append(element('span', 'hint', ` — ${what}; ${scaleText}${left.length ? `; showing ${left.join(' and ')}` : ''}`));

  const grid = element('div', single ? 'filter-grid' : 'filter-rows');
  const cell = single
    ? cellSize(k, IMAGE_SIDE.single, { width, perLine: Math.min(filtersShown, 8), gap: FILTER_GAP })
    : cellSize(k, IMAGE_SIDE.channel, { width, perLine: channelsShown, gap: CHANNEL_GAP, overhead: ROW_INDEX_WIDTH });
  const filterSize = channels * k * k;
  for (let filter = 0; filter < filtersShown; filter += 1) {
    const images = Array.from({ length: channelsShown }, (_, channel) => {
      const canvas = element('canvas', 'filter');
      drawImage(canvas, { weights, mask: layer.mask, start: filter * filterSize + channel * k * k, k, cell, scale });
      return canvas;
    });
    // A one-channel filter is its image; a wider one is a row of images behind one label.
    const figureOfFilter = single ? images[0] : element('div', 'filter-row');
    if (!single) {
      images.forEach((image) => image.setAttribute('aria-hidden', 'true'));
      figureOfFilter.append(element('span', 'filter-index', String(filter + 1)), ...images);
    }
    const filterPruned = countPruned(layer.mask, filter * filterSize, filterSize);
    figureOfFilter.setAttribute('role', 'img');
    figureOfFilter.setAttribute('aria-label', `${name} filter ${filter + 1}: ${filterSize - filterPruned} of ${filterSize} weights remain`);
    grid.append(figureOfFilter);
  }
  figure.append(grid);
  return figure;
}

export class FilterView extends RoundPanel {
  /**
   * panel: the section (hidden until a round's filters come); layers: where the figures go;
   * choices: the "trained"/"initial" radios;
   * note: a line for what is not drawn; scale and prunedSwatch: the legend's two keys.
   */
  constructor({ panel, layers, choices, note, scale, prunedSwatch }) {
    super(panel, 'filters');
    Object.assign(this, { layersElement: layers, choices, note });
    scale.style.background = `linear-gradient(to right, ${RDBU.join(', ')})`;
    prunedSwatch.style.background = `linear-gradient(to top right, transparent 42%, ${PRUNED_HATCH} 42% 58%, transparent 58%), rgb(${PRUNED_FILL})`;
    this.width = 0; // of the figures when last drawn, in CSS pixels
    for (const choice of choices) choice.addEventListener('change', () => this.draw());
    onWidthChange(layers, () => {
      if (this.layersElement.clientWidth !== this.width) this.draw();
    });
  }

  reset() {
    super.reset();
    this.layersElement.replaceChildren();
  }

  get weightsShown() {
    return this.choices.find((choice) => choice.checked)?.value ?? 'trained';
  }

  draw() {
    const layers = this.shown();
    if (!layers) return;
    const shown = this.weightsShown;
    this.width = this.layersElement.clientWidth;
    const figures = layers.slice(0, LAYERS_DRAWN).map((layer) => layerFigure(layer, layer[shown], this.width));
    this.layersElement.replaceChildren(...figures);
    const deeper = layers.slice(LAYERS_DRAWN).map((layer) => shortName(layer.name));
    this.note.hidden = deeper.length === 0;
    this.note.textContent = deeper.length ? `The deeper convolutions (${deeper.join(', ')}) are not drawn.` : '';
  }
}
