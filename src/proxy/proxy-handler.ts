import type { IncomingMessage, ServerResponse } from "node:http";
import type { Tracer } from "@opentelemetry/api";
import type { Dispatcher } from "undici";
import { outcomeFromError } from "../provider-http/error-outcome.js";
import { headerReader } from "../provider-http/header-reader.js";
import { outcomeFromHttp, parseBody } from "../provider-http/http-outcome.js";
import type { CallOutcome } from "../protocol/outcome.js";
import { apiForProvider, keyHeader, type ProviderApi } from "../provider-http/provider-api.js";
import type { ProviderAnswer } from "../provider-http/rate-limits/rate-limit-facts.js";
import type { TokenUsage } from "../provider-http/token-usage.js";
import type { AuthState } from "../auth/auth-state.js";
import { ANONYMOUS, type ClientIdentity } from "../auth/client-identity.js";
import type { Clock } from "../clock/clock.js";
import { verifiedCertificateCn } from "../listen/tls-server.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { Lease, ReporterRights } from "../pool/types.js";
import type { Logger } from "../telemetry/logger.js";
import { sourceOf } from "../auth/auth-failures.js";
import { authenticateClient } from "./authenticate-client.js";
import type { ConcurrencyGate } from "./concurrency-gate.js";
import { sendProxyError } from "./error-response.js";
import { isConnectionFailure, shouldRetry } from "../provider-http/failover-policy.js";
import { clientResponseHeaders, upstreamRequestHeaders } from "./hop-by-hop.js";
import { ProxyError } from "./proxy-error.js";
import type { ProxyOptions } from "./proxy-options.js";
import { parseProxyRoute, type ProxyRoute } from "./proxy-route.js";
import { startProxySpan, type ProxySpan } from "./proxy-span.js";
import type { DeadlineSweep } from "./deadline-sweep.js";
import { ClientGoneError, pumpBody, UpstreamIdleError, type IdleLimit } from "./pump-body.js";
import { RequestAbort } from "./request-abort.js";
import { readPrefix } from "./read-prefix.js";
import { readRequestBody } from "./read-request-body.js";
import { estimateRequest } from "./request-estimate.js";
import { usageWatcher } from "./response-usage.js";
import type { RoutableProviders } from "./routable-providers.js";
import { toProxyError } from "./to-proxy-error.js";
import { logRateLimits } from "../telemetry/log-rate-limits.js";
import { reportedAnswer, upstreamAnswer } from "./upstream-answer.js";
import { callUpstream } from "./upstream-call.js";
import type { UpstreamTargets } from "./upstream-targets.js";

/** What every proxied request shares. */
export interface ProxyContext {
  readonly pool: LeasePool;
  readonly auth: AuthState | undefined;
  readonly log: Logger;
  readonly tracer: Tracer | undefined;
  readonly options: ProxyOptions;
  readonly dispatcher: Dispatcher;
  readonly gate: ConcurrencyGate;
  readonly routable: RoutableProviders;
  /** When an answer arrived, for the resets it states relative to now. */
  readonly clock: Clock;
  /** Where requests go, remembered per provider, key base URL and path. */
  readonly targets: UpstreamTargets;
  /** The deadlines of every request (time to an answer, a body's idle limit) on one timer. */
  readonly timers: DeadlineSweep;
}

/** Error bodies up to this size are read to classify them (Gemini's retry delay and invalid-key reason are in the body). */
const ERROR_BODY_BYTES = 64 * 1024;

/** The state of one proxied request, shared by its steps. */
const NO_RIGHTS: ReporterRights = Object.freeze({ trusted: false, admin: false });

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly span: ProxySpan;
  readonly abort: RequestAbort;
  clientGone: boolean;
  api: ProviderApi | undefined;
  /** What the authenticated client's reports may do to a key (trusted, admin); none until it is known. */
  rights: ReporterRights;
}

