/**
 * Benchmark 5: soak.
 *
 * A steady rate of full calls (AcquireKey → provider simulator → ReportUsage)
 * against a keypool server in its own process, with StreamStats subscribers
 * when the server offers StreamStats, and now and then an injected 429 and
 * 500 so that cooldowns are exercised. Samples the server's memory, event-loop
 * delay and the errors seen, over time.
 *
 *   node dist/bench/soak.js [--duration 600] [--rate 100] [--subscribers 3]
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { performance } from "node:perf_hooks";
import { durationFromMs } from "../src/protocol/duration.js";
import { Outcome } from "../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startSimulator } from "../src/simulator/index.js";
import { parseArgs, sleep } from "./lib/args.js";
import { fakeSecret } from "./lib/fake-keys.js";
import { BenchClient, isServiceError, status } from "./lib/grpc-client.js";
import { round, slope, summarize } from "./lib/percentile.js";
import { ProviderCaller } from "./lib/provider-call.js";
import { machine, writeResult } from "./lib/results.js";
import type { ServerSample, SoakServerJob, SoakServerMessage } from "./soak-server.js";

const opts = parseArgs(process.argv.slice(2), {
  duration: 600,
  rate: 100,
  keys: 10,
  limit: 120,
  windowMs: 6000,
  marginMs: 100,
  subscribers: 3,
  sampleMs: 0,
  injectEveryMs: 20_000,
  latencyMs: 20,
  jitterMs: 30,
  name: "soak",
});

const SERVER = fileURLToPath(new URL("./soak-server.js", import.meta.url));

interface Interval {
  /** Seconds from the start when the interval closed. */
  t: number;
  completed: number;
  ok: number;
  rateLimited: number;
  injected: number;
  refused: number;
  errors: number;
  firstError: string | undefined;
  latencies: number[];
  streamMessages: number;
}

function emptyInterval(): Interval {
  return { t: 0, completed: 0, ok: 0, rateLimited: 0, injected: 0, refused: 0, errors: 0, firstError: undefined, latencies: [], streamMessages: 0 };
}

