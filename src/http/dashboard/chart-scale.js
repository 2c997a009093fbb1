/*
 * Axes for the dashboard's charts: round tick values for the y axis, wall-clock
 * ticks for the time axis, and the linear maps between data and pixels.
 * Pure functions.
 */

/**
 * A y axis from 0 that holds `max`: about `count` steps of 1, 2 or 5 times a
 * power of ten. An empty or all-zero series still gets an axis (0 to 1).
 */
export function niceTicks(max, count = 4) {
  const top = Number.isFinite(max) && max > 0 ? max : 1;
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw - 1e-12) ?? 10 * power;
  const ticks = [];
  for (let v = 0; v < top + step - 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return { max: ticks[ticks.length - 1], step, ticks };
}

/** Steps a time axis may take, shortest first. */
const TIME_STEPS = [10_000, 30_000, 60_000, 2 * 60_000, 5 * 60_000, 10 * 60_000, 15 * 60_000, 30 * 60_000, 3_600_000, 2 * 3_600_000, 3 * 3_600_000, 6 * 3_600_000];

/**
 * Ticks on whole multiples of a round step (in UTC milliseconds, which are
 * round in every whole-hour time zone) between `start` and `end`, at most `maxTicks`.
 */
export function timeTicks(start, end, maxTicks = 6) {
  const span = Math.max(1, end - start);
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? TIME_STEPS[TIME_STEPS.length - 1];
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) ticks.push(t);
  return { step, ticks };
}

/** A linear map from [d0, d1] to [r0, r1]. */
export function linear(d0, d1, r0, r1) {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A tick label for the y axis: 0, 2.5, 150, 1.2k, 3M. */
export function tickLabel(v) {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1_000_000) return `${Number((v / 1_000_000).toPrecision(3))}M`;
  if (abs >= 1_000) return `${Number((v / 1_000).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

/** A time-axis label: "14:05" (and seconds when the step is under a minute), in the viewer's time zone. */
export function timeLabel(t, stepMs) {
  const d = new Date(t);
  const hm = `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
  return stepMs < 60_000 ? `${hm}:${String(d.getSeconds()).padStart(2, "0")}` : hm;
}
