const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, "μs": 0.001, ns: 0.000001 };

const whole = /^(?:\d{1,9}(?:\.\d{1,9})?(?:h|ms|m|s|us|µs|μs|ns))+$/;
const part = /(\d{1,9}(?:\.\d{1,9})?)(h|ms|m|s|us|µs|μs|ns)/g;

/**
 * A Go time.Duration string, as OpenAI and Groq write their resets
 * ("12ms", "1.5s", "6m0s", "1h2m3.5s"), in milliseconds; undefined if malformed.
 */
export function parseGoDuration(value: string): number | undefined {
  if (value === "0") return 0;
  if (value.length > 64 || !whole.test(value)) return undefined;
  let ms = 0;
  for (const [, amount = "", unit = ""] of value.matchAll(part)) ms += Number(amount) * (units[unit] ?? 0);
  return Math.round(ms);
}

/** A google.protobuf.Duration in JSON ("2s", "37.5s", "0.250s"), as Gemini's RetryInfo.retryDelay, in milliseconds. */
export function parseProtoDuration(value: string): number | undefined {
  const match = /^(\d{1,12})(?:\.(\d{1,9}))?s$/.exec(value);
  if (match === null) return undefined;
  return Math.round(Number(`${match[1]}.${match[2] ?? "0"}`) * 1000);
}
