// The Connections panel: which pixels an MLP ticket still listens to. For a finished round, a
// heatmap of how many of the first layer's units each pixel still feeds, and the surviving
// inputs of the first few units as small 28×28 images. Drawn by hand on canvases, one cell per
// pixel, in the Okabe–Ito blue with opacity for the share of units (transparent is none), so
// it reads on the light and the dark page alike.
//
// The worker posts each finished ticket round's {height, width, units, per_pixel: Uint32Array,
// unit_masks: Uint8Array (1 kept, unit after unit)}.
import { RoundPanel } from './round-panel.js';

const BLUE = [0, 114, 178];
const UNIT_SIDE = 56; // CSS pixels per unit image (2 per pixel)

/** A canvas of height × width cells: cell i in BLUE at opacity strength(i) in [0, 1]. */
function cellsCanvas(height, width, strength, className, cssWidth, label) {
  const canvas = document.createElement('canvas');
  Object.assign(canvas, { width, height, className });
  canvas.style.width = `${cssWidth}px`;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const context = canvas.getContext('2d');
  const image = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) image.data.set([...BLUE, Math.round(255 * strength(i))], 4 * i);
  context.putImageData(image, 0, 0);
  return canvas;
}

export class ConnectionView extends RoundPanel {
  /** panel: the section; heatmap, units: where the figures go; count: the summary line. */
  constructor({ panel, heatmap, units, count }) {
    super(panel, 'connections');
    Object.assign(this, { heatmap, units, count });
  }

  draw() {
    const view = this.shown();
    if (!view) return;
    const { height, width, units, per_pixel: perPixel, unit_masks: unitMasks } = view;
    const pixels = height * width;
    const kept = perPixel.reduce((sum, n) => sum + n, 0);
    const most = Math.max(...perPixel);
    const silent = perPixel.filter((n) => n === 0).length;
    // The middle half of the image (14×14 of 28×28) against the ring around it.
    const inMiddle = (i) => Math.abs(Math.floor(i / width) + 0.5 - height / 2) < height / 4 && Math.abs((i % width) + 0.5 - width / 2) < width / 4;
    const share = (inside) => {
      const chosen = perPixel.filter((_, i) => inMiddle(i) === inside);
      return `${((100 * chosen.reduce((sum, n) => sum + n, 0)) / (chosen.length * units)).toFixed(1)}%`;
    };
    this.count.textContent = `fc1: ${kept.toLocaleString('en')} of ${(pixels * units).toLocaleString('en')} input connections remain ` +
      `(${((100 * kept) / (pixels * units)).toFixed(1)}%): ${share(true)} of the middle 14×14 pixels' and ${share(false)} of the ring's ` +
      `around them. The busiest pixel feeds ${most} of ${units} units; ${silent} of ${pixels} pixels feed none.`;
    Object.assign(this.count.dataset, { kept, silent, middle: share(true), ring: share(false) });
    // Scaled to the busiest pixel, so that the pattern shows at any sparsity.
    this.heatmap.replaceChildren(cellsCanvas(height, width, (i) => perPixel[i] / Math.max(most, 1), 'connections-heatmap', 6 * width,
      `How many of the ${units} units each pixel still feeds`));
    const shown = unitMasks.length / pixels;
    this.units.replaceChildren(...Array.from({ length: shown }, (_, unit) => cellsCanvas(height, width,
      (i) => unitMasks[unit * pixels + i], 'connections-unit', UNIT_SIDE, `The inputs unit ${unit + 1} still takes`)));
  }
}
