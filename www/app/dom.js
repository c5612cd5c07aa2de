// The page's small shared helpers for the document: find an element, bring it into view, copy
// text, and whether the page is embedded (?embed=views: inside a blog post's iframe).

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