/**
 * Serves one proxied request: route, authenticate, read the body within the
 * limits, then lease a key, forward, and fail over to another key on a 429,
 * a rejected key or a failed connection as long as nothing reached the
 * client; stream the answer back and report its outcome, latency and usage.
 * Never throws: every failure becomes an answer in the client's format, or a
 * cut connection once the answer has started.
 */
export async function handleProxyRequest(ctx: ProxyContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ex: Exchange = {
    req,
    res,
    span: startProxySpan(ctx.tracer, req.method ?? "GET", req.headers, { address: req.socket.remoteAddress, port: req.socket.remotePort }),
    abort: new RequestAbort(),
    clientGone: false,
    api: undefined,
    rights: NO_RIGHTS,
  };
  // 'close' before the response finished: the client went away. Aborting ends the upstream request with it.
  const onClose = () => {
    if (res.writableFinished) return;
    ex.clientGone = true;
    ex.abort.abort(new DOMException("client closed the connection", "AbortError"));
  };
  res.on("close", onClose);
  let entered = false;
  try {
    const route = parseProxyRoute(req.url ?? "/");
    if (route === undefined) {
      throw new ProxyError(404, "unknown_route", "keypool: proxy paths are /{provider}/{path of the provider's API}, e.g. /openai/v1/chat/completions");
    }
    const api = apiForProvider(route.provider);
    ex.api = api;
    if (req.rawHeaders.length / 2 > ctx.options.maxHeaderCount) {
      throw new ProxyError(431, "too_many_headers", `keypool: more than ${ctx.options.maxHeaderCount} request headers`, undefined, true);
    }
    const configured = ctx.routable.configured(route.provider);
    const client = ctx.auth?.enabled === true ? await authenticate(ctx, ctx.auth, req, route, api, configured) : ANONYMOUS;
    if (!configured) {
      throw new ProxyError(404, "unknown_provider", `keypool: provider: not configured (configured: ${ctx.pool.providerNames().join(", ") || "none"})`);
    }
    ex.span.route(route.provider);
    if (client.name !== "") ex.span.set({ "keypool.client": client.name });
    ex.rights = client;
    if (!ctx.routable.has(route.provider)) {
      throw new ProxyError(502, "no_upstream", `keypool: provider ${route.provider} has no built-in endpoint; set base_url on the provider or its keys`);
    }
    const body = await readRequestBody(req, ctx.options.maxBodyBytes);
    if (!ctx.gate.tryEnter()) {
      throw new ProxyError(503, "proxy_busy", `keypool: the proxy is at its limit of ${ctx.gate.limit} concurrent upstream requests; retry shortly`, 1000);
    }
    entered = true;
    await forward(ctx, ex, route, client.name, body);
    ex.span.end(res.statusCode);
  } catch (err) {
    if (ex.clientGone || err instanceof ClientGoneError) {
      ex.span.end(0, "client_gone");
    } else if (err instanceof StreamBroken) {
      // The answer had started; the connection was cut so the client sees it incomplete.
      ex.span.end(res.statusCode, err.outcome);
    } else {
      const failure = toProxyError(err);
      if (failure.code === "internal") {
        ctx.log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err) }, "proxy request failed");
      }
      sendProxyError(res, ex.api, failure, failure.status === 429 ? { "x-keypool-refused": "RESOURCE_EXHAUSTED" } : {});
      ex.span.end(failure.status, failure.code);
    }
  } finally {
    if (entered) ctx.gate.leave();
    res.removeListener("close", onClose);
  }
}

/** The client's token checked (only when tokens are configured: the attempt's description is built for it). */
function authenticate(ctx: ProxyContext, auth: AuthState, req: IncomingMessage, route: ProxyRoute, api: ProviderApi, configured: boolean): Promise<ClientIdentity> {
  // The log names the path only up to a configured provider: the rest of a URL may carry a credential (?key=).
  const logged = configured ? `/${route.provider}/` : "/(unknown provider)/";
  const attempt = { source: sourceOf(req.socket.remoteAddress), method: `${(req.method ?? "").slice(0, 16)} ${logged}`, log: ctx.log };
  return authenticateClient(auth, req.headers, new URLSearchParams(route.search), api, route.provider, attempt, verifiedCertificateCn(req));
}

