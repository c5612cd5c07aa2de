// The page's small shared helpers for the document: find an element, bring it into view, copy
// text, say in a view that it failed, and whether the page is embedded (?embed=views: inside a
// blog post's iframe).

export const $ = (id) => document.getElementById(id);

export const EMBEDDED = new URLSearchParams(location.search).has('embed');

/** Scrolls just enough to show `element` (a status, an error, an offer that has just appeared). */
export function bringIntoView(element) {
  element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

/** Copies `text` to the clipboard, saying so in `status`; where the clipboard is refused, shows it to copy by hand. */
export async function copyText(text, status, select = null) {
  status.hidden = false;
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch {
    select?.select(); // no clipboard here (an insecure page, or refused)
    status.textContent = select ? 'Selected: press Ctrl+C (⌘C) to copy.' : `Copy this link: ${text}`;
  }
}

/**
 * Says in `panel` (a view's section) that the view failed (`error`), what still works and what to
 * do; once per panel, the first failure's.
 */
export function showViewFailure(panel, name, error) {
  if (!panel || panel.querySelector(':scope > .view-failure')) return;
  const notice = document.createElement('p');
  notice.className = 'notice view-failure';
  notice.setAttribute('role', 'alert');
  notice.textContent = `${name} failed in this browser (${error?.message ?? error}). The rest of the page, training too, ` +
    'works without it. Reloading may help; if it does not, another browser will show it.';
  const heading = panel.querySelector('h2');
  if (heading?.parentElement === panel) heading.after(notice);
  else panel.prepend(notice);
}

