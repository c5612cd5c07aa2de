// Following an element's width, for the views that draw to fit it (charts, Weights, Filters).
// No document globals at load: modules that import it are also tested in node.

/**
 * Calls `act()` in the next frame after `element`'s width changes. Not in the ResizeObserver's
 * callback itself: a view redrawn there changes the size of what is observed, which browsers report
 * as a "ResizeObserver loop completed with undelivered notifications" error.
 */
export function onWidthChange(element, act) {
  let width = element.clientWidth;
  new ResizeObserver(() => {
    if (element.clientWidth === width) return;
    width = element.clientWidth;
    requestAnimationFrame(act);
  }).observe(element);
}
