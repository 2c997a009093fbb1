/** Limits and failover policy of the HTTP proxy. Every field has a default (see DEFAULT_PROXY_OPTIONS). */
export interface ProxyOptions {
  /** Largest request body accepted; larger ones get 413. */
  readonly maxBodyBytes: number;
  /** Largest request head (request line and headers); larger ones get 431. */
  readonly maxHeaderBytes: number;
  /** Most request headers; more get 431. */
  readonly maxHeaderCount: number;
  /** Upstream requests in flight at once (streams count until their end); beyond it 503. */
  readonly maxConcurrent: number;
  /** Time for one request to get response headers, all attempts together; beyond it 504. A client's X-Stainless-Timeout can shorten it. */
  readonly upstreamTimeoutMs: number;
  /** Longest silence between two chunks of an upstream response body. */
  readonly upstreamIdleTimeoutMs: number;
  /** Time to open a connection to the upstream; a failure to connect is retried with another key. */
  readonly connectTimeoutMs: number;
  /** Keys tried per request: a 429, 401/403 or connection error before any byte reached the client moves to the next key. */
  readonly maxAttempts: number;
  /** Retry 5xx answers with another key too (default: passed through to the client). */
  readonly retryServerErrors: boolean;
  /** How long a request may wait for a key when every key is busy; 0 answers 429 with the pool's retry delay at once. */
  readonly maxWaitMs: number;
}

export const DEFAULT_PROXY_OPTIONS: ProxyOptions = Object.freeze({
  maxBodyBytes: 10 * 1024 * 1024,
  maxHeaderBytes: 32 * 1024,
  maxHeaderCount: 100,
  maxConcurrent: 512,
  // The OpenAI and Anthropic SDKs wait 10 minutes by default; a long non-streamed completion needs it.
  upstreamTimeoutMs: 600_000,
  upstreamIdleTimeoutMs: 300_000,
  connectTimeoutMs: 10_000,
  maxAttempts: 4,
  retryServerErrors: false,
  maxWaitMs: 0,
});

/** Defaults filled in; throws on a value that cannot work (a programming error of the embedder). */
export function resolveProxyOptions(partial: Partial<ProxyOptions> = {}): ProxyOptions {
  const options: ProxyOptions = { ...DEFAULT_PROXY_OPTIONS, ...definedOnly(partial) };
  for (const name of ["maxBodyBytes", "maxHeaderBytes", "maxHeaderCount", "maxConcurrent", "maxAttempts"] as const) {
    if (!Number.isSafeInteger(options[name]) || options[name] < 1) throw new RangeError(`proxy ${name}: expected a positive integer`);
  }
  for (const name of ["upstreamTimeoutMs", "upstreamIdleTimeoutMs", "connectTimeoutMs"] as const) {
    if (!Number.isFinite(options[name]) || options[name] <= 0) throw new RangeError(`proxy ${name}: expected a positive duration`);
  }
  if (!Number.isFinite(options.maxWaitMs) || options.maxWaitMs < 0) throw new RangeError("proxy maxWaitMs: expected a non-negative duration");
  return Object.freeze(options);
}

function definedOnly<T extends object>(partial: T): Partial<T> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<T>;
}
