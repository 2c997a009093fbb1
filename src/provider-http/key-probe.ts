import type { OutcomeName } from "../protocol/outcome.js";
import { outcomeFromError } from "./error-outcome.js";
import { outcomeFromFetchResponse } from "./fetch-response-outcome.js";
import { apiForProvider, applyKey, DEFAULT_BASE_URLS, rewriteUrl, type ProviderApi } from "./provider-api.js";
import { MAX_ERROR_BODY_BYTES } from "./rate-limits/error-body.js";
import { parseRateLimits } from "./rate-limits/parse-rate-limits.js";
import { pickRateLimitHeaders } from "./rate-limits/rate-limit-header-names.js";
import type { ParsedRateLimits } from "./rate-limits/rate-limit-facts.js";

/** The model listing of each API, below its public base URL: the cheapest call that needs a valid key. */
const LISTING_PATHS: Readonly<Record<ProviderApi, string | undefined>> = {
  openai: "/models",
  anthropic: "/v1/models",
  gemini: "/v1beta/models",
  // An Azure key belongs to one resource whose deployments are listed by the management API, not with the key.
  azure: undefined,
};

/** True when the provider's API has a call that checks a key ({@link probeKey} can judge it). */
export function canProbeKeys(provider: string): boolean {
  return LISTING_PATHS[apiForProvider(provider)] !== undefined;
}

/** Anthropic refuses calls without a version. */
const ANTHROPIC_VERSION = "2023-06-01";

/** What a probe found: the key works, is refused, is limited right now, or could not be checked. */
export type ProbeVerdict = "valid" | "invalid" | "rate_limited" | "unchecked";

export interface KeyProbe {
  readonly provider: string;
  readonly secret: string;
  /** The key's (or its provider's) base URL; default the API's public endpoint. */
  readonly baseUrl: string | undefined;
}

export interface ProbeResult {
  readonly verdict: ProbeVerdict;
  /** The outcome as a real call's would be classified; absent when no call was made. */
  readonly outcome?: OutcomeName;
  readonly httpStatus?: number;
  /** Why, safe to print: the provider's own words without any secret. */
  readonly reason?: string;
  /** What the answer's headers (or an error's body) said about the limits. */
  readonly rateLimits?: ParsedRateLimits;
}

export interface ProbeOptions {
  readonly fetch?: typeof globalThis.fetch;
  readonly timeoutMs?: number;
  /** Epoch milliseconds now, for the resets an answer states relative to it. */
  readonly now?: () => number;
  /** Every secret that must not appear in a reason (the probed one is always included). */
  readonly secrets?: readonly string[];
}

/**
 * Checks one key with its API's model listing, sent and judged by the same
 * code as real calls: the key placed by `applyKey`, the URL by `rewriteUrl`,
 * the answer classified by `outcomeFromFetchResponse` and its limits read by
 * `parseRateLimits`. Never throws; never returns the secret.
 */
export async function probeKey(key: KeyProbe, options: ProbeOptions = {}): Promise<ProbeResult> {
  const api = apiForProvider(key.provider);
  const path = LISTING_PATHS[api];
  const publicBase = DEFAULT_BASE_URLS[api];
  const secrets = [key.secret, ...(options.secrets ?? [])];
  if (path === undefined || publicBase === undefined) {
    return { verdict: "unchecked", reason: `the ${api} API has no model listing a key can call` };
  }
  const url = rewriteUrl(new URL(`${publicBase}${path}`), key.baseUrl, publicBase);
  const headers = new Headers({ accept: "application/json" });
  applyKey(headers, url, api, key.secret);
  if (api === "anthropic") headers.set("anthropic-version", ANTHROPIC_VERSION);

  let res: Response;
  try {
    res = await (options.fetch ?? globalThis.fetch)(url, { headers, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (err) {
    const outcome = outcomeFromError(err, { secrets });
    return { verdict: "unchecked", outcome: outcome.outcome, reason: outcome.errorMessage ?? "no answer" };
  }
  const now = (options.now ?? Date.now)();
  const [outcome, errorBody] = await Promise.all([outcomeFromFetchResponse(res, { secrets }), errorPrefix(res)]);
  await res.body?.cancel().catch(() => undefined);
  const rateLimits = parseRateLimits({ provider: key.provider, status: res.status, headers: pickRateLimitHeaders(res.headers), now, ...(errorBody === undefined ? {} : { errorBody }) });
  const result = { outcome: outcome.outcome, httpStatus: res.status, rateLimits };
  const reason = outcome.errorMessage ?? `HTTP ${res.status}`;
  switch (outcome.outcome) {
    case "success":
      return { verdict: "valid", ...result };
    case "unauthorized":
      return { verdict: "invalid", ...result, reason };
    case "rate_limited":
    case "quota_exhausted":
      return { verdict: "rate_limited", ...result, reason };
    default:
      return { verdict: "unchecked", ...result, reason };
  }
}

/** The start of an error's body, where Gemini puts its quota details; nothing of a success. */
async function errorPrefix(res: Response): Promise<Uint8Array | undefined> {
  if (res.ok || res.body === null) return undefined;
  const bytes = new Uint8Array(await res.clone().arrayBuffer().catch(() => new ArrayBuffer(0)));
  return bytes.subarray(0, MAX_ERROR_BODY_BYTES);
}
