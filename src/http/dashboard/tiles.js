/*
 * The figure tiles at the top of a provider: a label, a big number with a
 * side note, and a capacity bar (hatched: capacity not available now).
 */
import { el } from "./dom.js";
import { level } from "./format.js";

export function tile(label, hint) {
  const root = el("div", "tile");
  const head = el("div", "tile-label", label);
  if (hint) head.title = hint;
  const main = el("div", "tile-main");
  const big = el("span", "big");
  const side = el("span", "tile-side");
  main.append(big, side);
  const sub = el("div", "tile-sub");
  root.append(head, main);
  return { root, big, side, sub, main };
}

export function capacityBar() {
  const root = el("div", "cap-bar");
  const fill = el("div", "cap-fill");
  const unavailable = el("div", "cap-unavailable");
  root.append(fill, unavailable);
  return { root, fill, unavailable };
}

export function setCapacity(bar, used, capacity, available) {
  const has = Number.isFinite(capacity) && capacity > 0;
  bar.root.hidden = !has;
  if (!has) return;
  const fraction = Math.min(1, used / capacity);
  bar.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
  bar.fill.dataset.level = level(fraction);
  const gone = Math.max(0, Math.min(1, 1 - available / capacity));
  bar.unavailable.style.width = `${(gone * 100).toFixed(1)}%`;
  bar.unavailable.hidden = gone === 0;
}
