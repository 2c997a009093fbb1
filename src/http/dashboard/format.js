/*
 * Number, time and duration formatting for the dashboard. Pure functions:
 * imported by the page and by its unit tests in Node.
 */

const integer = new Intl.NumberFormat("en", { maximumFractionDigits: 0 });

/** Drops a trailing ".0": "1.0k" reads worse than "1k". */
export function trim(s) {
  return s.replace(/\.0$/, "");
}

/** A count in at most four characters: 999, 1.2k, 15k, 1.5M, 2.1G; "–" for none. */
export function compact(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  const abs = Math.abs(n);
  if (abs < 1_000) return integer.format(n);
  if (abs < 1_000_000) return `${trim((n / 1_000).toFixed(abs < 10_000 ? 1 : 0))}k`;
  if (abs < 1_000_000_000) return `${trim((n / 1_000_000).toFixed(abs < 10_000_000 ? 1 : 0))}M`;
  return `${trim((n / 1_000_000_000).toFixed(1))}G`;
}

/** A latency: "420 ms", "1.25 s", "12.5 s"; "–" for none. */
export function latency(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1_000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/** A time left: "4.2 s", "42 s", "12 min 05 s", "3 h 12 min", "3 days". */
export function timeLeft(ms) {
  if (ms < 10_000) return `${(Math.max(0, ms) / 1_000).toFixed(1)} s`;
  const s = Math.ceil(ms / 1_000);
  if (s < 60) return `${s} s`;
  if (s < 3_600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  const m = Math.floor(s / 60);
  if (m < 48 * 60) return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
  return `${Math.round(m / 1_440)} days`;
}

/** A window length after "per": "min", "h", "6 s", "5 min". */
export function per(ms) {
  if (ms % 3_600_000 === 0) return ms === 3_600_000 ? "h" : `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return ms === 60_000 ? "min" : `${ms / 60_000} min`;
  return `${trim((ms / 1_000).toFixed(1))} s`;
}

/** A wall-clock time in the viewer's locale, to the second. */
export function clockTime(t) {
  return new Date(t).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** How full a fraction of a limit is, for colour: ok below 70 %, warm below 90 %, hot above. */
export function level(fraction) {
  return fraction >= 0.9 ? "hot" : fraction >= 0.7 ? "warm" : "ok";
}

/** A key's configured limits in one line: "60 rpm · 40k tpm · 5k rpd · 4 open · 5/10 s"; "" without any. */
export function limitsText(limits) {
  return limitParts(limits).join(" · ");
}

/** The same, one entry a limit: ["60 rpm", "40k tpm", "4 open"]. */
export function limitParts(limits) {
  const parts = [];
  if (limits.rpm !== null) parts.push(`${compact(limits.rpm)} rpm`);
  if (limits.tpm !== null) parts.push(`${compact(limits.tpm)} tpm`);
  if (limits.rpd !== null) parts.push(`${compact(limits.rpd)} rpd`);
  if (limits.max_concurrent !== null) parts.push(`${compact(limits.max_concurrent)} open`);
  for (const w of limits.windows) {
    const tokens = w.requests === undefined;
    parts.push(`${compact(tokens ? w.tokens : w.requests)}${tokens ? " tok" : ""}/${per(w.per_ms)}`);
  }
  return parts;
}
