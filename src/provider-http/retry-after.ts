import type { HeaderReader } from "./header-reader.js";

/**
 * The delay a provider asked for in its response headers, in milliseconds:
 * `retry-after-ms`, then `retry-after` (seconds or an HTTP date), then — for
 * 429s that carry neither — the reset time of an exhausted rate-limit window
 * (OpenAI `x-ratelimit-reset-*` written as Go durations, Anthropic
 * `anthropic-ratelimit-*-reset` written as RFC 3339 times).
 */
export function retryAfterMsFromHeaders(header: HeaderReader, nowMs: number = Date.now()): number | undefined {
  const ms = numberOrUndefined(header("retry-after-ms"));
  if (ms !== undefined && ms >= 0) return ms;
  const retryAfter = header("retry-after")?.trim();
  if (retryAfter !== undefined && retryAfter.length > 0) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  return rateLimitResetMs(header, nowMs);
}

function rateLimitResetMs(header: HeaderReader, nowMs: number): number | undefined {
  let longest: number | undefined;
  const consider = (ms: number | undefined) => {
    if (ms !== undefined && ms >= 0 && (longest === undefined || ms > longest)) longest = ms;
  };
  for (const kind of ["requests", "tokens"]) {
    if (header(`x-ratelimit-remaining-${kind}`)?.trim() === "0") consider(parseGoDuration(header(`x-ratelimit-reset-${kind}`)));
  }
  for (const kind of ["requests", "tokens", "input-tokens", "output-tokens"]) {
    if (header(`anthropic-ratelimit-${kind}-remaining`)?.trim() === "0") {
      const at = Date.parse(header(`anthropic-ratelimit-${kind}-reset`) ?? "");
      if (!Number.isNaN(at)) consider(Math.max(0, at - nowMs));
    }
  }
  return longest;
}

const goUnits: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, "µs": 0.001, ns: 0.000001 };

/** A Go duration string (`6s`, `1m0s`, `250ms`, `1h2m3.5s`) in milliseconds. */
export function parseGoDuration(text: string | undefined): number | undefined {
  const s = text?.trim();
  if (s === undefined || !/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(s)) return undefined;
  let total = 0;
  for (const [, value = "0", unit = "s"] of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) {
    total += Number(value) * (goUnits[unit] ?? 0);
  }
  return total;
}

/**
 * The delay in a google.rpc.Status error body (Gemini): `error.details[]`
 * holding a RetryInfo with `retryDelay` as a JSON duration (`"20s"`, `"4.500s"`).
 */
export function retryAfterMsFromBody(body: unknown): number | undefined {
  for (const detail of errorDetails(body)) {
    const type = detail["@type"];
    if (typeof type !== "string" || !type.endsWith("google.rpc.RetryInfo")) continue;
    const delay = detail["retryDelay"];
    if (typeof delay === "string") {
      const m = /^(\d+(?:\.\d+)?)s$/.exec(delay.trim());
      if (m !== null) return Number(m[1]) * 1000;
    }
  }
  return undefined;
}

/** The `error.details` entries of a google.rpc.Status body. */
export function errorDetails(body: unknown): Record<string, unknown>[] {
  if (body === null || typeof body !== "object") return [];
  const error = (body as Record<string, unknown>)["error"];
  const details = error !== null && typeof error === "object" ? (error as Record<string, unknown>)["details"] : undefined;
  return Array.isArray(details) ? details.filter((d): d is Record<string, unknown> => d !== null && typeof d === "object") : [];
}

function numberOrUndefined(text: string | undefined): number | undefined {
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
