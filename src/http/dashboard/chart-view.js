/*
 * One time-series chart in SVG, drawn in real pixels (the viewBox follows
 * the element's size, so text and lines are never stretched): a y axis with
 * round ticks and its unit, a time axis, one line per metric with gaps where
 * there is no data, and restart and reload markers.
 */
import { linear, niceTicks, tickLabel, timeLabel, timeTicks } from "./chart-scale.js";
import { metricSegments, segmentsMax } from "./chart-series.js";
import { svgEl } from "./dom.js";
const HEIGHT = 150;
const PAD = { left: 44, right: 10, top: 20, bottom: 22 };

/**
 * A chart with a title, a unit and lines ({ metric, label, cls }). Returns
 * { root, draw(series, start, end, now) }; draw with an undefined series
 * shows the axes and "no history yet".
 */
export function createChart(kind, title, unit, lines) {
  const root = document.createElement("figure");
  root.className = "chart";
  root.dataset.chart = kind;
  const caption = document.createElement("figcaption");
  const name = document.createElement("span");
  name.className = "chart-title";
  name.textContent = title;
  const legend = document.createElement("span");
  legend.className = "chart-legend";
  for (const l of lines) {
    const item = document.createElement("span");
    item.className = `legend-item ${l.cls}`;
    item.textContent = l.label;
    legend.append(item);
  }
  caption.append(name, legend);
  const svg = svgEl("svg", { class: "chart-svg", role: "img", "aria-label": `${title} (${unit})` });
  root.append(caption, svg);

  function draw(series, start, end, now) {
    const width = Math.max(200, Math.round(svg.getBoundingClientRect().width || 600));
    svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    svg.setAttribute("height", String(HEIGHT));
    svg.replaceChildren();
    const x = linear(start, end, PAD.left, width - PAD.right);
    const data = lines.map((l) => ({ ...l, segments: series === undefined ? [] : metricSegments(series, l.metric, start, end, now) }));
    const points = data.reduce((n, d) => n + d.segments.reduce((m, s) => m + s.length, 0), 0);
    root.dataset.points = String(points);
    const { max, ticks } = niceTicks(segmentsMax(...data.map((d) => d.segments)));
    const y = linear(0, max, HEIGHT - PAD.bottom, PAD.top);

    const grid = svgEl("g", { class: "chart-grid" });
    for (const v of ticks) {
      const yy = Math.round(y(v)) + 0.5;
      grid.append(svgEl("line", { x1: PAD.left, x2: width - PAD.right, y1: yy, y2: yy }));
      const label = svgEl("text", { x: PAD.left - 6, y: yy + 4, "text-anchor": "end", class: "chart-tick" });
      label.textContent = tickLabel(v);
      grid.append(label);
    }
    const unitLabel = svgEl("text", { x: 4, y: 9, class: "chart-unit" });
    unitLabel.textContent = unit;
    grid.append(unitLabel);
    const time = timeTicks(start, end, Math.max(2, Math.floor(width / 90)));
    for (const t of time.ticks) {
      const xx = Math.round(x(t)) + 0.5;
      grid.append(svgEl("line", { x1: xx, x2: xx, y1: HEIGHT - PAD.bottom, y2: HEIGHT - PAD.bottom + 4 }));
      const label = svgEl("text", { x: xx, y: HEIGHT - 6, "text-anchor": "middle", class: "chart-tick" });
      label.textContent = timeLabel(t, time.step);
      grid.append(label);
    }
    grid.append(svgEl("line", { class: "chart-axis", x1: PAD.left, x2: width - PAD.right, y1: HEIGHT - PAD.bottom + 0.5, y2: HEIGHT - PAD.bottom + 0.5 }));
    svg.append(grid);

    for (const m of series?.markers ?? []) {
      if (m.at < start || m.at > end) continue;
      const xx = Math.round(x(m.at)) + 0.5;
      const g = svgEl("g", { class: `chart-marker marker-${m.kind}` });
      g.dataset.kind = m.kind;
      g.append(svgEl("line", { x1: xx, x2: xx, y1: PAD.top, y2: HEIGHT - PAD.bottom }));
      const tip = svgEl("title");
      tip.textContent = m.kind === "start" ? `sidecar ${m.sidecar ? `${m.sidecar} ` : ""}started` : `configuration reloaded (generation ${m.generation})${m.detail ? `: ${m.detail}` : ""}`;
      g.append(tip);
      svg.append(g);
    }

    for (const d of data) {
      const g = svgEl("g", { class: `chart-line ${d.cls}` });
      g.dataset.metric = d.metric;
      // The highest point, named for a person hovering the line (and for the page's tests).
      const peak = d.segments.flat().reduce((best, p) => (best === undefined || p.v > best.v ? p : best), undefined);
      if (peak !== undefined) {
        g.dataset.peak = String(peak.v);
        g.dataset.peakAt = String(peak.t);
        const tip = svgEl("title");
        tip.textContent = `${d.label}: highest ${tickLabel(Math.round(peak.v * 10) / 10)} ${unit} at ${timeLabel(peak.t, 1_000)}`;
        g.append(tip);
      }
      for (const s of d.segments) {
        if (s.length === 1) {
          g.append(svgEl("circle", { cx: x(s[0].t).toFixed(1), cy: y(s[0].v).toFixed(1), r: 2 }));
          continue;
        }
        const path = s.map((p, i) => `${i === 0 ? "M" : "L"}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join("");
        g.append(svgEl("path", { d: path }));
      }
      svg.append(g);
    }
    if (points === 0) {
      const empty = svgEl("text", { x: (PAD.left + width - PAD.right) / 2, y: HEIGHT / 2, "text-anchor": "middle", class: "chart-empty" });
      empty.textContent = series === undefined ? "loading history…" : "no data in this range";
      svg.append(empty);
    }
  }
  return { root, draw };
}
