/**
 * Durations in config: a number of milliseconds, or a string of one or more
 * `<number><unit>` parts with units ms, s, m, h, d ("500ms", "10s", "1m30s").
 * A bare numeric string counts as milliseconds, so `"${TTL_MS:-500}"` works.
 */

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;
const BARE_MS = /^\d+$/;

/** Milliseconds (a non-negative safe integer), or undefined when `input` is no duration. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === "number") {
    return Number.isSafeInteger(input) && input >= 0 ? input : undefined;
  }
  if (typeof input !== "string") return undefined;
  const text = input.trim();
  if (BARE_MS.test(text)) return checked(Number(text));
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? ""] ?? Number.NaN);
  }
  // "1.5ms" is not a whole number of milliseconds; round rather than reject.
  return checked(Math.round(total));
}

function checked(ms: number): number | undefined {
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The shortest exact form: 90000 → "1m30s", 1500 → "1s500ms", 0 → "0ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return "0ms";
  let rest = Math.round(ms);
  let out = "";
  for (const unit of ["d", "h", "m", "s", "ms"] as const) {
    const size = UNIT_MS[unit] ?? 1;
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}
