/**
 * Small, dependency-free SVG charts for the benchmark results: horizontal
 * bars and lines. Pure functions from data to an SVG document string.
 */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Text after the value, e.g. "0 × 429". */
  readonly note?: string | undefined;
  readonly color?: string | undefined;
}

export interface ReferenceLine {
  readonly value: number;
  readonly label: string;
}

export interface BarChartSpec {
  readonly title: string;
  readonly unit: string;
  readonly bars: readonly Bar[];
  /** Axis end; default the largest value (or reference) plus 10%. */
  readonly max?: number | undefined;
  readonly references?: readonly ReferenceLine[] | undefined;
  /** Logarithmic axis, for values spanning orders of magnitude; every value must be positive. */
  readonly log?: boolean | undefined;
  /** How values are written; default up to 3 significant digits. */
  readonly format?: ((value: number) => string) | undefined;
  readonly width?: number | undefined;
}

const PALETTE = ["#2563eb", "#9ca3af", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#14b8a6", "#f97316"];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** Up to three significant digits, without exponent notation for everyday magnitudes. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1).replace(/\.0$/, "");
  if (abs >= 1) return value.toFixed(2).replace(/\.?0+$/, "");
  if (abs === 0) return "0";
  return value.toPrecision(3).replace(/\.?0+$/, "");
}

/** A horizontal bar chart. */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const fmt = spec.format ?? formatNumber;
  const labelW = Math.min(300, Math.max(120, 8 + 7 * Math.max(0, ...spec.bars.map((b) => b.label.length))));
  const left = labelW + 10;
  const right = width - 190;
  const barH = 22;
  const gap = 10;
  const top = 44;
  const refs = spec.references ?? [];
  const values = [...spec.bars.map((b) => b.value), ...refs.map((r) => r.value)].filter((v) => Number.isFinite(v));
  const top0 = Math.max(0, ...values);
  const axisMax = spec.max ?? (top0 > 0 ? top0 * 1.1 : 1);
  let axisMin = 0;
  if (spec.log === true) {
    const positive = values.filter((v) => v > 0);
    axisMin = 10 ** Math.floor(Math.log10(Math.min(...positive, axisMax)));
  }
  const x = (v: number): number => {
    if (!Number.isFinite(v)) return left;
    if (spec.log === true) {
      if (v <= 0) return left;
      const t = (Math.log10(v) - Math.log10(axisMin)) / (Math.log10(axisMax) - Math.log10(axisMin) || 1);
      return left + Math.max(0, Math.min(1, t)) * (right - left);
    }
    return left + Math.max(0, Math.min(1, v / axisMax)) * (right - left);
  };
  const height = top + spec.bars.length * (barH + gap) + 34 + 13 * refs.length;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="13">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="12" y="24" font-size="16" font-weight="600" fill="#111827">${escapeXml(spec.title)}</text>`);
  spec.bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const color = b.color ?? PALETTE[i % PALETTE.length];
    const w = Math.max(Number.isFinite(b.value) && b.value > 0 ? 1 : 0, x(b.value) - left);
    out.push(`<text x="${left - 8}" y="${y + barH / 2 + 4}" text-anchor="end" fill="#111827">${escapeXml(b.label)}</text>`);
    out.push(`<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" rx="3" fill="${color}"/>`);
    const text = `${fmt(b.value)}${spec.unit === "" || spec.unit === "%" ? spec.unit : " " + spec.unit}${b.note === undefined ? "" : "  " + b.note}`;
    out.push(`<text x="${(left + w + 6).toFixed(1)}" y="${y + barH / 2 + 4}" fill="#374151">${escapeXml(text)}</text>`);
  });
  const bottom = top + spec.bars.length * (barH + gap) - gap;
  out.push(`<line x1="${left}" y1="${top - 6}" x2="${left}" y2="${bottom + 6}" stroke="#6b7280"/>`);
  refs.forEach((r, i) => {
    const rx = x(r.value).toFixed(1);
    // Labels on alternate rows, so that two close lines stay readable.
    out.push(`<line x1="${rx}" y1="${top - 8}" x2="${rx}" y2="${bottom + 8 + 13 * i}" stroke="#dc2626" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${rx}" y="${bottom + 20 + 13 * i}" text-anchor="middle" font-size="11" fill="#dc2626">${escapeXml(r.label)}</text>`);
  });
  if (spec.log === true) {
    out.push(`<text x="${right}" y="${height - 6}" text-anchor="end" font-size="11" fill="#6b7280">logarithmic scale</text>`);
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly color?: string | undefined;
}

export interface LineChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly width?: number | undefined;
  readonly height?: number | undefined;
  /** Lower end of the y axis; default 0. */
  readonly yMin?: number | undefined;
}

/** A line chart with a shared x axis, ticks at round values, and a legend. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 760;
  const height = spec.height ?? 300;
  const left = 64;
  const right = width - 16;
  const top = 56;
  const bottom = height - 44;
  const all = spec.series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const xMin = Math.min(...all.map((p) => p[0]), 0);
  const xMax = Math.max(...all.map((p) => p[0]), xMin + 1);
  const yMin = spec.yMin ?? 0;
  const yTop = Math.max(...all.map((p) => p[1]), yMin + 1e-9);
  const yTicks = niceTicks(yMin, yTop);
  const yMax = yTicks[yTicks.length - 1] as number;
  const xTicks = niceTicks(xMin, xMax);
  const sx = (v: number) => left + ((v - xMin) / (xMax - xMin)) * (right - left);
  const sy = (v: number) => bottom - ((v - yMin) / (yMax - yMin || 1)) * (bottom - top);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(`<text x="12" y="22" font-size="16" font-weight="600" fill="#111827">${escapeXml(spec.title)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${left}" y1="${sy(t).toFixed(1)}" x2="${right}" y2="${sy(t).toFixed(1)}" stroke="#e5e7eb"/>`);
    out.push(`<text x="${left - 6}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end" fill="#4b5563">${escapeXml(formatNumber(t))}</text>`);
  }
  for (const t of xTicks) {
    if (t > xMax) continue;
    out.push(`<text x="${sx(t).toFixed(1)}" y="${bottom + 16}" text-anchor="middle" fill="#4b5563">${escapeXml(formatNumber(t))}</text>`);
  }
  out.push(`<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="#6b7280"/>`);
  out.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#6b7280"/>`);
  out.push(`<text x="${(left + right) / 2}" y="${height - 8}" text-anchor="middle" fill="#374151">${escapeXml(spec.xLabel)}</text>`);
  out.push(`<text x="14" y="${(top + bottom) / 2}" text-anchor="middle" fill="#374151" transform="rotate(-90 14 ${(top + bottom) / 2})">${escapeXml(spec.yLabel)}</text>`);
  let legendX = left;
  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (pts.length > 0) {
      const d = pts.map(([a, b], j) => `${j === 0 ? "M" : "L"}${sx(a).toFixed(1)},${sy(b).toFixed(1)}`).join(" ");
      out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>`);
    }
    out.push(`<rect x="${legendX}" y="32" width="12" height="12" fill="${color}"/>`);
    out.push(`<text x="${legendX + 16}" y="42" fill="#111827">${escapeXml(s.name)}</text>`);
    legendX += 28 + 7 * s.name.length;
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

/** Ascending ticks at 1, 2 or 5 times a power of ten covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag);
  const first = Math.floor(lo / step) * step;
  const out: number[] = [];
  for (let t = first; t < hi + step - 1e-9 * step; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}
