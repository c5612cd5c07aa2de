// The "Draw a digit" panel: the reader draws a digit (mouse, finger or pen) or picks one of
// MNIST's test digits, and the dense network and the ticket of the round on show classify it side
// by side: the answer in large type and a bar per class. The drawing is made into a 28×28 image
// the way MNIST's digits were made (digit-image.js), shown as "what the networks see".
//
// The worker that trained the ticket holds every finished round's networks: the panel asks it
// through `ask.classify(level, pixels)` and `ask.testImage(index)`, promises of the worker's
// answers (trainers.js; refused with the worker's words as the error's `workerMessage`). Rounds drawn again from storage or the precomputed
// file have no networks anywhere: `unavailable()` says so instead.
import { PALETTE } from './charts.js';
import { RoundPanel } from './round-panel.js';
import { mnistStyle, SIDE } from './digit-image.js';

/** A refused request's reason, in the worker's words. */
const refusal = (error) => error.workerMessage ?? error.message;
const STROKE = 22; // pen width in canvas pixels: about 2 of MNIST's pixels once the digit is 20 tall
const DEBOUNCE_MS = 120;
const TEST_IMAGES = 10_000; // MNIST's test set (the core refuses an index beyond it)

const percentText = (p) => (p >= 0.995 ? '100%' : p < 0.005 ? (p > 0 ? '<1%' : '0%') : `${Math.round(100 * p)}%`);

/** One network's answer: a heading, the most probable digit in large type, a bar per class. */
class Answer {
  constructor(element, colour) {
    element.innerHTML = '<h3></h3><p class="digit-guess" aria-live="polite"></p><ol class="digit-bars" start="0"></ol>';
    [this.heading, this.guess, this.list] = ['h3', '.digit-guess', 'ol'].map((selector) => element.querySelector(selector));
    this.bars = Array.from({ length: 10 }, (_, digit) => {
      const item = document.createElement('li');
      item.innerHTML = `<span class="digit-class">${digit}</span><span class="digit-bar"><span></span></span><span class="digit-percent"></span>`;
      item.querySelector('.digit-bar > span').style.background = colour;
      this.list.append(item);
      return item;
    });
  }

  title(html) {
    this.heading.innerHTML = html;
  }

  /** probabilities: 10 numbers, or null to clear. */
  show(probabilities) {
    const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
    this.guess.textContent = probabilities ? String(best) : '–';
    this.guess.dataset.digit = probabilities ? best : '';
    this.guess.setAttribute('aria-label', probabilities ? `answer: ${best}, ${percentText(probabilities[best])} sure` : 'no answer yet');
    this.bars.forEach((item, digit) => {
      const p = probabilities?.[digit] ?? 0;
      item.querySelector('.digit-bar > span').style.width = `${100 * p}%`;
      item.querySelector('.digit-percent').textContent = probabilities ? percentText(p) : '';
      item.classList.toggle('best', digit === best);
      item.setAttribute('aria-label', `${digit}: ${percentText(p)}`);
    });
  }
}

