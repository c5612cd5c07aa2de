// Live line charts over uPlot: one x series and named y series. add() appends a point (x must
// grow), setData() replaces everything (x ascending), reset() clears. A series can carry its
// spread over trials (setData's third argument): drawn under its line as a shaded band from the
// minimum to the maximum, with each trial's points as faint dots. Colours are the Okabe–Ito
// palette, safe for colour-blind readers.
//
// uPlot is loaded on its own (a dynamic import), not as a static import: a library that throws as
// it loads would otherwise stop every module of the page. A chart keeps its data either way; it
// draws once uPlot is there, and where uPlot fails it says so in its place, with what to do.
import { onWidthChange } from './resize.js';

/**
 * uPlot reads navigator.language as it loads (its number format): a tag that Intl refuses, such as
 * "C" (WebKitGTK's under LANG=C) or "", would throw there. Such a tag is replaced by the page's
 * own language, for uPlot's sake; the page formats its numbers in 'en' itself.
 */
function withUsableLanguage() {
  try {
    new Intl.NumberFormat(navigator.language);
  } catch {
    Object.defineProperty(navigator, 'language', { value: document.documentElement.lang || 'en', configurable: true });
  }
}

let uPlotLoading = null;
/** uPlot's module, loaded once (rejects with the error that stopped it). */
function loadUPlot() {
  withUsableLanguage();
  uPlotLoading ??= import('../vendor/uPlot.esm.js').then((module) => module.default);
  return uPlotLoading;
}
export const PALETTE = { blue: '#0072b2', orange: '#e69f00', green: '#009e73', vermillion: '#d55e00', sky: '#56b4e9', purple: '#cc79a7' };

const HEIGHT = 260;
const blank = (format) => (v) => (v == null ? '–' : format(v));

export class LineChart {
  /**
   * series: [{label, colour, dash?, points?}]; x: {label, log?, reversed?, format?};
   * y: {label, range?, log?, format?, tickLabels? (all of the axis' ticks at once, where format alone would repeat a label)}.
   */
  constructor(element, options) {
    this.element = element;
    this.data = [[], ...options.series.map(() => [])];
    this.spreads = null; // per series: {min, max, trials} aligned with the x values, or null
    this.xRange = null; // [min, max] the x axis holds (log x axes only), or null to fit the data
    this.heldRange = null; // the range asked of holdXRange, until uPlot can widen it
    this.shown = options.series.map(() => true);
    this.plot = null; // once uPlot has loaded
    this.failure = null; // why the chart cannot be drawn, if it cannot
    loadUPlot().then((uPlot) => this.create(uPlot, options)).catch((error) => this.fail(error));
  }

