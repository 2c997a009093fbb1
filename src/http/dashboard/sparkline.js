/*
 * A sparkline: a small line over the time the page has been open, with no
 * axes (the charts have them). Its viewBox stretches with the cell.
 */
import { svgEl } from "./dom.js";

export function spark(className) {
  const svg = svgEl("svg", { class: className, viewBox: "0 0 100 24", preserveAspectRatio: "none", "aria-hidden": "true" });
  const area = svgEl("path", { class: "spark-area" });
  const line = svgEl("path", { class: "spark-line" });
  // A zero-length path with a round cap: a dot that stays round in a stretched viewBox.
  const dot = svgEl("path", { class: "spark-dot" });
  svg.append(area, line, dot);
  return { svg, area, line, dot };
}

/**
 * Draws points on a time axis ending now and `spanMs` long: a minute at
 * first (history grows in from the right), then everything since the page
 * opened, at most five minutes.
 */
export function drawSpark(s, points, now, yMax, spanMs) {
  if (points.length === 0) {
    s.line.setAttribute("d", "");
    s.area.setAttribute("d", "");
    s.dot.setAttribute("d", "");
    return;
  }
  const x = (t) => Math.max(0, Math.min(100, 100 - ((now - t) / spanMs) * 100));
  const y = (v) => 22 - (Math.max(0, Math.min(yMax, v)) / yMax) * 20;
  const coords = points.map((p) => `${x(p.t).toFixed(2)},${y(p.v).toFixed(2)}`);
  const d = `M${coords.join("L")}`;
  const end = coords[coords.length - 1];
  s.line.setAttribute("d", d);
  s.dot.setAttribute("d", `M${end}L${end}`);
  const first = x(points[0].t);
  // A few seconds of history would be a sliver of area: the line and the dot say it better.
  s.area.setAttribute("d", 100 - first < 8 ? "" : `${d}L${end.split(",")[0]},24L${first.toFixed(2)},24Z`);
}
