import { MAX_HEADER_VALUE_CHARS } from "./header-fields.js";

/**
 * The headers a client or the proxy passes on in `ReportUsage.response_headers`:
 * exactly those the dialect parsers read. Any other header may carry a cookie,
 * an account id or a request id, so it never leaves the caller. The Python
 * client keeps the same two lists (keypool_client/rate_limit_headers.py), and
 * a test holds them equal.
 */
export const RATE_LIMIT_HEADER_NAMES: readonly string[] = ["retry-after", "retry-after-ms"];

/** OpenAI, Azure, Groq and OpenRouter write `x-ratelimit-*`; Anthropic `anthropic-ratelimit-*`. */
export const RATE_LIMIT_HEADER_PREFIXES: readonly string[] = ["x-ratelimit-", "anthropic-ratelimit-"];

/** A real answer carries at most a dozen and a half (Anthropic); the rest of a hostile answer is dropped. */
export const MAX_RATE_LIMIT_HEADERS = 32;

/** Names no longer than this are passed on; every real one is far shorter. */
const MAX_NAME_CHARS = 64;

/** True when `name` (any case) is one of the headers the parsers read. */
export function isRateLimitHeader(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.length > MAX_NAME_CHARS) return false;
  return RATE_LIMIT_HEADER_NAMES.includes(lower) || RATE_LIMIT_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix) && lower.length > prefix.length);
}

/**
 * The rate-limit headers of one answer, lower-case names, ready for
 * `response_headers`: only allow-listed names, values no longer than a parser
 * reads, at most MAX_RATE_LIMIT_HEADERS of them, so that a report is never
 * refused for what the provider sent. Takes a fetch `Headers`, a plain record
 * or Node's incoming headers (an array value counts by its first element).
 */
export function pickRateLimitHeaders(
  headers: Iterable<readonly [string, string]> | Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string> {
  const picked: Record<string, string> = {};
  let count = 0;
  const entries: Iterable<readonly [string, unknown]> = Symbol.iterator in headers ? (headers as Iterable<readonly [string, string]>) : Object.entries(headers);
  for (const [name, raw] of entries) {
    if (count >= MAX_RATE_LIMIT_HEADERS) break;
    if (!isRateLimitHeader(name)) continue;
    const value = Array.isArray(raw) ? (raw as unknown[])[0] : raw;
    if (typeof value !== "string" || value.length > MAX_HEADER_VALUE_CHARS) continue;
    const lower = name.toLowerCase();
    if (!Object.hasOwn(picked, lower)) count++;
    picked[lower] = value;
  }
  return picked;
}