export class DigitView extends RoundPanel {
  /**
   * panel; body: what hides when no worker holds the rounds; unavailable: the note shown then;
   * pad: the drawing canvas; preview: the 28×28 canvas; clear, testDigit: buttons; dense, ticket:
   * the answers' containers; source: the line saying what is classified; ask: {classify, testImage}.
   */
  constructor({ panel, body, unavailable, pad, preview, clear, testDigit, dense, ticket, source, ask }) {
    super(panel, 'digit');
    Object.assign(this, { body, unavailableNote: unavailable, pad, preview, source, ask });
    this.answers = { dense: new Answer(dense, PALETTE.sky), ticket: new Answer(ticket, PALETTE.blue) };
    this.image = null; // the 28×28 pixels the networks are asked about
    this.requestId = 0;
    this.timer = null;
    this.listenForStrokes();
    clear.addEventListener('click', () => this.clear());
    matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.recolour());
    testDigit.addEventListener('click', () => this.ask.testImage(Math.floor(Math.random() * TEST_IMAGES))
      .then((image) => this.testImage(image), (error) => this.testImage({ error: refusal(error) })));
    this.showImage();
  }

  reset() {
    super.reset();
    this.body.hidden = false;
    this.unavailableNote.hidden = true;
    this.showAnswers(null);
  }

  /** The rounds on show were drawn from storage or a file: no worker holds their networks. */
  unavailable() {
    this.panel.hidden = false;
    this.body.hidden = true;
    this.unavailableNote.hidden = false;
  }

  /** A finished round, whose ticket keeps `percent` of the weights. */
  add(level, percent) {
    super.add(level, { percent });
  }

  draw() {
    const round = this.shown();
    if (!round) return;
    const densePercent = this.rounds.get(0)?.percent ?? 100;
    // Round 0 is the dense network, unless the run started from an imported ticket.
    const first = densePercent < 100 ? 'Round 0: the imported ticket' : 'Dense network';
    this.answers.dense.title(`${first} <span class="hint">(${formatPercent(densePercent)} of weights)</span>`);
    this.answers.ticket.title(this.slider.level === 0
      ? 'Ticket of round 0 <span class="hint">(the same network)</span>'
      : `Ticket of round ${this.slider.level} <span class="hint">(${formatPercent(round.percent)} of weights)</span>`);
    this.classifySoon(0);
  }

  /** The worker's answer to request `id`, if it is the last (earlier ones are stale). */
  classified(id, { dense, ticket, error }) {
    if (id !== this.requestId) return;
    if (error) {
      this.source.textContent = `The networks could not answer: ${error}`;
      this.showAnswers(null);
      return;
    }
    this.showAnswers({ dense, ticket });
  }

  /** MNIST's test image `index`, drawn on the pad and classified as it is. */
  testImage({ index, pixels, label, error }) {
    if (error) {
      this.source.textContent = `The test digit could not be read: ${error}`;
      return;
    }
    this.paintImage(pixels);
    this.image = pixels;
    this.source.textContent = `MNIST test digit ${index.toLocaleString('en')} (labelled ${label}): the networks never trained on it.`;
    Object.assign(this.source.dataset, { index, label });
    this.showImage();
    this.classifySoon(0);
  }

  // --- drawing -----------------------------------------------------------------------------

  listenForStrokes() {
    const pad = this.pad;
    const context = pad.getContext('2d');
    let last = null;
    const point = (event) => {
      const box = pad.getBoundingClientRect();
      return [(event.clientX - box.left) * (pad.width / box.width), (event.clientY - box.top) * (pad.height / box.height)];
    };
    const strokeTo = (to) => {
      Object.assign(context, { lineWidth: STROKE, lineCap: 'round', lineJoin: 'round', strokeStyle: inkColour(pad) });
      context.beginPath();
      context.moveTo(...(last ?? to));
      context.lineTo(...to);
      context.stroke();
      last = to;
    };
    pad.addEventListener('pointerdown', (event) => {
      event.preventDefault();
      pad.setPointerCapture(event.pointerId);
      last = null;
      strokeTo(point(event));
      this.drawingChanged();
    });
    pad.addEventListener('pointermove', (event) => {
      if (!pad.hasPointerCapture(event.pointerId)) return;
      for (const each of event.getCoalescedEvents?.() ?? [event]) strokeTo(point(each));
      this.drawingChanged();
    });
    const end = () => { last = null; };
    pad.addEventListener('pointerup', end);
    pad.addEventListener('pointercancel', end);
  }

  clear() {
    this.pad.getContext('2d').clearRect(0, 0, this.pad.width, this.pad.height);
    this.image = null;
    this.source.textContent = '';
    this.showImage();
    this.showAnswers(null);
  }

  /** The ink in the page's new text colour (light or dark mode), its opacity unchanged. */
  recolour() {
    const context = this.pad.getContext('2d');
    Object.assign(context, { globalCompositeOperation: 'source-in', fillStyle: inkColour(this.pad) });
    context.fillRect(0, 0, this.pad.width, this.pad.height);
    context.globalCompositeOperation = 'source-over';
    this.showImage();
  }

  /** Paints a 28×28 image on the pad, a block per pixel (its ink as opacity). */
  paintImage(pixels) {
    const context = this.pad.getContext('2d');
    const cell = this.pad.width / SIDE;
    context.clearRect(0, 0, this.pad.width, this.pad.height);
    context.fillStyle = inkColour(this.pad);
    pixels.forEach((value, i) => {
      if (value <= 0) return;
      context.globalAlpha = value;
      context.fillRect((i % SIDE) * cell, Math.floor(i / SIDE) * cell, cell, cell);
    });
    context.globalAlpha = 1;
  }

  /** The pad was drawn on: its ink (the canvas's opacity) made into an MNIST-style image. */
  drawingChanged() {
    const { width, height } = this.pad;
    const alpha = this.pad.getContext('2d').getImageData(0, 0, width, height).data;
    const ink = new Float32Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = alpha[4 * i + 3] / 255;
    this.image = mnistStyle(ink, width, height);
    this.source.textContent = 'Your drawing.';
    delete this.source.dataset.index;
    delete this.source.dataset.label;
    this.showImage();
    this.classifySoon(DEBOUNCE_MS);
  }

  /** "What the networks see": the image, one canvas pixel per pixel, scaled by CSS. */
  showImage() {
    const context = this.preview.getContext('2d');
    const picture = context.createImageData(SIDE, SIDE);
    const [red, green, blue] = inkRgb(this.preview);
    (this.image ?? new Float32Array(SIDE * SIDE)).forEach((value, i) => picture.data.set([red, green, blue, Math.round(255 * value)], 4 * i));
    context.putImageData(picture, 0, 0);
  }

  // --- asking the worker -------------------------------------------------------------------

  /** Asks for answers about the current image after `delay` ms, unless asked again first. */
  classifySoon(delay) {
    clearTimeout(this.timer);
    if (!this.image) {
      this.showAnswers(null);
      return;
    }
    this.body.dataset.pending = 'true'; // until the answers come (page tests wait for them)
    this.timer = setTimeout(() => {
      if (!this.shown()) {
        this.showAnswers(null); // no finished round yet
        return;
      }
      const id = ++this.requestId;
      this.ask.classify(this.slider.level, this.image)
        .then((answer) => this.classified(id, answer), (error) => this.classified(id, { error: refusal(error) }));
    }, delay);
  }

  showAnswers(answers) {
    this.body.dataset.pending = 'false';
    this.answers.dense.show(answers?.dense ?? null);
    this.answers.ticket.show(answers?.ticket ?? null);
  }
}

const formatPercent = (percent) => `${percent >= 10 ? percent.toFixed(1) : percent.toPrecision(2)}%`;

/** The page's text colour where `element` is (the ink follows light and dark mode). */
const inkColour = (element) => getComputedStyle(element).color;

function inkRgb(element) {
  return inkColour(element).match(/\d+/g).slice(0, 3).map(Number);
}
