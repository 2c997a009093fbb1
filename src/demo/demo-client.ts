import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { durationFromMs } from "../protocol/duration.js";
import {
  Outcome,
  type AcquireKeyResponse,
  type KeyPoolServiceClient,
  type ReportUsageRequest,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";

/** What the demo's clients saw, summed over all of them. */
export interface DemoTally {
  calls: number;
  ok: number;
  rateLimited: number;
  refused: number;
  errors: number;
}

export function emptyTally(): DemoTally {
  return { calls: 0, ok: 0, rateLimited: 0, refused: 0, errors: 0 };
}

export interface DemoClientOptions {
  readonly grpc: KeyPoolServiceClient;
  readonly clientId: string;
  /** Pause between calls, drawn uniformly from [min, max) ms. */
  readonly thinkMs: readonly [number, number];
  readonly tally: DemoTally;
  /** Ends the loop after the call in progress. */
  readonly signal: AbortSignal;
}

/**
 * One simulated application: lease a key, call the provider with it (the
 * simulator's OpenAI chat route), report the outcome with the provider's
 * Retry-After, pause, repeat. A 429 is retried at once with another lease,
 * as an application using keypool would.
 */
export async function runDemoClient(o: DemoClientOptions): Promise<void> {
  while (!o.signal.aborted) {
    let retryNow = false;
    try {
      const lease = await acquire(o.grpc, o.clientId);
      o.tally.calls += 1;
      const started = Date.now();
      const res = await fetch(`${lease.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o-mini", max_tokens: 24, messages: [{ role: "user", content: `Hello from ${o.clientId}.` }] }),
      });
      const body = (await res.json().catch(() => ({}))) as { usage?: { prompt_tokens?: number; completion_tokens?: number } };
      const retryAfterMs = retryAfter(res.headers);
      const report: ReportUsageRequest = {
        leaseId: lease.leaseId,
        outcome: res.ok ? Outcome.OUTCOME_SUCCESS : Outcome.OUTCOME_UNSPECIFIED,
        httpStatus: res.status,
        promptTokens: body.usage?.prompt_tokens ?? 0,
        completionTokens: body.usage?.completion_tokens ?? 0,
        latency: durationFromMs(Date.now() - started),
        retryAfter: retryAfterMs === undefined ? undefined : durationFromMs(retryAfterMs),
        // Short and safe to show: it becomes the key's state reason in the table.
        errorMessage: res.ok ? "" : retryAfterMs !== undefined ? `Retry-After ${(retryAfterMs / 1000).toFixed(1)}s` : `HTTP ${res.status}`,
        responseHeaders: {},
        errorBody: Buffer.alloc(0),
      };
      await unary((cb) => o.grpc.reportUsage(report, new Metadata(), { deadline: Date.now() + 5000 }, cb));
      if (res.ok) o.tally.ok += 1;
      else if (res.status === 429) {
        o.tally.rateLimited += 1;
        retryNow = true;
      } else o.tally.errors += 1;
    } catch (err) {
      const code = (err as Partial<ServiceError>).code;
      if (code === status.RESOURCE_EXHAUSTED) o.tally.refused += 1;
      else if (o.signal.aborted || code === status.UNAVAILABLE || code === status.CANCELLED) return;
      else o.tally.errors += 1;
    }
    if (!retryNow) await pause(o.thinkMs[0] + Math.random() * (o.thinkMs[1] - o.thinkMs[0]), o.signal);
  }
}

function acquire(grpc: KeyPoolServiceClient, clientId: string): Promise<AcquireKeyResponse> {
  const req = { provider: "openai", model: "gpt-4o-mini", estimatedTokens: 40, maxWait: durationFromMs(5000), leaseTtl: undefined, clientId };
  return unary((cb) => grpc.acquireKey(req, new Metadata(), { deadline: Date.now() + 7000 }, cb));
}

function unary<T>(call: (cb: (err: ServiceError | null, res: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, res) => (err ? reject(err) : resolve(res))));
}

/** Retry-After from a provider answer: retry-after-ms (OpenAI), else retry-after in seconds. */
function retryAfter(headers: Headers): number | undefined {
  const ms = Number(headers.get("retry-after-ms") ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const s = Number(headers.get("retry-after") ?? Number.NaN);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : undefined;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
