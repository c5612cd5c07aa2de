// Live line charts over uPlot: one x series and named y series. add() appends a point (x must
// grow), setData() replaces everything (x ascending), reset() clears. Colours are the Okabe–Ito
// palette, safe for colour-blind readers.
import uPlot from '../vendor/uPlot.esm.js';

export const PALETTE = { blue: '#0072b2', orange: '#e69f00', green: '#009e73', vermillion: '#d55e00', sky: '#56b4e9', purple: '#cc79a7' };

const HEIGHT = 260;
const blank = (format) => (v) => (v == null ? '–' : format(v));

export class LineChart {
  /**
   * series: [{label, colour, dash?, points?}]; x: {label, log?, reversed?, format?};
   * y: {label, range?, log?, format?}.
   */
  constructor(element, { series, x = {}, y = {} }) {
    const xFormat = x.format ?? ((v) => v.toLocaleString('en'));
    const yFormat = y.format ?? ((v) => v);
    // Read at every draw, so the axes follow a switch between light and dark.
    const axisColour = () => getComputedStyle(document.body).color;
    const grid = { stroke: 'rgba(128,128,128,0.18)' };
    this.data = [[], ...series.map(() => [])];
    this.plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        scales: {
          x: { time: false, ...(x.log ? { distr: 3 } : {}), ...(x.reversed ? { dir: -1 } : {}) },
          y: y.log ? { distr: 3 } : y.range ? { range: y.range } : {},
        },
        series: [
          { label: x.label ?? 'iteration', value: (_, v) => blank(xFormat)(v) },
          ...series.map(({ label, colour, dash, points }) => ({
            label, stroke: colour, width: 2, dash, spanGaps: true, points: points ?? {}, value: (_, v) => blank(yFormat)(v),
          })),
        ],
        axes: [
          { label: x.label ?? 'iteration', stroke: axisColour, grid, ticks: grid, values: (_, ticks) => ticks.map((v) => (v == null ? '' : xFormat(v))) },
          { label: y.label, stroke: axisColour, grid, ticks: grid, values: (_, ticks) => ticks.map((v) => (v == null ? '' : yFormat(v))), size: 60 },
        ],
        legend: { live: true },
      },
      this.data,
      element,
    );
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT })).observe(element);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.plot.redraw(false));
  }

  /** Appends one point: x and one value per series (null for none). */
  add(x, values) {
    this.data[0].push(x);
    values.forEach((value, index) => this.data[index + 1].push(value));
    this.plot.setData(this.data);
  }

  /** Replaces all points: xs ascending, and one array per series aligned with them. */
  setData(xs, columns) {
    this.data = [xs, ...columns];
    this.plot.setData(this.data);
  }

  reset() {
    this.data = this.data.map(() => []);
    this.plot.setData(this.data);
  }

  /** The chart as a PNG (a Blob) with a line of legend under it, on the page's background colour. */
  toPng() {
    const source = this.plot.ctx.canvas;
    const scale = source.width / this.plot.width; // device pixels per CSS pixel
    const canvas = document.createElement('canvas');
    Object.assign(canvas, { width: source.width, height: source.height + 28 * scale });
    const context = canvas.getContext('2d');
    const style = getComputedStyle(document.body);
    context.fillStyle = style.backgroundColor;
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0);
    context.font = `${12 * scale}px system-ui, sans-serif`;
    context.textBaseline = 'middle';
    let x = 60 * scale;
    const y = source.height + 14 * scale;
    for (const series of this.plot.series.slice(1)) {
      context.fillStyle = series._stroke ?? series.stroke;
      context.fillRect(x, y - 5 * scale, 14 * scale, 10 * scale);
      context.fillStyle = style.color;
      context.fillText(series.label, x + 20 * scale, y);
      x += (context.measureText(series.label).width + 44 * scale);
    }
    return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  }
}