/** The lease-forward-report loop. Resolves once the answer is complete; throws what the client should be told. */
async function forward(ctx: ProxyContext, ex: Exchange, route: ProxyRoute, owner: string, body: Buffer | undefined): Promise<void> {
  const { pool, options } = ctx;
  const { req, span } = ex;
  const estimate = estimateRequest(route.path, body);
  const deadline = performance.now() + timeBudgetMs(options.upstreamTimeoutMs, req.headers["x-stainless-timeout"]);
  const headers = upstreamRequestHeaders(req.headers);
  const method = req.method ?? "GET";
  const api = ex.api ?? apiForProvider(route.provider);
  for (let attempt = 1; ; attempt++) {
    const maxWaitMs = Math.max(0, Math.min(options.maxWaitMs, deadline - performance.now()));
    // Only a wait needs a signal (the pool takes an AbortSignal): made then, not for every request.
    const wait = maxWaitMs > 0 ? ex.abort.waitSignal() : undefined;
    let lease: Lease;
    try {
      lease = await pool.acquire({
        provider: route.provider,
        ...(estimate.model === undefined ? {} : { model: estimate.model }),
        estimatedTokens: estimate.estimatedTokens,
        maxWaitMs,
        clientId: "proxy",
        owner,
        signal: wait?.signal,
      });
    } finally {
      wait?.dispose();
    }
    span.set({ "keypool.key_id": lease.keyId, "keypool.attempts": attempt, "keypool.wait_ms": lease.waitedMs });
    // Any `key` parameter is gone from the target (the client may have put its token there), and
    // upstreamRequestHeaders left out every credential header: the key is set over the previous attempt's.
    const target = ctx.targets.resolve(route.provider, route.path, route.search, lease.baseUrl);
    if (target === undefined) {
      await settle(ctx, ex, lease, { outcome: "cancelled", errorMessage: "key has no base_url" }, undefined, 0);
      throw new ProxyError(502, "no_upstream", `keypool: key ${lease.keyId} of provider ${route.provider} has no base_url, and the provider no built-in endpoint`);
    }
    const [keyName, keyValue] = keyHeader(api, lease.secret);
    headers[keyName] = keyValue;
    const started = performance.now();
    // A timer of our own (shared), not undici's headersTimeout: undici's are coarse (half-second ticks) and a
    // deadline of a few hundred milliseconds must hold. It spans every attempt: once it fires, none follows.
    const timer = ctx.timers.arm(deadline, () => {
      ex.abort.timedOut = true;
      ex.abort.abort(new DOMException(`no answer within ${Math.round(deadline - started)} ms`, "TimeoutError"));
    });
    let up: Dispatcher.ResponseData;
    try {
      up = await callUpstream(ctx.dispatcher, {
        target,
        method,
        headers,
        body,
        signal: ex.abort,
        headersTimeoutMs: deadline - started,
        bodyTimeoutMs: options.upstreamIdleTimeoutMs,
      });
    } catch (err) {
      ctx.timers.disarm(timer);
      if (ex.clientGone) {
        await settle(ctx, ex, lease, CANCELLED, undefined, started);
        throw new ClientGoneError("client closed the connection");
      }
      const outcome: CallOutcome = ex.abort.timedOut
        ? { outcome: "timeout", errorMessage: `timeout: no answer within ${Math.round(deadline - started)} ms` }
        : outcomeFromError(err, { secrets: [lease.secret] });
      await settle(ctx, ex, lease, outcome, undefined, started);
      const connectionFailed = !ex.abort.timedOut && isConnectionFailure(err);
      if (shouldRetry({ kind: "no_answer", connectionFailed }, attempt, options, deadline - performance.now())) continue;
      throw connectionFailed
        ? new ProxyError(502, "upstream_unreachable", `keypool: the upstream of provider ${route.provider} could not be reached (${outcome.errorMessage ?? "connection failed"})`)
        : new ProxyError(504, "upstream_timeout", `keypool: the upstream of provider ${route.provider} did not answer in time`);
    }
    // The answer's headers are in: from now on only the client can abort (the body has its idle limit).
    ctx.timers.disarm(timer);
    if (await answer(ctx, ex, lease, up, started, attempt, deadline)) return;
  }
}

