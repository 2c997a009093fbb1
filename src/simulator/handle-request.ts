import type { IncomingMessage } from "node:http";
import type { Dialect, Headers } from "./dialect.js";
import type { CallOutcome, Endpoint, ParsedCall } from "./endpoint.js";
import { isError } from "./is-sim-error.js";
import type { LimitSnapshot } from "./limits.js";
import { maskSecret } from "./mask-secret.js";
import { listingBody, listingDialect } from "./model-listing.js";
import { presentedCredentials } from "./presented-credentials.js";
import { readBody } from "./read-body.js";
import type { ResponseIo } from "./response-io.js";
import { dialectForPath, matchRoute } from "./routes.js";
import type { SimError } from "./sim-error.js";
import type { SimulatedKey } from "./simulated-key.js";
import type { SimulatorState } from "./simulator-state.js";

/** What the request handler needs from the running simulator. */
export interface HandlerContext {
  state: SimulatorState;
  now: () => number;
  /** Default (and largest) completion length. */
  completionTokens: number;
  /** Base latency plus jitter, drawn per response. */
  responseDelayMs: () => number;
  timeToFirstTokenMs: number;
  perTokenMs: number;
  maxBodyBytes: number;
  nextId: () => string;
  geminiDailyRetryDelayMs: number | undefined;
}

/**
 * One request, in the order a provider handles it: route, read the body,
 * authenticate, injected failure, validate, admit against the limits
 * (counting the request on arrival), then answer, with latency.
 */
export async function handleRequest(ctx: HandlerContext, req: IncomingMessage, io: ResponseIo): Promise<void> {
  const { state } = ctx;
  const method = req.method ?? "GET";
  const url = new URL(req.url ?? "/", "http://simulator.invalid");
  const path = decodePath(url.pathname);
  const headers = flattenHeaders(req.headers);
  for (const credential of presentedCredentials(headers, url)) state.seenCredentials.add(credential);

  const body = await readBody(req, ctx.maxBodyBytes);
  if (body.kind === "gone") return;

  const listing = listingDialect(method, path, headers, url);
  if (listing !== undefined) return listModels(ctx, io, listing, headers, url);

  const route = matchRoute(method, path, url);
  if (route === undefined) {
    state.notFoundRequests++;
    return fail(ctx, io, dialectForPath(path), { kind: "not_found", method, path }, undefined);
  }
  const { endpoint, params } = route;
  const dialect = endpoint.dialect;

  const key = await authenticate(ctx, io, dialect, headers, url);
  if (key === undefined) return;
  const stats = key.stats;

  const call = parseCall(endpoint, body, { headers, url, params }, ctx.maxBodyBytes);
  if (isError(call)) {
    stats.badRequests++;
    return fail(ctx, io, dialect, call, key.snapshot(ctx.now()));
  }

  const cap = call.maxOutputTokens ?? ctx.completionTokens;
  const completionTokens = call.generates ? Math.min(cap, ctx.completionTokens) : 0;
  const checkTokens = call.promptTokens + (call.generates ? cap : 0);
  const now = ctx.now();
  const admission = key.admit(now, checkTokens, call.promptTokens + completionTokens, call.model);
  if (!admission.ok) {
    stats.rateLimited++;
    const refusal: SimError = { kind: "rate_limited", violation: admission.violation, model: call.model, dailyRetryDelayMs: ctx.geminiDailyRetryDelayMs };
    return fail(ctx, io, dialect, refusal, key.snapshot(now, call.model));
  }

  const outcome: CallOutcome = {
    id: ctx.nextId(),
    createdMs: now,
    promptTokens: call.promptTokens,
    completionTokens,
    truncated: call.generates && cap < ctx.completionTokens,
  };
  stats.promptTokens += outcome.promptTokens;
  stats.completionTokens += outcome.completionTokens;
  stats.inFlight++;
  stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight);
  try {
    const headers = dialect.limitHeaders(key.snapshot(now, call.model), now);
    if (dialect.requestIdHeader !== undefined) headers[dialect.requestIdHeader] = `req_${outcome.id}`;
    await succeed(ctx, io, key, call, outcome, headers);
  } finally {
    key.stats.inFlight--;
    if (!io.completed) key.stats.clientDisconnects++;
  }
}

/**
 * A model listing: authenticated like any call (401 for a revoked key, an
 * injected failure taken), answered with the key's rate-limit headers, and
 * not counted against its limits, so that checking a key costs none of them.
 */
