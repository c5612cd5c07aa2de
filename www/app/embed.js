// Embedding the page in a blog post: ?embed=tickets,accuracy shows the run panel (Train, the
// status, the headline numbers) and the chosen views, nothing else; the settings come from the
// hash. The pure rules (which views a run fills, how tall a frame they need) are tested in node;
// applyEmbedMode and postHeight touch the document.

/** The views an embed may show, and the element of each. */
export const EMBED_VIEWS = {
  tickets: 'tickets-panel', 'early-stop': 'early-stop-panel', weights: 'weights-panel', confusion: 'confusion-panel',
  connections: 'connections-panel', filters: 'filters-panel', digit: 'digit-panel', accuracy: 'accuracy-panel', loss: 'loss-panel',
};

/**
 * The views a run of these page settings would leave empty, each with the reason:
 * {view: reason}. Tickets and early stop need pruning rounds; Filters, a convolution; Connections,
 * a first layer that is fully connected to the image (as the core's ticket_connections).
 */
export function viewsNeverFilled(values) {
  const layers = values.model === 'custom' ? values.architecture.split(',') : null;
  const hasConv = layers ? layers.some((layer) => layer.startsWith('conv')) : values.model !== 'lenet-300-100';
  const imageToDense = layers ? layers[0].startsWith('fc') : values.model === 'lenet-300-100';
  const prunes = Boolean(values.rounds || values.target_remaining != null);
  const empty = {};
  if (!prunes) {
    empty.tickets = 'Rounds is 0: no tickets';
    empty['early-stop'] = 'Rounds is 0: no tickets';
  }
  if (!hasConv) empty.filters = 'the network has no convolutions';
  if (!imageToDense) empty.connections = 'its first layer is not fully connected to the pixels';
  return empty;
}

// Heights in CSS pixels at 700 px wide, measured on the embed (tests/e2e/embed.test.mjs checks
// that the content fits): the run panel with its chart, and each view below it.
const RUN_PANEL_HEIGHT = { withChart: 430, withoutChart: 250 };
const VIEW_HEIGHT = { 'early-stop': 420, weights: 640, confusion: 560, connections: 520, filters: 700, digit: 640, accuracy: 420, loss: 420 };

/** How tall a frame showing `views` should be to hold them without scrolling. */
export function embedHeight(views) {
  const below = views.filter((view) => view !== 'tickets').reduce((sum, view) => sum + (VIEW_HEIGHT[view] ?? 0), 0);
  return (views.includes('tickets') ? RUN_PANEL_HEIGHT.withChart : RUN_PANEL_HEIGHT.withoutChart) + below;
}

/** The iframe code for the page at `pageUrl` (origin and path), with these views and this hash. */
export function embedCode(pageUrl, views, hash) {
  const src = `${pageUrl}?embed=${views.join(',')}${hash}`;
  return `<iframe src="${src}" title="ticketlab: the Lottery Ticket Hypothesis, live" width="100%" height="${embedHeight(views)}" style="border:0" loading="lazy"></iframe>`;
}

/**
 * Puts the document in embed mode with the views named in `embedParam` (unknown names ignored);
 * returns the views shown.
 */
export function applyEmbedMode(document, embedParam) {
  const chosen = embedParam.split(',').filter((view) => Object.hasOwn(EMBED_VIEWS, view));
  document.body.classList.add('embed');
  for (const [view, id] of Object.entries(EMBED_VIEWS)) document.getElementById(id).classList.toggle('not-embedded', !chosen.includes(view));
  return chosen;
}

/**
 * Tells the parent page the embed's height whenever it changes, as a message
 * {type: 'ticketlab:height', height}, for a parent that sizes its iframe to fit.
 */
export function postHeight(window) {
  if (window.parent === window) return;
  let last = 0;
  const post = () => {
    const height = Math.ceil(window.document.documentElement.scrollHeight);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: 'ticketlab:height', height }, '*');
  };
  new window.ResizeObserver(post).observe(window.document.body);
  post();
}