/**
 * What to do with an upstream answer: pass it to the client (true), or — for
 * an error another key may not meet — report it and return false so that the
 * caller tries the next key. Throws what the client should be told instead.
 */
async function answer(
  ctx: ProxyContext,
  ex: Exchange,
  lease: Lease,
  up: Dispatcher.ResponseData,
  started: number,
  attempt: number,
  deadline: number,
): Promise<boolean> {
  const { res } = ex;
  const extra = { "x-keypool-key-id": lease.keyId, "x-keypool-attempts": String(attempt) };
  if (up.statusCode < 400) {
    await streamAnswer(ctx, ex, lease, up, started, extra);
    return true;
  }
  // An error answer: small, read whole (bounded) to classify it, before deciding to fail over.
  const prefix = await readPrefix(up.body, ERROR_BODY_BYTES).catch(async (err: unknown) => {
    const gone = ex.clientGone;
    await settle(ctx, ex, lease, gone ? CANCELLED : outcomeFromError(err, { secrets: [lease.secret] }), undefined, started);
    throw gone ? new ClientGoneError("client closed the connection") : new ProxyError(502, "upstream_failed", `keypool: the upstream of provider ${lease.provider} failed while answering`);
  });
  const parsed = prefix.complete ? parseBody(prefix.bytes.toString("utf8")) : undefined;
  const outcome = outcomeFromHttp(up.statusCode, headerReader(up.headers), parsed, { secrets: [lease.secret] });
  await settle(ctx, ex, lease, outcome, undefined, started, upstreamAnswer(lease.provider, up.statusCode, up.headers, prefix.bytes, ctx.clock.now()));
  if (shouldRetry({ kind: "answer", status: up.statusCode, outcome: outcome.outcome }, attempt, ctx.options, deadline - performance.now())) {
    prefix.discard();
    return false;
  }
  if (outcome.outcome === "unauthorized") {
    // The client's token was fine; the pool's key was not. The provider's text may show part of the key: not passed on.
    prefix.discard();
    throw new ProxyError(
      502,
      "upstream_rejected_key",
      `keypool: the upstream rejected key ${lease.keyId} of provider ${lease.provider} (HTTP ${up.statusCode}); the key is disabled, retry to use another`,
    );
  }
  res.writeHead(up.statusCode, clientResponseHeaders(up.headers, prefix.complete, extra));
  if (prefix.complete) {
    res.end(prefix.bytes);
    return true;
  }
  res.write(prefix.bytes);
  await pumpBody(prefix.rest, res, { idle: idleLimit(ctx, up) }).catch((err: unknown) => {
    res.destroy();
    throw err instanceof ClientGoneError || ex.clientGone ? new ClientGoneError("client closed the connection") : new StreamBroken("upstream_failed");
  });
  res.end();
  return true;
}

const CANCELLED: CallOutcome = { outcome: "cancelled", errorMessage: "client closed the connection" };

/** The idle limit of an upstream body: past it, the body is destroyed with an UpstreamIdleError. */
function idleLimit(ctx: ProxyContext, up: Dispatcher.ResponseData): IdleLimit {
  const ms = ctx.options.upstreamIdleTimeoutMs;
  return { sweep: ctx.timers, timeoutMs: ms, onIdle: () => up.body.destroy(new UpstreamIdleError(`the upstream sent nothing for ${ms} ms`)) };
}

