import { performance } from "node:perf_hooks";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import { sleep } from "./args.js";
import { countWithin } from "./workload.js";
import { round, summarize, type Summary } from "./percentile.js";
import { BenchClient, isServiceError, status } from "./grpc-client.js";
import type { ProviderCaller, ProviderResult } from "./provider-call.js";

/** What became of one arrival of a goodput workload. */
export interface RequestRecord {
  ok: boolean;
  /** When the successful attempt was sent, ms from the start. */
  sentAt: number;
  /** Arrival to the provider's answer (success or final failure), ms. */
  latencyMs: number;
  rateLimited: number;
  attempts: number;
  failure: "" | "rate_limited" | "refused" | "gave_up" | "error";
}

/** Handles one arrival at `arrival` (ms from the start); `now` reads the same clock. */
export type ArrivalHandler = (arrival: number, now: () => number) => Promise<RequestRecord>;

export function emptyRecord(): RequestRecord {
  return { ok: false, sentAt: -1, latencyMs: 0, rateLimited: 0, attempts: 0, failure: "" };
}

export function finish(rec: RequestRecord, ok: boolean, sentAt: number, arrival: number, end: number, failure: RequestRecord["failure"]): RequestRecord {
  rec.ok = ok;
  rec.sentAt = sentAt;
  rec.latencyMs = end - arrival;
  rec.failure = failure;
  return rec;
}

/**
 * The keypool way to make one call: lease a key from a sidecar (waiting
 * within what is left of the budget), call the provider with it, report the
 * outcome; a 429 is reported and the call leased again. `client` picks the
 * sidecar of each lease, so that a fleet's sidecars take turns.
 */
export function leasedCall(client: () => BenchClient, caller: ProviderCaller, budgetMs: number): ArrivalHandler {
  return async (arrival, now) => {
    const rec = emptyRecord();
    for (;;) {
      const remaining = arrival + budgetMs - now();
      if (remaining <= 0) return finish(rec, false, now(), arrival, now(), "gave_up");
      const sidecar = client();
      let lease;
      try {
        lease = await sidecar.acquire("openai", { maxWaitMs: remaining, deadlineMs: remaining + 1000 });
      } catch (err) {
        const refused = isServiceError(err) && err.code === status.RESOURCE_EXHAUSTED;
        return finish(rec, false, now(), arrival, now(), refused ? "refused" : "error");
      }
      rec.attempts += 1;
      const sentAt = now();
      const r = await caller.chat(lease.apiKey);
      const answeredAt = now();
      await sidecar.report(reportFor(lease.leaseId, r, answeredAt - sentAt));
      if (r.status === 200) return finish(rec, true, sentAt, arrival, answeredAt, "");
      if (r.status !== 429) return finish(rec, false, sentAt, arrival, answeredAt, "error");
      rec.rateLimited += 1;
    }
  };
}

function reportFor(leaseId: string, r: ProviderResult, latencyMs: number) {
  return {
    leaseId,
    outcome: r.status === 200 ? Outcome.OUTCOME_SUCCESS : r.status === 429 ? Outcome.OUTCOME_RATE_LIMITED : Outcome.OUTCOME_UNSPECIFIED,
    httpStatus: r.status,
    promptTokens: r.promptTokens,
    completionTokens: r.completionTokens,
    latency: durationFromMs(latencyMs),
    retryAfter: r.retryAfterMs === undefined ? undefined : durationFromMs(r.retryAfterMs),
  };
}

/** Fires each request at its arrival time (open loop: a slow answer never delays the next arrival). */
export async function driveArrivals(arrivals: readonly number[], handle: ArrivalHandler): Promise<RequestRecord[]> {
  const t0 = performance.now() + 20;
  const now = () => performance.now() - t0;
  const pending: Promise<RequestRecord>[] = [];
  let i = 0;
  while (i < arrivals.length) {
    const t = now();
    while (i < arrivals.length && (arrivals[i] as number) <= t) {
      const a = arrivals[i] as number;
      pending.push(handle(a, now).catch((): RequestRecord => ({ ...emptyRecord(), failure: "error", latencyMs: now() - a })));
      i += 1;
    }
    if (i < arrivals.length) await sleep(Math.max(0, (arrivals[i] as number) - now()));
  }
  return Promise.all(pending);
}

/** What a goodput run delivered: successes sent within the run's `durationMs`, the 429s met, the other ways calls failed. */
export function tally(records: readonly RequestRecord[], durationMs: number, capacityInRun: number) {
  const ok = records.filter((r) => r.ok);
  const successesInRun = countWithin(
    ok.map((r) => r.sentAt),
    0,
    durationMs,
  );
  const latency = summarize(ok.map((r) => r.latencyMs));
  return {
    offered: records.length,
    successes: ok.length,
    successesInRun,
    /** Successful calls sent within the run, over the keys' capacity in that time. */
    goodputFraction: round(successesInRun / capacityInRun, 4),
    successesPerMinute: round((successesInRun / durationMs) * 60_000, 1),
    rateLimited429: records.reduce((n, r) => n + r.rateLimited, 0),
    refusedByBroker: records.filter((r) => r.failure === "refused").length,
    gaveUp: records.filter((r) => r.failure === "gave_up").length,
    failedOn429: records.filter((r) => r.failure === "rate_limited").length,
    otherErrors: records.filter((r) => r.failure === "error").length,
    attempts: records.reduce((n, r) => n + r.attempts, 0),
    latencyMs: roundSummary(latency),
  };
}

function roundSummary(s: Summary): Summary {
  return {
    count: s.count,
    mean: round(s.mean, 1),
    min: round(s.min, 1),
    p50: round(s.p50, 1),
    p90: round(s.p90, 1),
    p99: round(s.p99, 1),
    max: round(s.max, 1),
  };
}
