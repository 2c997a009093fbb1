import { outcomeFromError } from "../../../src/provider-http/error-outcome.js";
import { KeyPoolError } from "./errors.js";
import { httpErrorOf, retryHeaders } from "../../../src/protocol/http-error.js";
import { errorBody } from "../../../src/provider-http/error-body.js";
import { shouldRetry, type FailoverPolicy } from "../../../src/provider-http/failover-policy.js";
import { headerReader } from "../../../src/provider-http/header-reader.js";
import { outcomeFromHttp, parseBody } from "../../../src/provider-http/http-outcome.js";
import { MAX_ERROR_BODY_BYTES } from "../../../src/provider-http/rate-limits/error-body.js";
import { pickRateLimitHeaders } from "../../../src/provider-http/rate-limits/rate-limit-header-names.js";
import type { Lease } from "./lease.js";
import type { LeaseBroker, UsageReport } from "./lease-broker.js";
import { meteredBody } from "./metered-body.js";
import type { CallOutcome } from "../../../src/protocol/outcome.js";
import { apiForProvider, applyKey, DEFAULT_BASE_URLS, rewriteUrl, type ProviderApi } from "../../../src/provider-http/provider-api.js";
import { requestFacts } from "../../../src/provider-http/request-facts.js";
import { SseUsageTracker } from "../../../src/provider-http/sse-usage.js";
import type { TokenUsage } from "../../../src/provider-http/token-usage.js";
import { usageFromBody } from "../../../src/provider-http/usage-from-response.js";

/** Options of `client.fetch(provider, options)`. */
export interface PoolFetchOptions {
  /** Where the key goes; by default from the provider name (see apiForProvider). */
  readonly api?: ProviderApi;
  /** The base URL the SDK itself is configured with, replaced by a key's base URL. Default: the API's public endpoint. */
  readonly sdkBaseUrl?: string;
  /** Model to acquire for; by default the one the request names. */
  readonly model?: string;
  /** Tokens to reserve; by default estimated from the request body. */
  readonly estimatedTokens?: number;
  /** How long an acquisition may wait for a free key. Default 0. */
  readonly maxWaitMs?: number;
  /** Retry a 429 once with another key, before the caller sees it. Default true. */
  readonly retryRateLimited?: boolean;
  /** The fetch that sends the request. Default: the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
}

/** JSON bodies up to this size are kept to read their usage; larger ones pass without. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/**
 * A drop-in `fetch` for SDKs that accept one. Per request: leases a key, puts
 * it where the provider expects it (replacing the SDK's placeholder), sends the
 * request to the key's base URL, and reports status, retry delay, latency and
 * token usage — read from JSON bodies and from SSE streams as they pass,
 * without holding the stream back — with the answer's rate-limit headers and,
 * for an error, the first 8 KiB of its body, so the sidecar learns what the
 * provider says is left. A 429 is retried once with another key
 * before any of its body reaches the caller. When every key is busy the answer
 * is a 429 with the pool's retry delay (header `x-keypool-refused`); other
 * pool failures reject with KeyPoolError, which SDKs wrap as a connection
 * error. The request body is buffered so that it can be sent twice.
 *
 * A streamed or JSON success is reported when the caller has read the body to
 * its end (or cancelled it); a body never read leaves the lease to expire.
 */
export function poolFetch(broker: LeaseBroker, provider: string, options: PoolFetchOptions = {}): typeof globalThis.fetch {
  const api = options.api ?? apiForProvider(provider);
  const sdkBaseUrl = options.sdkBaseUrl ?? DEFAULT_BASE_URLS[api];
  // A rejected key stays the caller's to see: the SDK's own error names it, and the pool has disabled that key.
  const failover: FailoverPolicy = { maxAttempts: (options.retryRateLimited ?? true) ? 2 : 1, retryServerErrors: false, retryRejectedKeys: false };

  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const send = options.fetch ?? globalThis.fetch;
    const request = new Request(input, withDuplex(init));
    const body = request.body === null ? undefined : new Uint8Array(await request.arrayBuffer());
    const facts = requestFacts(new URL(request.url), body === undefined ? undefined : new TextDecoder().decode(body));
    const model = options.model ?? facts.model;
    const acquire = () =>
      broker.acquire(provider, {
        ...(model === undefined ? {} : { model }),
        estimatedTokens: options.estimatedTokens ?? facts.estimatedTokens,
        ...(options.maxWaitMs === undefined ? {} : { maxWaitMs: options.maxWaitMs }),
        signal: request.signal,
      });

    let lease: Lease;
    try {
      lease = await acquire();
    } catch (err) {
      if (err instanceof KeyPoolError && err.codeName === "RESOURCE_EXHAUSTED") return poolBusyResponse(err, api);
      throw err;
    }
    let previous: Response | undefined;
    for (let attempt = 1; ; attempt++) {
      const url = rewriteUrl(new URL(request.url), lease.baseUrl, sdkBaseUrl);
      const headers = new Headers(request.headers);
      applyKey(headers, url, api, lease.apiKey);
      const started = performance.now();
      let res: Response;
      try {
        res = await send(url, { method: request.method, headers, signal: request.signal, redirect: request.redirect, ...(body === undefined ? {} : { body }) });
      } catch (err) {
        await settle(broker, lease, { ...outcomeFromError(err, { secrets: [lease.apiKey] }), latencyMs: performance.now() - started });
        throw err;
      }
      if (lease.fallback) return res;
      if (res.ok) return metered(broker, lease, res, started);

      // An error answer: read its (small) body for the reason, report, and hand back a copy.
      const bytes = new Uint8Array(await res.arrayBuffer().catch(() => new ArrayBuffer(0)));
      const outcome = outcomeFromHttp(res.status, headerReader(res.headers), parseBody(new TextDecoder().decode(bytes)), { secrets: [lease.apiKey] });
      const answer = { responseHeaders: pickRateLimitHeaders(res.headers), errorBody: bytes.subarray(0, MAX_ERROR_BODY_BYTES) };
      await settle(broker, lease, { ...outcome, ...answer, latencyMs: performance.now() - started });
      const copy = copyResponse(res, bytes);
      if (!shouldRetry({ kind: "answer", status: res.status, outcome: outcome.outcome }, attempt, failover, Number.POSITIVE_INFINITY)) return copy;
      previous = copy;
      try {
        // The reported 429 cools that key down, so the pool hands out another one.
        lease = await acquire();
      } catch (err) {
        // No other key can serve now: the caller gets the provider's own 429.
        if (err instanceof KeyPoolError && previous !== undefined) return previous;
        throw err;
      }
    }
  };
}