async function listModels(ctx: HandlerContext, io: ResponseIo, dialect: Dialect, headers: Headers, url: URL): Promise<void> {
  const key = await authenticate(ctx, io, dialect, headers, url);
  if (key === undefined) return;
  const now = ctx.now();
  if (!(await io.pause(ctx.responseDelayMs()))) return;
  key.stats.successes++;
  io.send({ status: 200, headers: dialect.limitHeaders(key.snapshot(now), now), body: listingBody(dialect, now) });
}

/**
 * The key a request presents, counted; or undefined once the answer for a
 * missing, unknown or revoked key, or a failure queued for the key, was sent.
 */
async function authenticate(ctx: HandlerContext, io: ResponseIo, dialect: Dialect, headers: Headers, url: URL): Promise<SimulatedKey | undefined> {
  const { state } = ctx;
  const secret = dialect.credential(headers, url);
  const key = secret === undefined ? undefined : state.find(secret);
  if (secret === undefined || key === undefined) {
    state.unknownKeyRequests++;
    if (secret === undefined) state.missingCredentialRequests++;
    const error: SimError =
      secret === undefined ? { kind: "missing_credential" } : { kind: "invalid_credential", masked: maskSecret(secret) };
    await fail(ctx, io, dialect, error, undefined);
    return undefined;
  }

  const stats = key.stats;
  stats.requests++;
  if (key.revoked) {
    stats.unauthorized++;
    await fail(ctx, io, dialect, { kind: "invalid_credential", masked: maskSecret(secret) }, undefined);
    return undefined;
  }

  const injected = key.takeFailure();
  if (injected !== undefined) {
    stats.injected++;
    if (injected.status === 429) stats.rateLimited++;
    if (injected.status === 401 || injected.status === 403) stats.unauthorized++;
    await fail(ctx, io, dialect, { kind: "injected", ...injected }, key.snapshot(ctx.now()));
    return undefined;
  }
  return key;
}

async function succeed(
  ctx: HandlerContext,
  io: ResponseIo,
  key: SimulatedKey,
  call: ParsedCall,
  outcome: CallOutcome,
  headers: Record<string, string>,
): Promise<void> {
  const tokens = outcome.completionTokens;
  const generation = tokens > 0 ? ctx.timeToFirstTokenMs + ctx.perTokenMs * (tokens - 1) : 0;
  if (call.stream === undefined) {
    if (!(await io.pause(ctx.responseDelayMs() + generation))) return;
    key.stats.successes++;
    io.send({ status: 200, headers, body: call.json(outcome) });
    return;
  }

  const plan = call.stream(outcome);
  if (!(await io.pause(ctx.responseDelayMs()))) return;
  key.stats.successes++;
  io.startStream(plan.contentType, headers);
  for (const frame of plan.head) if (!(await io.write(frame))) return;
  if (!(await io.pause(ctx.timeToFirstTokenMs))) return;
  for (let i = 0; i < tokens; i++) {
    if (i > 0 && !(await io.pause(ctx.perTokenMs))) return;
    for (const frame of plan.token(i, i === tokens - 1)) if (!(await io.write(frame))) return;
  }
  for (const frame of plan.tail) if (!(await io.write(frame))) return;
  io.end();
}

function parseCall(
  endpoint: Endpoint,
  body: { kind: "body"; text: string } | { kind: "too_large" },
  request: Parameters<Endpoint["parse"]>[1],
  maxBodyBytes: number,
): ParsedCall | SimError {
  if (body.kind === "too_large") return { kind: "body_too_large", limitBytes: maxBodyBytes };
  let json: unknown;
  try {
    json = JSON.parse(body.text);
  } catch {
    return { kind: "malformed_json" };
  }
  return endpoint.parse(json, request);
}

async function fail(
  ctx: HandlerContext,
  io: ResponseIo,
  dialect: Dialect,
  error: SimError,
  limits: LimitSnapshot | undefined,
): Promise<void> {
  const reply = dialect.error(error, limits, ctx.now());
  if (!(await io.pause(ctx.responseDelayMs()))) return;
  io.send(reply);
}

function flattenHeaders(raw: IncomingMessage["headers"]): Headers {
  const headers: Headers = {};
  for (const [name, value] of Object.entries(raw)) {
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}
