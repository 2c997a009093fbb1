/**
 * The load generators of the fairness benchmark, each in its own process
 * (forked by fairness.js): the victim, one AcquireKey + ReportUsage pair after
 * another, timing each AcquireKey; or the flood, bursts of concurrent
 * AcquireKey calls on a fixed schedule (a burst every `burstEveryMs`, or as
 * soon as the one before is answered when that takes longer), so that a
 * server that answers faster is not sent more bursts. Times cross the process
 * boundary as wall-clock milliseconds (the same machine's clock), so that the
 * victim's calls made while a burst was in flight can be told apart.
 * One job over IPC, one result back.
 */
import { performance } from "node:perf_hooks";
import { Outcome } from "../clients/typescript/src/gen/keypool/v1/keypool.js";
import { BenchClient } from "./lib/grpc-client.js";
import { latencySummary, type LatencySummary } from "./lib/percentile.js";

export interface FairnessJob {
  readonly role: "victim" | "flood";
  readonly address: string;
  readonly provider: string;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Flood: calls sent at once per burst. */
  readonly burst: number;
  /** Flood: time from the start of one burst to the start of the next, unless a burst takes longer. */
  readonly burstEveryMs: number;
}

export interface FairnessLoad {
  /** Victim: AcquireKey latency in microseconds over the measured period. */
  readonly latencyUs: LatencySummary;
  /** Flood: calls answered (granted or refused) over the whole run. */
  readonly calls: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Victim: each measured call as [start, end] in wall-clock ms. Flood: each burst as [first call sent, last answer]. */
  readonly spans: [number, number][];
}

/** Wall-clock milliseconds with performance.now()'s resolution, comparable between processes on one machine. */
const wall = () => performance.timeOrigin + performance.now();

async function victim(client: BenchClient, job: FairnessJob): Promise<FairnessLoad> {
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  const spans: [number, number][] = [];
  let errors = 0;
  let firstError: string | undefined;
  while (performance.now() < end) {
    const t = performance.now();
    try {
      const lease = await client.acquire(job.provider);
      const took = performance.now() - t;
      if (t >= measureFrom) {
        latencies.push(took * 1000);
        spans.push([performance.timeOrigin + t, performance.timeOrigin + t + took]);
      }
      await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    } catch (err) {
      errors += 1;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
  return { latencyUs: latencySummary(latencies), calls: latencies.length, errors, firstError, spans };
}


async function flood(client: BenchClient, job: FairnessJob): Promise<FairnessLoad> {
  const start = performance.now();
  const end = start + job.warmupMs + job.durationMs;
  let calls = 0;
  const spans: [number, number][] = [];
  for (let k = 0; ; k++) {
    const due = start + k * job.burstEveryMs;
    if (due >= end) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sent = wall();
    // Refusals are answers too: the flood's provider is kept at its limit.
    // Waiting at most 1 ms, so that keypool refuses at once, as the do-nothing server does, and the two floods cost the same.
    await Promise.all(Array.from({ length: job.burst }, () => client.acquire(job.provider, { maxWaitMs: 1 }).then(() => undefined, () => undefined)));
    spans.push([sent, wall()]);
    calls += job.burst;
  }
  return { latencyUs: latencySummary([]), calls, errors: 0, firstError: undefined, spans };
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
