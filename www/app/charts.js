// Live line charts over uPlot: one x series (iteration) and named y series; add() appends a
// point, reset() clears. Colours are the Okabe–Ito palette, safe for colour-blind readers.
import uPlot from '../vendor/uPlot.esm.js';

export const PALETTE = { blue: '#0072b2', orange: '#e69f00', green: '#009e73', vermillion: '#d55e00', sky: '#56b4e9', purple: '#cc79a7' };

export class LineChart {
  constructor(element, { series, yLabel, yRange, logScale = false, format = (v) => v }) {
    this.element = element;
    this.data = [[], ...series.map(() => [])];
    // Read at every draw, so the axes follow a switch between light and dark.
    const axisColour = () => getComputedStyle(document.body).color;
    const grid = { stroke: 'rgba(128,128,128,0.18)' };
    this.plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: 260,
        scales: { x: { time: false }, y: logScale ? { distr: 3 } : yRange ? { range: yRange } : {} },
        series: [
          { label: 'iteration', value: (_, v) => (v == null ? '–' : v.toLocaleString('en')) },
          ...series.map(({ label, colour, dash }) => ({ label, stroke: colour, width: 2, dash, spanGaps: true, value: (_, v) => (v == null ? '–' : format(v)) })),
        ],
        axes: [
          { label: 'iteration', stroke: axisColour, grid, ticks: grid },
          { label: yLabel, stroke: axisColour, grid, ticks: grid, values: (_, ticks) => ticks.map((v) => (v == null ? '' : format(v))), size: 60 },
        ],
        legend: { live: true },
      },
      this.data,
      element,
    );
    new ResizeObserver(() => this.plot.setSize({ width: Math.max(element.clientWidth, 200), height: 260 })).observe(element);
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.plot.redraw(false));
  }

  /** Appends one point: x and one value per series (null for none). */
  add(x, values) {
    this.data[0].push(x);
    values.forEach((value, index) => this.data[index + 1].push(value));
    this.plot.setData(this.data);
  }

  reset() {
    this.data = this.data.map(() => []);
    this.plot.setData(this.data);
  }
}
