/**
 * The load generator of the broker-overhead benchmark, run in its own process
 * (forked by broker-overhead.js) so that the client's CPU is not the server's.
 * Receives one job over IPC, sends back one result, exits.
 */
import { performance } from "node:perf_hooks";
import { Outcome } from "../clients/typescript/src/gen/keypool/v1/keypool.js";
import { BenchClient } from "./lib/grpc-client.js";
import { latencyUs, round, type LatencyUs } from "./lib/percentile.js";
import { drive } from "./lib/load-loop.js";

export interface LoadJob {
  readonly address: string;
  /** Several servers (a fleet of sidecars): pairs go to each in turn, one channel each; `address` is then unused. */
  readonly addresses?: readonly string[] | undefined;
  readonly mode: "closed" | "open";
  /** Closed loop: pairs in flight at once. */
  readonly concurrency: number;
  /** Open loop: pairs started per second, on schedule whatever the answers do. */
  readonly rate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

export interface LoadResult {
  readonly pairs: number;
  readonly seconds: number;
  readonly pairsPerSecond: number;
  /** Per pair (AcquireKey then ReportUsage), in microseconds. */
  readonly latencyUs: LatencyUs;
  /** AcquireKey alone, from the moment it was sent (not scheduled) to its answer, in microseconds. */
  readonly acquireLatencyUs: LatencyUs;
  readonly errors: number;
  readonly firstError: string | undefined;
  /** Open loop: pairs that were still unanswered when the run ended. */
  readonly unfinished: number;
  /** Pairs completed between the start and end marks sent to the parent, whenever they began: the divisor of the server's CPU time. */
  readonly completedBetweenMarks: number;
}

async function run(job: LoadJob): Promise<LoadResult> {
  const clients = (job.addresses ?? [job.address]).map((a) => new BenchClient(a));
  await Promise.all(clients.map((c) => c.ready()));
  let turn = 0;
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  const latencies: number[] = [];
  const acquireLatencies: number[] = [];
  let pairs = 0;
  let errors = 0;
  let firstError: string | undefined;
  // The parent reads its CPU time when these marks arrive; completions between them are what that CPU served.
  let marked = "before" as "before" | "between" | "after";
  let completedBetweenMarks = 0;
  const mark = (m: "start" | "end", next: typeof marked) =>
    setTimeout(() => {
      marked = next;
      process.send?.({ mark: m });
    }, Math.max(0, (m === "start" ? measureFrom : end) - performance.now()));
  const marks = [mark("start", "between"), mark("end", "after")];

  const pair = async (scheduled: number): Promise<void> => {
    const client = clients[turn++ % clients.length] as BenchClient;
    try {
      const sent = performance.now();
      const lease = await client.acquire("openai");
      const acquired = performance.now();
      await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 10, completionTokens: 10 });
      const done = performance.now();
      if (marked === "between") completedBetweenMarks += 1;
      if (scheduled >= measureFrom && done <= end) {
        pairs += 1;
        latencies.push((done - scheduled) * 1000);
        acquireLatencies.push((acquired - sent) * 1000);
      }
    } catch (err) {
      errors += 1;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  };

  const unfinished = await drive(job, start, end, pair);
  // The end mark must reach the parent before the result, even if its timer has not fired yet.
  for (const m of marks) clearTimeout(m);
  if (marked !== "after") {
    if (marked === "before") process.send?.({ mark: "start" });
    marked = "after";
    process.send?.({ mark: "end" });
  }
  for (const c of clients) c.close();
  const seconds = job.durationMs / 1000;
  return {
    pairs,
    seconds,
    pairsPerSecond: round(pairs / seconds, 0),
    latencyUs: latencyUs(latencies),
    acquireLatencyUs: latencyUs(acquireLatencies),
    errors,
    firstError,
    unfinished,
    completedBetweenMarks,
  };
}

process.once("message", (job: LoadJob) => {
  run(job).then(
    (result) => process.send?.({ ok: true, result }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack : String(err) }, () => process.exit(1)),
  );
});
// Nothing to do without a job; a parent that died must not leave this process behind.
setTimeout(() => process.exit(3), 120_000).unref();
process.on("disconnect", () => process.exit(4));
