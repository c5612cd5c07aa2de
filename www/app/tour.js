// "How it works": a short walk through the idea, one card at a time, each pointing at the live view
// it explains (outlined, and scrolled into view). Skippable at every step (Skip, or Escape); the
// keyboard moves it (Enter or the arrow keys). A step whose view is not on the page yet (a panel a
// run fills) points at the run panel and says when it appears.

export const STEPS = [
  {
    target: 'tickets-panel',
    title: '1. Pruning, round by round',
    text: 'A network is trained; then its 20% smallest weights are cut (10% in the output layer) and the rest are set back to the values they started from, and it is trained again. Each round is a point, further right as fewer weights remain. Blue is that pruned network, the ticket; the grey line is the full, dense network.',
  },
  {
    target: 'connections-panel',
    title: '2. What a mask is',
    text: 'The pruned weights are zeros held by a mask: which connections survive. Here, how many of the first layer\'s connections each pixel still has. The image\'s border is blank in almost every digit, so its weights never grow and are cut first: the ticket looks at the middle, where the strokes are.',
  },
  {
    target: 'headline',
    title: '3. The control: the same mask, new weights',
    text: 'Orange trains the very same mask from freshly drawn random weights. It learns worse, and worse the sparser it gets: the mask alone is not the winning ticket. It wins together with the starting values its weights drew at the beginning.',
  },
  {
    target: 'reset',
    title: '4. Why the reset matters',
    text: 'The survivors restart from their initial values θ0 — that is the hypothesis. Change this to "trained values" or "values at step k" and train again to see what else keeps the accuracy.',
  },
  {
    target: 'train',
    title: '5. Watch it happen',
    text: 'Press Train: the dense network trains, is pruned, reset and retrained, round by round, live in your browser — every number the same as the lth command-line tool gives for the same seed.',
  },
];

export class Tour {
  /** `card` holds the step: its title, text, count and Back / Next / Skip buttons (see index.html). */
  constructor(card) {
    this.card = card;
    this.part = (name) => card.querySelector(`[data-tour="${name}"]`);
    this.index = -1;
    this.part('back').addEventListener('click', () => this.show(this.index - 1));
    this.part('next').addEventListener('click', () => this.show(this.index + 1));
    this.part('skip').addEventListener('click', () => this.end());
    card.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.end();
      if (event.key === 'ArrowRight') this.show(this.index + 1);
      if (event.key === 'ArrowLeft') this.show(this.index - 1);
    });
  }

  start() {
    this.show(0);
  }

  /** Shows step `index` (past the last: the end). */
  show(index) {
    if (index >= STEPS.length) return this.end();
    this.unmark();
    this.index = Math.max(0, index);
    const step = STEPS[this.index];
    const target = document.getElementById(step.target);
    const shown = target && target.offsetParent !== null; // not hidden, nor inside something hidden
    const pointAt = shown ? target : document.getElementById('run-panel');
    this.part('title').textContent = step.title;
    this.part('text').textContent = shown ? step.text : `${step.text} (This view appears once a run has finished its first round.)`;
    this.part('count').textContent = `${this.index + 1} of ${STEPS.length}`;
    this.part('back').disabled = this.index === 0;
    this.part('next').textContent = this.index === STEPS.length - 1 ? 'Done' : 'Next';
    this.card.hidden = false;
    pointAt.classList.add('tour-target');
    this.marked = pointAt;
    // On a phone the card covers the bottom of the screen: the view goes to the top.
    pointAt.scrollIntoView({ block: matchMedia('(max-width: 899px)').matches ? 'start' : 'center', behavior: 'smooth' });
    this.part('next').focus({ preventScroll: true });
  }

  end() {
    this.unmark();
    this.card.hidden = true;
    this.index = -1;
  }

  unmark() {
    this.marked?.classList.remove('tour-target');
    this.marked = null;
  }
}