/** A success (or other non-error) answer: headers at once, then the body as it comes, its usage read on the way. */
async function streamAnswer(
  ctx: ProxyContext,
  ex: Exchange,
  lease: Lease,
  up: Dispatcher.ResponseData,
  started: number,
  extra: Readonly<Record<string, string>>,
): Promise<void> {
  const { res } = ex;
  const contentType = up.headers["content-type"];
  const watcher = usageWatcher(Array.isArray(contentType) ? contentType[0] : contentType);
  res.writeHead(up.statusCode, clientResponseHeaders(up.headers, true, extra));
  // A stream's headers go out now, not with its first token; a body of known length takes them along.
  if (up.headers["content-length"] === undefined) res.flushHeaders();
  const success: CallOutcome = outcomeFromHttp(up.statusCode, headerReader(up.headers), undefined);
  // Read as the headers arrive: what the provider says is left is true of that moment.
  const limits = upstreamAnswer(lease.provider, up.statusCode, up.headers, undefined, ctx.clock.now());
  try {
    await pumpBody(up.body, res, { idle: idleLimit(ctx, up), watcher });
  } catch (err) {
    up.body.destroy();
    if (ex.clientGone || err instanceof ClientGoneError) {
      await settle(ctx, ex, lease, { ...CANCELLED, httpStatus: up.statusCode }, watcher?.partial(), started, limits);
      throw new ClientGoneError("client closed the connection");
    }
    const outcome = outcomeFromError(err, { secrets: [lease.secret] });
    await settle(ctx, ex, lease, outcome, watcher?.partial(), started, limits);
    res.destroy();
    throw new StreamBroken(outcome.outcome);
  }
  // Reported before the client sees the end: a caller that reads the stats next finds this request in them.
  await settle(ctx, ex, lease, success, watcher?.end(), started, limits);
  res.end();
}

/** An answer that had started could not be completed; the connection was cut. */
class StreamBroken extends Error {
  override readonly name = "StreamBroken";

  constructor(readonly outcome: string) {
    super(`stream broken: ${outcome}`);
  }
}

/**
 * Ends a lease with what happened, and with what the provider's answer said
 * about its limits when there was one; a lease that already ended (expired)
 * is only logged.
 */
async function settle(
  ctx: ProxyContext,
  ex: Exchange,
  lease: Lease,
  outcome: CallOutcome,
  usage: TokenUsage | undefined,
  started: number,
  answer?: ProviderAnswer,
): Promise<void> {
  try {
    const result = await ctx.pool.report(
      lease.leaseId,
      {
        outcome: outcome.outcome,
        httpStatus: outcome.httpStatus,
        retryAfterMs: outcome.retryAfterMs,
        errorMessage: outcome.errorMessage,
        promptTokens: usage?.promptTokens,
        completionTokens: usage?.completionTokens,
        latencyMs: started > 0 ? performance.now() - started : undefined,
        answer: answer === undefined ? undefined : reportedAnswer(answer),
      },
      lease.owner,
      ex.rights,
    );
    logRateLimits(ctx.log, result, result.rateLimits);
  } catch (err) {
    ctx.log.debug({ provider: lease.provider, keyId: lease.keyId, err: err instanceof Error ? err.message : String(err) }, "proxy report failed");
  }
  ex.span.set({ "keypool.outcome": outcome.outcome, ...(outcome.httpStatus === undefined ? {} : { "keypool.upstream_status": outcome.httpStatus }) });
}

/** The time one request may take to get its answer's headers: the proxy's limit, or less when the SDK says its own timeout. */
function timeBudgetMs(limitMs: number, stainlessTimeout: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(stainlessTimeout) ? stainlessTimeout[0] : stainlessTimeout);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(limitMs, seconds * 1000) : limitMs;
}
