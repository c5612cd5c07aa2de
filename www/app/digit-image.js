// A drawing made into an image like MNIST's digits, as LeCun, Cortes and Burges describe them:
// the ink's bounding box scaled to fit a 20×20 box, keeping its aspect ratio (anti-aliased), then
// placed in a 28×28 image so that its centre of mass sits at the centre. Pixels run from 0
// (background) to 1 (ink), as the core's training data does (byte / 255).

export const SIDE = 28;
const BOX = 20;

/**
 * For each of `to` output cells over `from` input cells (same span): the input cells it covers
 * and how much of it each one fills (weights summing to 1). Averaging by area is what keeps a
 * 10× reduction free of aliasing, and it also serves for enlarging a tiny drawing.
 */
function areaWeights(from, to) {
  const step = from / to; // input cells per output cell
  return Array.from({ length: to }, (_, cell) => {
    const [start, end] = [cell * step, (cell + 1) * step];
    const covers = [];
    for (let input = Math.floor(start); input < Math.min(from, Math.ceil(end)); input++) {
      const overlap = Math.min(end, input + 1) - Math.max(start, input);
      if (overlap > 0) covers.push([input, overlap / step]);
    }
    return covers;
  });
}

/**
 * `ink` (width × height values in [0, 1], row by row; e.g. a canvas's alpha) as a 28×28 MNIST-style
 * Float32Array, or null when nothing is drawn.
 */
export function mnistStyle(ink, width, height) {
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x] > 0) [left, top, right, bottom] = [Math.min(left, x), Math.min(top, y), Math.max(right, x), Math.max(bottom, y)];
    }
  }
  if (right < 0) return null;
  // The bounding box, scaled so that its longer side is 20 pixels.
  const [boxWidth, boxHeight] = [right - left + 1, bottom - top + 1];
  const scale = BOX / Math.max(boxWidth, boxHeight);
  const [smallWidth, smallHeight] = [Math.max(1, Math.round(boxWidth * scale)), Math.max(1, Math.round(boxHeight * scale))];
  const [across, down] = [areaWeights(boxWidth, smallWidth), areaWeights(boxHeight, smallHeight)];
  // Separable: rows first (boxHeight × smallWidth), then columns (smallHeight × smallWidth).
  const rows = new Float32Array(boxHeight * smallWidth);
  for (let y = 0; y < boxHeight; y++) {
    const source = (top + y) * width + left;
    across.forEach((covers, x) => { rows[y * smallWidth + x] = covers.reduce((sum, [input, w]) => sum + w * ink[source + input], 0); });
  }
  const small = new Float32Array(smallHeight * smallWidth);
  down.forEach((covers, y) => {
    for (let x = 0; x < smallWidth; x++) small[y * smallWidth + x] = covers.reduce((sum, [input, w]) => sum + w * rows[input * smallWidth + x], 0);
  });
  // Centre of mass (pixel centres at i + 0.5), moved by whole pixels to the image's centre, 14.
  const { x: massX, y: massY } = centreOfMass(small, smallWidth);
  const [shiftX, shiftY] = [Math.round(SIDE / 2 - massX), Math.round(SIDE / 2 - massY)];
  const image = new Float32Array(SIDE * SIDE);
  for (let y = 0; y < smallHeight; y++) {
    for (let x = 0; x < smallWidth; x++) {
      const [column, line] = [x + shiftX, y + shiftY];
      if (column >= 0 && column < SIDE && line >= 0 && line < SIDE) image[line * SIDE + column] = Math.min(1, small[y * smallWidth + x]);
    }
  }
  return image;
}

/** The centre of mass {x, y} of an image `width` pixels wide (pixel centres at i + 0.5). */
export function centreOfMass(image, width) {
  let [mass, x, y] = [0, 0, 0];
  image.forEach((value, i) => {
    mass += value;
    x += value * ((i % width) + 0.5);
    y += value * (Math.floor(i / width) + 0.5);
  });
  return { x: x / mass, y: y / mass };
}