  /** The uPlot chart, made once uPlot has loaded, with whatever data has come meanwhile. */
  create(uPlot, { series, x = {}, y = {} }) {
    const element = this.element;
    const xFormat = x.format ?? ((v) => v.toLocaleString('en'));
    const yFormat = y.format ?? ((v) => v);
    // Read at every draw, so the axes follow a switch between light and dark.
    const axisColour = () => getComputedStyle(document.body).color;
    const grid = { stroke: 'rgba(128,128,128,0.18)' };
    this.uPlot = uPlot;
    this.plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 200),
        height: HEIGHT,
        scales: {
          // A log x axis fits the data as uPlot does, unless holdXRange holds it.
          x: { time: false, ...(x.log ? { distr: 3, range: (_, min, max) => this.xRange ?? (min == null ? [null, null] : uPlot.rangeLog(min, max, 10, false)) } : {}), ...(x.reversed ? { dir: -1 } : {}) },
          y: y.log ? { distr: 3 } : { range: y.range ?? ((_, min, max) => this.rangeWithSpreads(min, max)) },
        },
        series: [
          { label: x.label ?? 'iteration', value: (_, v) => blank(xFormat)(v) },
          ...series.map(({ label, colour, dash, points }) => ({
            label, stroke: colour, width: 2, dash, spanGaps: true, points: points ?? {}, value: (_, v) => blank(yFormat)(v),
          })),
        ],
        axes: [
          { label: x.label ?? 'iteration', stroke: axisColour, grid, ticks: grid, values: (_, ticks) => ticks.map((v) => (v == null ? '' : xFormat(v))) },
          { label: y.label, stroke: axisColour, grid, ticks: grid, values: (_, ticks) => (y.tickLabels ? y.tickLabels(ticks) : ticks.map((v) => (v == null ? '' : yFormat(v)))), size: 60 },
        ],
        legend: { live: true },
        hooks: { drawAxes: [(plot) => this.drawSpreads(plot)] }, // after the grid, under the lines
      },
      this.data,
      element,
    );
    this.holdXRange(this.heldRange);
    this.shown.forEach((shown, index) => this.showSeries(index, shown));
    this.plot.setData(this.data);
    onWidthChange(element, () => this.plot.setSize({ width: Math.max(element.clientWidth, 200), height: HEIGHT }));
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.plot.redraw(false));
  }

  /** In the chart's place, why it cannot be drawn and what to do; the data stays (the downloads hold it). */
  fail(error) {
    this.failure = error;
    const notice = document.createElement('p');
    notice.className = 'notice view-failure';
    notice.textContent = `This chart cannot be drawn in this browser: its charting library (uPlot) failed (${error?.message ?? error}). ` +
      'Training and the other views work without it, and Results JSON and Learning curves CSV hold every number. Reloading may help, or another browser.';
    this.element.replaceChildren(notice);
  }

  /** Appends one point: x and one value per series (null for none). */
  add(x, values) {
    this.data[0].push(x);
    values.forEach((value, index) => this.data[index + 1].push(value));
    this.plot?.setData(this.data);
  }

  /**
   * Replaces all points: xs ascending, one array per series aligned with them, and optionally
   * each series' spread over trials, {min, max, trials: [one array per trial]} (or null: none),
   * aligned the same way.
   */
  setData(xs, columns, spreads = null) {
    this.data = [xs, ...columns];
    this.spreads = spreads;
    this.plot?.setData(this.data);
  }

  /**
   * Holds a log x axis from the next setData on as if its data already spanned [min, max] (null:
   * fitted to the data), so that a live run's points fill a frame that shows where it is going.
   */
  holdXRange(range) {
    this.heldRange = range;
    if (this.uPlot) this.xRange = range ? this.uPlot.rangeLog(range[0], range[1], 10, false) : null;
  }

  /** Shows or hides y series `index` (from 0), its legend entry too: a series the run does not train. */
  showSeries(index, shown) {
    this.shown[index] = shown;
    if (!this.plot) return;
    this.plot.setSeries(index + 1, { show: shown });
    const row = this.plot.root.querySelectorAll('.u-legend .u-series')[index + 1];
    if (row) row.style.display = shown ? '' : 'none'; // uPlot's stylesheet would override [hidden]
  }

  reset() {
    this.data = this.data.map(() => []);
    this.spreads = null;
    this.plot?.setData(this.data);
  }

  /**
   * uPlot's own y range (10% padding), widened to hold the spreads. A single value (the first
   * round's point) gets 2% of itself either side: uPlot would pad it to half of itself, and an
   * accuracy axis would run to 150%.
   */
  rangeWithSpreads(min, max) {
    const values = [min, max, ...(this.spreads ?? []).filter(Boolean).flatMap((spread) => [...spread.min, ...spread.max])].filter((v) => v != null);
    if (!values.length) return [null, null];
    const [low, high] = [Math.min(...values), Math.max(...values)];
    if (low === high) {
      const pad = Math.abs(low) * 0.02 || 1;
      return [low - pad, high + pad];
    }
    return this.uPlot.rangeNum(low, high, 0.1, true);
  }

  /** Each shown series' band (min to max) and its trials' points, a few pixels apart, clipped to the plot. */
  drawSpreads(plot) {
    if (!this.spreads) return;
    const { ctx, bbox } = plot;
    const xs = this.data[0];
    const at = (index, value) => [plot.valToPos(xs[index], 'x', true), plot.valToPos(value, 'y', true)];
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    const pixel = ctx.canvas.width / plot.width; // device pixels per CSS pixel
    // Opacity as two hex digits: more on a dark background, where the palette's blue is dim.
    const dark = matchMedia('(prefers-color-scheme: dark)').matches;
    const [bandAlpha, dotAlpha] = dark ? ['55', 'b3'] : ['2e', '80']; // dark: band 33%, dots 70%; light: 18%, 50%
    this.spreads.forEach((spread, index) => {
      const series = plot.series[index + 1];
      if (!spread || !series.show) return;
      const colour = series._stroke ?? series.stroke;
      // The band, along the maxima and back along the minima, over each run of levels that have
      // values; a lone level gets a bar.
      ctx.fillStyle = `${colour}${bandAlpha}`;
      for (const run of runsOf(xs.map((_, i) => i).filter((i) => spread.min[i] != null))) {
        ctx.beginPath();
        if (run.length === 1) {
          const [[x, top], [, bottom]] = [at(run[0], spread.max[run[0]]), at(run[0], spread.min[run[0]])];
          ctx.rect(x - 2 * pixel, top, 4 * pixel, bottom - top);
        } else {
          run.forEach((i, k) => ctx[k ? 'lineTo' : 'moveTo'](...at(i, spread.max[i])));
          [...run].reverse().forEach((i) => ctx.lineTo(...at(i, spread.min[i])));
          ctx.closePath();
        }
        ctx.fill();
      }
      // Each trial's points, dodged sideways so that equal values stay countable.
      ctx.fillStyle = `${colour}${dotAlpha}`;
      const dodge = (trial) => (trial - (spread.trials.length - 1) / 2) * 3 * pixel;
      spread.trials.forEach((values, trial) => values.forEach((value, i) => {
        if (value == null) return;
        const [x, y] = at(i, value);
        ctx.beginPath();
        ctx.arc(x + dodge(trial), y, 2.5 * pixel, 0, 2 * Math.PI);
        ctx.fill();
      }));
    });
    ctx.restore();
  }

  /** The chart as a PNG (a Blob) with a line of legend under it, on the page's background colour. */
  toPng() {
    if (!this.plot) return Promise.reject(this.failure ?? new Error('the chart is not drawn yet'));
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

/** [0, 1, 2, 5, 6] -> [[0, 1, 2], [5, 6]]: runs of consecutive indices. */
function runsOf(indices) {
  const runs = [];
  for (const index of indices) {
    const run = runs.at(-1);
    if (run && run.at(-1) === index - 1) run.push(index);
    else runs.push([index]);
  }
  return runs;
}
