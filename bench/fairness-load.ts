/**
 * The load generators of the fairness benchmark, each in its own process
 * (forked by fairness.js): the victim, one AcquireKey + ReportUsage pair after
 * another, timing each AcquireKey; or the flood, bursts of concurrent
 * AcquireKey calls, one burst after the other. One job over IPC, one result back.
 */
import { performance } from "node:perf_hooks";
import { Outcome } from "../clients/typescript/src/gen/keypool/v1/keypool.js";
import { BenchClient } from "./lib/grpc-client.js";
import { round, summarize } from "./lib/percentile.js";

export interface FairnessJob {
  readonly role: "victim" | "flood";
  readonly address: string;
  readonly provider: string;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Flood: calls sent at once per burst. */
  readonly burst: number;
}

export interface FairnessLoad {
  /** Victim: AcquireKey latency in microseconds over the measured period. */
  readonly latencyUs: { count: number; p50: number; p90: number; p99: number; max: number };
  /** Flood: calls answered (granted or refused) over the whole run. */
  readonly calls: number;
  readonly errors: number;
  readonly firstError: string | undefined;
}

async function victim(client: BenchClient, job: FairnessJob): Promise<FairnessLoad> {
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const lease = await client.acquire(job.provider);
      const took = performance.now() - t;
      if (t >= measureFrom) latencies.push(took * 1000);
      await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    } catch (err) {
      errors += 1;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
  const s = summarize(latencies);
  return { latencyUs: { count: s.count, p50: round(s.p50, 0), p90: round(s.p90, 0), p99: round(s.p99, 0), max: round(s.max, 0) }, calls: latencies.length, errors, firstError };
}

async function flood(client: BenchClient, job: FairnessJob): Promise<FairnessLoad> {
  const end = performance.now() + job.warmupMs + job.durationMs;
  let calls = 0;
  while (performance.now() < end) {
    // Refusals are answers too: the flood's provider is kept at its limit so that it holds no leases.
    // Waiting at most 1 ms, so that keypool refuses at once, as the do-nothing server does, and the two floods cost the same.
    await Promise.all(Array.from({ length: job.burst }, () => client.acquire(job.provider, { maxWaitMs: 1 }).then(() => undefined, () => undefined)));
    calls += job.burst;
  }
  return { latencyUs: { count: 0, p50: 0, p90: 0, p99: 0, max: 0 }, calls, errors: 0, firstError: undefined };
}

process.once("message", (job: FairnessJob) => {
  const client = new BenchClient(job.address);
  client
    .ready()
    .then(() => (job.role === "victim" ? victim(client, job) : flood(client, job)))
    .finally(() => client.close())
    .then(
      (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
      (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1)),
    );
});
setTimeout(() => process.exit(3), 300_000).unref();
process.on("disconnect", () => process.exit(4));