function metered(broker: LeaseBroker, lease: Lease, res: Response, started: number): Response {
  // Taken now: what the provider said is left stays true of the moment it answered.
  const responseHeaders = pickRateLimitHeaders(res.headers);
  const report = (outcome: CallOutcome, usage: TokenUsage | undefined) =>
    settle(broker, lease, {
      ...outcome,
      httpStatus: res.status,
      responseHeaders,
      ...(usage?.promptTokens === undefined ? {} : { promptTokens: usage.promptTokens }),
      ...(usage?.completionTokens === undefined ? {} : { completionTokens: usage.completionTokens }),
      latencyMs: performance.now() - started,
    });
  if (res.body === null) {
    void report({ outcome: "success" }, undefined);
    return res;
  }
  const type = res.headers.get("content-type") ?? "";
  const sse = type.includes("text/event-stream") ? new SseUsageTracker() : undefined;
  const json = sse === undefined && type.includes("json") ? new JsonCollector() : undefined;
  const usage = () => sse?.end() ?? json?.usage();
  const body = meteredBody(res.body, {
    chunk: (bytes) => {
      sse?.push(bytes);
      json?.push(bytes);
    },
    end: () => report({ outcome: "success" }, usage()),
    fail: (err) => report(outcomeFromError(err, { secrets: [lease.apiKey] }), sse?.usage()),
    cancel: () => report({ outcome: "cancelled", errorMessage: "response body cancelled by the caller" }, sse?.usage()),
  });
  return copyResponse(res, body);
}

/** Keeps a JSON body's bytes, up to a bound, to read its usage at the end. */
class JsonCollector {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  push(bytes: Uint8Array): void {
    this.size += bytes.byteLength;
    if (this.size <= MAX_JSON_BYTES) this.chunks.push(bytes);
  }

  usage(): TokenUsage | undefined {
    if (this.size > MAX_JSON_BYTES) return undefined;
    const text = Buffer.concat(this.chunks).toString("utf8");
    return usageFromBody(parseBody(text));
  }
}

/**
 * Every key is busy: answered as the provider would answer one busy key, a 429
 * with Retry-After, so that an SDK's own retry waits exactly until the pool has
 * room, its body in the SDK's own error dialect. `x-keypool-refused` tells it
 * apart from a provider's 429.
 */
function poolBusyResponse(err: KeyPoolError, api: ProviderApi): Response {
  const answer = httpErrorOf(err, `keypool: ${err.details.join("; ")}`);
  const headers = new Headers({ "content-type": "application/json", ...retryHeaders(answer.retryAfterMs ?? 0), "x-keypool-refused": err.code });
  return new Response(JSON.stringify(errorBody(api, answer)), { status: answer.status, statusText: "Too Many Requests", headers });
}

function copyResponse(res: Response, body: ConstructorParameters<typeof Response>[0]): Response {
  const copy = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  // SDKs may read the URL for messages; a constructed Response has none of its own.
  Object.defineProperty(copy, "url", { value: res.url });
  return copy;
}

function settle(broker: LeaseBroker, lease: Lease, report: UsageReport): Promise<void> {
  return lease.fallback ? Promise.resolve() : broker.finish(lease, report);
}

/** Node's fetch needs `duplex: "half"` to accept a streamed request body. */
function withDuplex(init: RequestInit | undefined): RequestInit | undefined {
  if (init?.body instanceof ReadableStream) return { ...init, duplex: "half" } as RequestInit;
  return init;
}
