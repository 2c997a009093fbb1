/**
 * The keypool side of the soak benchmark, in its own process so that its
 * memory and event-loop delay are its own. Receives the configuration over
 * IPC, answers with the gRPC address, then reports a sample every interval
 * until told to stop.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { startKeypoolServer } from "../src/keypool-server.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { benchPoolConfig } from "./lib/fake-keys.js";

export interface SoakServerJob {
  readonly keys: number;
  readonly limit: number;
  readonly windowMs: number;
  readonly marginMs: number;
  readonly sampleMs: number;
}

export interface ServerSample {
  /** Seconds since the server started. */
  readonly t: number;
  readonly rssMB: number;
  /** After a full collection, so that it is what is retained, not garbage waiting. */
  readonly heapUsedMB: number;
  /** Event-loop delay beyond the 10 ms sampling interval (the histogram's raw values include it). */
  readonly eventLoopDelayP50Ms: number;
  readonly eventLoopDelayP99Ms: number;
  readonly eventLoopDelayMaxMs: number;
  /** Share of the interval the event loop was busy, 0..1. */
  readonly eventLoopUtilization: number;
  readonly openLeases: number;
}

export type SoakServerMessage = { type: "ready"; address: string } | { type: "sample"; sample: ServerSample } | { type: "stopped" };

/** monitorEventLoopDelay samples every this many ms, and its values include the interval itself. */
const RESOLUTION_MS = 10;
/** A histogram value (ns) as the delay beyond the sampling interval, in ms. */
const beyond = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);

const gc = (globalThis as { gc?: () => void }).gc;

process.once("message", (job: SoakServerJob) => {
  void (async () => {
    const server = await startKeypoolServer({
      config: benchPoolConfig(job.keys, {
        prefix: "sk-soak",
        limits: { windows: [{ kind: "requests", limit: job.limit, perMs: job.windowMs }] },
        settings: { windowMarginMaxMs: job.marginMs },
      }),
      listen: "127.0.0.1:0",
      log: silentLogger(),
    });
    const started = performance.now();
    const eld = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    eld.enable();
    let elu = performance.eventLoopUtilization();
    const timer = setInterval(() => {
      // Delay percentiles first: the collection below is the benchmark's doing, not the server's.
      const p50 = beyond(eld.percentile(50));
      const p99 = beyond(eld.percentile(99));
      const max = beyond(eld.max);
      const now = performance.eventLoopUtilization();
      const util = performance.eventLoopUtilization(now, elu).utilization;
      elu = now;
      gc?.();
      const mem = process.memoryUsage();
      eld.reset();
      const sample: ServerSample = {
        t: Math.round((performance.now() - started) / 100) / 10,
        rssMB: Math.round((mem.rss / 2 ** 20) * 10) / 10,
        heapUsedMB: Math.round((mem.heapUsed / 2 ** 20) * 100) / 100,
        eventLoopDelayP50Ms: Math.round(p50 * 100) / 100,
        eventLoopDelayP99Ms: Math.round(p99 * 100) / 100,
        eventLoopDelayMaxMs: Math.round(max * 100) / 100,
        eventLoopUtilization: Math.round(util * 1000) / 1000,
        openLeases: server.pool.openLeaseCount(),
      };
      process.send?.({ type: "sample", sample } satisfies SoakServerMessage);
    }, job.sampleMs);
    process.on("message", (msg: unknown) => {
      if (msg !== "stop") return;
      clearInterval(timer);
      eld.disable();
      void server.stop(2000).then(() => process.send?.({ type: "stopped" } satisfies SoakServerMessage, () => process.exit(0)));
    });
    process.send?.({ type: "ready", address: server.grpcAddress } satisfies SoakServerMessage);
  })().catch((err: unknown) => {
    process.stderr.write(`soak server: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
});
// The parent going away ends this process too.
process.on("disconnect", () => process.exit(0));
