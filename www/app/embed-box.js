// The page's side of embedding (embed.js holds the rules): in embed mode (?embed=tickets,accuracy)
// only the run panel and those views show, with a link to the full page; on the full page, the
// Embed box writes the iframe code for the views ticked. The settings still come from the hash.
import { applyEmbedMode, embedCode, postHeight, viewsNeverFilled } from './embed.js';
import { $, EMBEDDED, copyText } from './dom.js';

/** Sets up embed mode if the page is embedded, and the Embed box, which follows `form`'s settings. */
export function setUpEmbedding(form) {
  if (EMBEDDED) {
    const shown = applyEmbedMode(document, new URLSearchParams(location.search).get('embed'));
    $('tickets-panel').hidden = !shown.includes('tickets');
    $('open-full').hidden = false;
    const syncFullLink = () => { $('open-full').href = `${location.pathname}${location.hash}`; };
    syncFullLink();
    window.addEventListener('hashchange', syncFullLink);
    postHeight(window);
  }

  /**
   * The embed code for the views ticked; a view these settings would leave empty is unticked and
   * disabled, with the reason beside the boxes.
   */
  function updateEmbedCode() {
    const values = form.read();
    const empty = values ? viewsNeverFilled(values) : {};
    for (const box of document.querySelectorAll('input[name="embed-view"]')) {
      box.disabled = box.value in empty;
      if (box.disabled) box.checked = false;
    }
    $('embed-empty').textContent = Object.entries(empty).map(([view, why]) => `${view}: ${why}`).join('; ');
    $('embed-empty').hidden = Object.keys(empty).length === 0;
    const views = [...document.querySelectorAll('input[name="embed-view"]:checked')].map((box) => box.value);
    $('embed-code').value = embedCode(`${location.origin}${location.pathname}`, views, location.hash);
  }

  for (const box of document.querySelectorAll('input[name="embed-view"]')) box.addEventListener('change', updateEmbedCode);
  $('embed-box').addEventListener('toggle', updateEmbedCode);
  window.addEventListener('hashchange', updateEmbedCode);
  form.onChange(updateEmbedCode);
  $('copy-embed').addEventListener('click', () => {
    updateEmbedCode();
    copyText($('embed-code').value, $('copy-embed-status'), $('embed-code'));
  });
  updateEmbedCode();
}
