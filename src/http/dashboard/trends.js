/*
 * Short in-page history of snapshot values (since the page opened) and the
 * balance trend drawn from it. Pure functions over plain arrays of { t, ... }.
 */

/** Appends a sample, keeps `keepMs` of them, and drops samples from the future (a restarted sidecar, a changed clock). */
export function pushSample(list, sample, keepMs) {
  list.push(sample);
  while (list.length > 0 && list[0].t < sample.t - keepMs) list.shift();
  while (list.length > 1 && list[list.length - 2].t > sample.t) list.splice(list.length - 2, 1);
}

/**
 * How the balance moved: the latest sample against the one `overMs` ago (or
 * the oldest, when the page is younger). No trend before 10 s of samples;
 * changes under 0.025 are steady.
 */
export function balanceTrend(history, now, overMs = 60_000) {
  if (history.length < 2) return { text: "", direction: "none", title: "" };
  const latest = history[history.length - 1];
  let then = history[0];
  for (const s of history) {
    if (s.t <= now - overMs) then = s;
    else break;
  }
  const span = latest.t - then.t;
  if (span < 10_000) return { text: "", direction: "none", title: "a trend shows after 10 seconds" };
  const delta = latest.balance - then.balance;
  const over = span >= overMs - 2_000 ? `${Math.round(overMs / 60_000)} min` : `${Math.round(span / 1_000)} s`;
  const title = `${then.balance.toFixed(2)} ${over} ago`;
  if (Math.abs(delta) < 0.025) return { text: `→ steady over ${over}`, direction: "flat", title };
  const sign = delta > 0 ? "+" : "−";
  return { text: `${delta > 0 ? "▲" : "▼"} ${sign}${Math.abs(delta).toFixed(2)} in ${over}`, direction: delta > 0 ? "up" : "down", title };
}