async function startServer(job: SoakServerJob): Promise<{ child: ChildProcess; address: string; samples: ServerSample[]; stop(): Promise<void> }> {
  const child = fork(SERVER, [], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const samples: ServerSample[] = [];
  let onStopped: () => void = () => {};
  const address = await new Promise<string>((resolve, reject) => {
    child.on("message", (msg: SoakServerMessage) => {
      if (msg.type === "ready") resolve(msg.address);
      else if (msg.type === "sample") samples.push(msg.sample);
      else onStopped();
    });
    child.once("exit", (code) => reject(new Error(`soak server exited with ${code}`)));
    child.send(job);
  });
  return {
    child,
    address,
    samples,
    stop: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          resolve();
        }, 5000);
        onStopped = () => {
          clearTimeout(t);
          resolve();
        };
        child.send("stop");
      }),
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  // The load average before this benchmark adds its own.
  const startMachine = machine();
  const durationMs = opts.duration * 1000;
  const sampleMs = opts.sampleMs > 0 ? opts.sampleMs : Math.max(1000, Math.round(durationMs / 120 / 1000) * 1000);
  const secrets = Array.from({ length: opts.keys }, (_, i) => fakeSecret(i + 1, "sk-soak"));
  const sim = await startSimulator({
    keys: Object.fromEntries(secrets.map((s, i) => [s, { rpm: opts.limit, label: `key-${i + 1}` }])),
    windowMs: opts.windowMs,
    latency: { baseMs: opts.latencyMs, jitterMs: opts.jitterMs },
  });
  const server = await startServer({ keys: opts.keys, limit: opts.limit, windowMs: opts.windowMs, marginMs: opts.marginMs, sampleMs });
  const client = new BenchClient(server.address);
  await client.ready();
  const caller = new ProviderCaller(sim.url);
  const capacity = (opts.keys * opts.limit * 1000) / opts.windowMs;
  process.stdout.write(
    `soak: ${opts.duration} s at ${opts.rate} calls/s (pool capacity ${round(capacity, 0)}/s), ${opts.keys} keys, ` +
      `sample every ${sampleMs / 1000} s, an injected 429 and 500 every ${opts.injectEveryMs / 1000} s\n`,
  );

  // StreamStats subscribers, when the server has StreamStats.
  let current = emptyInterval();
  const streams: { cancel(): void }[] = [];
  const streamStats = await probeStreamStats(client);
  if (streamStats === "available") {
    for (let i = 0; i < opts.subscribers; i++) {
      const call = client.raw.streamStats({ providers: [], interval: durationFromMs(1000) });
      call.on("data", () => (current.streamMessages += 1));
      call.on("error", (err: unknown) => {
        if (isServiceError(err) && err.code === status.CANCELLED) return;
        current.errors += 1;
        current.firstError ??= `StreamStats: ${err instanceof Error ? err.message : String(err)}`;
      });
      streams.push(call);
    }
  }
  process.stdout.write(`soak: StreamStats ${streamStats === "available" ? `available, ${opts.subscribers} subscribers` : `not available (${streamStats}); no subscribers`}\n`);

  // Calls still running when their interval closes count in it: each keeps a reference to the interval it started in.
  const intervals: Interval[] = [];
  const close = () => {
    current.t = round((performance.now() - t0) / 1000, 1);
    intervals.push(current);
    current = emptyInterval();
  };
  const t0 = performance.now();
  const sampler = setInterval(close, sampleMs);

  let injectedQueued = 0;
  let seen500 = 0;
  const injector = setInterval(() => {
    const a = secrets[injectedQueued % secrets.length] as string;
    const b = secrets[(injectedQueued + 1) % secrets.length] as string;
    sim.failNext(a, 429, { retryAfterSeconds: 1 });
    sim.failNext(b, 500);
    injectedQueued += 2;
  }, opts.injectEveryMs);

  const call = async (scheduled: number): Promise<void> => {
    const iv = current;
    try {
      const lease = await client.acquire("openai", { maxWaitMs: 2000, deadlineMs: 3000 });
      const sentAt = performance.now();
      const r = await caller.chat(lease.apiKey);
      const latency = performance.now() - sentAt;
      await client.report({
        leaseId: lease.leaseId,
        outcome: r.status === 200 ? Outcome.OUTCOME_SUCCESS : Outcome.OUTCOME_UNSPECIFIED,
        httpStatus: r.status,
        promptTokens: r.promptTokens,
        completionTokens: r.completionTokens,
        latency: durationFromMs(latency),
        retryAfter: r.retryAfterMs === undefined ? undefined : durationFromMs(r.retryAfterMs),
      });
      iv.completed += 1;
      iv.latencies.push(performance.now() - scheduled);
      if (r.status === 200) iv.ok += 1;
      else if (r.status === 429 || r.status === 500) iv.injected += 1;
      else {
        iv.errors += 1;
        iv.firstError ??= `provider answered ${r.status}`;
      }
      if (r.status === 429) iv.rateLimited += 1;
      if (r.status === 500) seen500 += 1;
    } catch (err) {
      iv.completed += 1;
      if (isServiceError(err) && err.code === status.RESOURCE_EXHAUSTED) iv.refused += 1;
      else {
        iv.errors += 1;
        iv.firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };

  // Open loop at a steady rate.
  const gap = 1000 / opts.rate;
  const inFlight = new Set<Promise<void>>();
  let k = 0;
  while (performance.now() - t0 < durationMs) {
    const now = performance.now();
    while (t0 + k * gap <= now) {
      const p = call(t0 + k * gap);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      k += 1;
    }
    await sleep(2);
  }
  clearInterval(injector);
  await Promise.race([Promise.all(inFlight), sleep(10_000)]);
  clearInterval(sampler);
  close();
  for (const s of streams) s.cancel();
  client.close();
  await caller.close();
  await server.stop();
  const simStats = sim.stats();
  await sim.close();

  const samples = server.samples;
  // Memory trend after the first fifth (start-up, JIT, the first minute window filling).
  const steady = samples.filter((s) => s.t >= opts.duration / 5);
  const heapSlopeMBPerMin = round(slope(steady.map((s) => [s.t / 60, s.heapUsedMB] as const)), 3);
  const rssSlopeMBPerMin = round(slope(steady.map((s) => [s.t / 60, s.rssMB] as const)), 3);
  const eldP99 = summarize(samples.map((s) => s.eventLoopDelayP99Ms));
  const totals = intervals.reduce(
    (a, iv) => ({
      completed: a.completed + iv.completed,
      ok: a.ok + iv.ok,
      injected: a.injected + iv.injected,
      refused: a.refused + iv.refused,
      errors: a.errors + iv.errors,
      streamMessages: a.streamMessages + iv.streamMessages,
    }),
    { completed: 0, ok: 0, injected: 0, refused: 0, errors: 0, streamMessages: 0 },
  );
  const firstError = intervals.find((iv) => iv.firstError !== undefined)?.firstError;
  const latency = summarize(intervals.flatMap((iv) => iv.latencies));
  const summary = {
    calls: totals.completed,
    ok: totals.ok,
    injectedFailures: totals.injected,
    injectedQueued,
    refusedByBroker: totals.refused,
    unexpectedErrors: totals.errors,
    firstError,
    // The simulator's 429s less the injected ones (injected failures less the 500s, which are all injected): real limit hits.
    natural429s: simStats.totals.rateLimited - (simStats.totals.injected - seen500),
    streamStats,
    streamMessages: totals.streamMessages,
    heapUsedMB: { first: samples[0]?.heapUsedMB, last: samples[samples.length - 1]?.heapUsedMB, max: Math.max(...samples.map((s) => s.heapUsedMB)) },
    rssMB: { first: samples[0]?.rssMB, last: samples[samples.length - 1]?.rssMB, max: Math.max(...samples.map((s) => s.rssMB)) },
    heapSlopeMBPerMin,
    rssSlopeMBPerMin,
    eventLoopDelayP99Ms: { median: eldP99.p50, max: eldP99.max },
    eventLoopUtilizationMean: round(samples.reduce((a, s) => a + s.eventLoopUtilization, 0) / Math.max(1, samples.length), 3),
    callLatencyMs: { p50: round(latency.p50, 1), p99: round(latency.p99, 1), max: round(latency.max, 1) },
  };
  const file = writeResult(opts.name, {
    benchmark: "soak",
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    machine: startMachine,
    setup: {
      durationSeconds: opts.duration,
      ratePerSecond: opts.rate,
      keys: opts.keys,
      limitPerWindow: opts.limit,
      windowMs: opts.windowMs,
      capacityPerSecond: capacity,
      subscribers: streamStats === "available" ? opts.subscribers : 0,
      sampleMs,
      injectEveryMs: opts.injectEveryMs,
      providerLatency: { baseMs: opts.latencyMs, jitterMs: opts.jitterMs },
    },
    summary,
    samples,
    intervals: intervals.map((iv) => ({
      t: iv.t,
      completed: iv.completed,
      ok: iv.ok,
      injected: iv.injected,
      refused: iv.refused,
      errors: iv.errors,
      streamMessages: iv.streamMessages,
      latencyP99Ms: round(summarize(iv.latencies).p99, 1),
    })),
  });
  process.stdout.write(
    `soak: ${summary.calls} calls, ${summary.ok} ok, ${summary.injectedFailures} injected failures, ${summary.refusedByBroker} refused, ` +
      `${summary.unexpectedErrors} unexpected errors; heap ${summary.heapUsedMB.first} → ${summary.heapUsedMB.last} MB ` +
      `(${heapSlopeMBPerMin} MB/min after warm-up), rss ${summary.rssMB.first} → ${summary.rssMB.last} MB; ` +
      `event-loop delay p99 median ${eldP99.p50} ms, worst ${eldP99.max} ms; wrote ${file}\n`,
  );
}

/** Whether the server answers StreamStats: "available", or why not. */
async function probeStreamStats(client: BenchClient): Promise<string> {
  return new Promise((resolve) => {
    const call = client.raw.streamStats({ providers: [], interval: durationFromMs(1000) });
    const done = (result: string) => {
      call.removeAllListeners();
      call.on("error", () => {});
      call.cancel();
      resolve(result);
    };
    call.once("data", () => done("available"));
    call.once("error", (err: unknown) => done(isServiceError(err) && err.code === status.UNIMPLEMENTED ? "UNIMPLEMENTED" : String(err)));
    call.once("end", () => done("ended without a message"));
    setTimeout(() => done("no answer within 5 s"), 5000);
  });
}

await main();
