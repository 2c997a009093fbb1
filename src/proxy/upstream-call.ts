import { Agent, type Dispatcher } from "undici";
import type { ProxyOptions } from "./proxy-options.js";
import type { UpstreamTarget } from "./upstream-targets.js";

const UNDICI_BACKSTOP_MS = 1_000;

/** One request to the upstream, as undici sends it. */
export interface UpstreamRequest {
  readonly target: UpstreamTarget;
  readonly method: string;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer | undefined;
  /** Ends the request: an AbortSignal, or an EventEmitter with `aborted` and `reason` (see RequestAbort). */
  readonly signal: Dispatcher.RequestOptions["signal"];
  /** Time for the response headers to arrive. */
  readonly headersTimeoutMs: number;
  /** Longest silence between body chunks. */
  readonly bodyTimeoutMs: number;
}

/**
 * The proxy's connection pool to upstreams: per origin, up to `maxConcurrent`
 * keep-alive connections (the proxy never has more requests in flight), one
 * request at a time on each: pipelining would put a completion behind another
 * one's stream, and a POST that failed in a pipeline could not be known to be
 * unsent. undici's keep-alive defaults (4 s unless the server says otherwise)
 * stay under common server idle timeouts; a steady load reuses connections
 * well within them. The connect time is bounded; the other timeouts are set
 * per request.
 */
export function upstreamAgent(options: Pick<ProxyOptions, "connectTimeoutMs" | "maxConcurrent">): Agent {
  return new Agent({ connectTimeout: options.connectTimeoutMs, connections: options.maxConcurrent, pipelining: 1 });
}

/**
 * Sends the request with undici's `request` (no fetch machinery: the body is
 * a plain Node stream, read only as fast as the client takes it). Resolves
 * once the status and headers are in; 4xx and 5xx are answers, not errors.
 */
export function callUpstream(dispatcher: Dispatcher, req: UpstreamRequest): Promise<Dispatcher.ResponseData> {
  return dispatcher.request({
    origin: req.target.origin,
    path: req.target.path,
    method: req.method as Dispatcher.HttpMethod,
    headers: req.headers,
    body: req.body ?? null,
    signal: req.signal,
    // The proxy keeps both limits on timers of its own (DeadlineSweep); undici's, which tick
    // every half second and may fire early or late by as much, stay only as a backstop a second later.
    headersTimeout: Math.max(1, Math.ceil(req.headersTimeoutMs)) + UNDICI_BACKSTOP_MS,
    bodyTimeout: req.bodyTimeoutMs + UNDICI_BACKSTOP_MS,
    // Streams are passed on chunk by chunk; a large buffer would only hide backpressure.
    highWaterMark: 16 * 1024,
  });
}
