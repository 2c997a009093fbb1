/**
 * Benchmark 7: a fleet of sidecars over one Redis.
 *
 * In one run: a real redis-server (Debian's, on a free port, in a temp dir,
 * no persistence), then `keypool serve` with the memory store, then 1, 2 and
 * 4 `keypool serve --store redis://... --store-prefix <fresh>` processes with
 * the same configuration. Against each: a closed loop of AcquireKey +
 * ReportUsage pairs from generated gRPC clients in a forked process, spread
 * over the sidecars in turn (pairs per second, the sidecars' CPU per pair from
 * /proc, Redis's CPU and script calls per pair from INFO), an open loop at a
 * low fixed rate (AcquireKey's own p50 and p99, without queueing), and the
 * goodput workload of bench/goodput.ts at 90% of the keys' capacity against
 * the provider simulator (successes and 429s).
 *
 * Redis round trips are its EVALSHA + EVAL calls (INFO commandstats) over the
 * pairs completed in the measured period; each sidecar also reads the store
 * every 500 ms in the background, so that rate, measured while the fleet is
 * idle, is subtracted for the net figure.
 *
 *   node dist/bench/fleet.js [--sidecars 1,2,4] [--concurrency 32] [--warmup-ms 2000] [--duration-ms 6000]
 *       [--latency-rate 200] [--latency-ms 5000] [--goodput-seconds 15] [--goodput-load 0.9] [--throughput-tpm 0] [--name fleet]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { REDIS_SERVER, redisAvailable, startRedisServer, type RedisServer } from "../test/support/redis-server.js";
import type { LoadJob, LoadResult } from "./broker-load.js";
import { parseArgs, sleep } from "./lib/args.js";
import { fakeSecret } from "./lib/fake-keys.js";
import { driveArrivals, leasedCall, tally } from "./lib/goodput-run.js";
import { BenchClient } from "./lib/grpc-client.js";
import { cpuMs, spawnKeypoolServe, stopChild } from "./lib/keypool-process.js";
import { runInFork } from "./lib/load-loop.js";
import { round, type LatencyUs } from "./lib/percentile.js";
import { ProviderCaller } from "./lib/provider-call.js";
import { fleetTable } from "./lib/report.js";
import { keypoolProxyConfig } from "./lib/proxy-workload.js";
import { countersSince, parseRedisCounters, type RedisCounters } from "./lib/redis-counters.js";
import { machine, repoRoot, writeResult } from "./lib/results.js";
import { poissonArrivals } from "./lib/workload.js";

const opts = parseArgs(process.argv.slice(2), {
  sidecars: "1,2,4",
  keys: 5,
  /** A tokens-per-minute limit on each key of the throughput runs; 0: none. */
  throughputTpm: 0,
  concurrency: 32,
  warmupMs: 2000,
  durationMs: 6000,
  /** Open loop for AcquireKey's latency: pairs per second, low enough that nothing queues. */
  latencyRate: 200,
  latencyMs: 5000,
  /** Background calls of an idle fleet are counted over this long before the loads. */
  idleMs: 2000,
  goodputSeconds: 15,
  goodputLoad: 0.9,
  /** Goodput keys: requests per window each, in keypool and the simulator alike. */
  limit: 30,
  windowMs: 3000,
  marginMs: 100,
  budgetMs: 5000,
  providerLatencyMs: 100,
  providerJitterMs: 100,
  seed: 42,
  /** Result file name under bench/results/ (without .json). */
  name: "fleet",
});

const LOADER = fileURLToPath(new URL("./broker-load.js", import.meta.url));
const KEYPOOL_CLI = resolve(repoRoot(), "dist", "src", "cli", "main.js");
/**
 * Per key in the throughput runs: far above them, so that the limit is
 * checked and never binds. A token limit (--throughput-tpm) is off by default,
 * as in the broker benchmark; the Redis store sums the minute's tokens of
 * every key with or without one (its first two windows are always the
 * minute's requests and tokens), so leaving it out spares that store nothing.
 */
const OPEN_LIMITS = { rpm: 1_000_000, ...(opts.throughputTpm > 0 ? { tpm: opts.throughputTpm } : {}) };

interface Fleet {
  readonly label: string;
  readonly store: "memory" | "redis";
  readonly sidecars: number;
  readonly addresses: readonly string[];
  readonly pids: readonly (number | undefined)[];
  stop(): Promise<void>;
}

let prefixes = 0;

/** `n` sidecars with the config file: one memory-store process, or `n` processes over the Redis under a fresh prefix. */
async function startFleet(configFile: string, redis: RedisServer | undefined, n: number): Promise<Fleet> {
  const store =
    redis === undefined ? [] : ["--store", redis.url, "--store-prefix", `bench-fleet-${process.pid}-${Date.now()}-${++prefixes}:`];
  const args = ["--listen", "127.0.0.1:0", "--admin-listen", "off", "--no-watch", "--config", configFile, ...store];
  const env = { ...process.env, KEYPOOL_ADMIN_LISTEN: "off" };
  const started = await Promise.allSettled(Array.from({ length: n }, () => spawnKeypoolServe(KEYPOOL_CLI, args, [], env)));
  const up = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stop = async () => {
    await Promise.all(up.map((s) => stopChild(s.child)));
  };
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await stop();
    throw failed.reason;
  }
  return {
    label: redis === undefined ? "memory store, 1 sidecar" : `Redis store, ${n} sidecar${n === 1 ? "" : "s"}`,
    store: redis === undefined ? "memory" : "redis",
    sidecars: n,
    addresses: up.map((s) => s.serving.grpc),
    pids: up.map((s) => s.child.pid),
    stop,
  };
}

async function redisCounters(redis: RedisServer | undefined): Promise<RedisCounters | undefined> {
  return redis === undefined ? undefined : parseRedisCounters(await redis.command("INFO", "stats", "commandstats", "cpu"));
}

function fleetCpuMs(fleet: Fleet): number {
  return fleet.pids.reduce<number>((sum, pid) => sum + (cpuMs(pid) ?? Number.NaN), 0);
}

/** A load run and what the fleet and Redis spent on its measured period. */
interface Measured extends LoadResult {
  /** CPU (user + system) of all the fleet's sidecars together, per pair completed in the measured period, µs. */
  readonly serverCpuUsPerPair: number;
  /** That CPU over the period's wall time: 1 is one core fully busy. */
  readonly serverCpuCores: number;
  readonly redis?: {
    readonly cpuUsPerPair: number;
    /** Script calls (EVALSHA + EVAL) per pair, as counted. */
    readonly scriptCallsPerPair: number;
    /** The same less the background reads of an idle fleet over the same time. */
    readonly scriptCallsPerPairNet: number;
    /** Every command Redis ran per pair, the scripts' own included. */
    readonly commandsPerPair: number;
    /** Per command, calls and Redis's time per pair (µs), the costliest first: where a script's time goes. */
    readonly perPairByCommand: Record<string, { readonly calls: number; readonly us: number }>;
  };
}

/**
 * Runs one job in a fresh load-generator process against the fleet, reading
 * the sidecars' CPU from /proc and Redis's counters at the generator's start
 * and end marks.
 */
async function load(fleet: Fleet, redis: RedisServer | undefined, backgroundCallsPerSecond: number, job: Omit<LoadJob, "address" | "addresses">): Promise<Measured> {
  let cpu0 = Number.NaN;
  let cpu1 = Number.NaN;
  let t0 = 0;
  let wallMs = 0;
  let redis0: Promise<RedisCounters | undefined> = Promise.resolve(undefined);
  let redis1: Promise<RedisCounters | undefined> = Promise.resolve(undefined);
  const result = await runInFork<LoadJob, LoadResult>(LOADER, { ...job, address: fleet.addresses[0] ?? "", addresses: fleet.addresses }, (mark) => {
    if (mark === "start") {
      cpu0 = fleetCpuMs(fleet);
      redis0 = redisCounters(redis);
      t0 = performance.now();
    } else {
      cpu1 = fleetCpuMs(fleet);
      redis1 = redisCounters(redis);
      wallMs = performance.now() - t0;
    }
  });
  const pairs = Math.max(1, result.completedBetweenMarks);
  const usedUs = (cpu1 - cpu0) * 1000;
  const [a, b] = await Promise.all([redis0, redis1]);
  const r = a === undefined || b === undefined ? undefined : countersSince(a, b);
  return {
    ...result,
    serverCpuUsPerPair: round(usedUs / pairs, 1),
    serverCpuCores: round(usedUs / 1000 / Math.max(1, wallMs), 2),
    ...(r === undefined
      ? {}
      : {
          redis: {
            cpuUsPerPair: round(r.cpuUs / pairs, 1),
            scriptCallsPerPair: round(r.scriptCalls / pairs, 3),
            scriptCallsPerPairNet: round((r.scriptCalls - (backgroundCallsPerSecond * wallMs) / 1000) / pairs, 3),
            commandsPerPair: round(r.commands / pairs, 1),
            perPairByCommand: Object.fromEntries(
              Object.entries(r.byCommand)
                .sort(([, x], [, y]) => y.usec - x.usec)
                .map(([name, c]) => [name, { calls: round(c.calls / pairs, 2), us: round(c.usec / pairs, 1) }]),
            ),
          },
        }),
  };
}

/** Script calls per second of the fleet doing nothing: its periodic reads of the store. */
async function backgroundCalls(redis: RedisServer | undefined): Promise<number> {
  if (redis === undefined) return 0;
  const a = await redisCounters(redis);
  const t = performance.now();
  await sleep(opts.idleMs);
  const b = await redisCounters(redis);
  const seconds = (performance.now() - t) / 1000;
  // Each INFO is a command, never a script call: nothing of the measurement is in this count.
  return a === undefined || b === undefined ? 0 : round((b.scriptCalls - a.scriptCalls) / seconds, 2);
}

const goodputSecrets = Array.from({ length: opts.keys }, (_, i) => fakeSecret(i + 1, "sk-sim"));
const capacityPerSecond = (opts.keys * opts.limit * 1000) / opts.windowMs;
const goodputMs = opts.goodputSeconds * 1000;

/** The goodput workload of bench/goodput.ts at `goodputLoad` of the keys' capacity, leases taken from the fleet's sidecars in turn. */
async function goodput(fleet: Fleet, sim: Simulator) {
  sim.reset();
  const clients = fleet.addresses.map((a) => new BenchClient(a));
  await Promise.all(clients.map((c) => c.ready()));
  const caller = new ProviderCaller(sim.url);
  let turn = 0;
  try {
    const arrivals = poissonArrivals(capacityPerSecond * opts.goodputLoad, goodputMs, opts.seed);
    const records = await driveArrivals(arrivals, leasedCall(() => clients[turn++ % clients.length] as BenchClient, caller, opts.budgetMs));
    const stats = sim.stats();
    return {
      ...tally(records, goodputMs, (capacityPerSecond * goodputMs) / 1000),
      /** Successful calls over calls offered: 1 when every offered call got through. */
      successFraction: round(records.filter((r) => r.ok).length / Math.max(1, records.length), 4),
      simulator429: stats.totals.rateLimited,
      simulatorPeakRequestsPerWindow: Math.max(...goodputSecrets.map((s) => stats.keys[s]?.peakRequestsPerWindow ?? 0)),
    };
  } finally {
    for (const c of clients) c.close();
    await caller.close();
  }
}

function writeConfig(dir: string, name: string, config: Record<string, unknown>): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

const us = (l: LatencyUs) => `${(l.p50 / 1000).toFixed(2)} / ${(l.p99 / 1000).toFixed(2)} ms`;

async function measureFleet(n: number | "memory", redis: RedisServer | undefined, sim: Simulator, files: { throughput: string; goodput: string }) {
  const sidecars = n === "memory" ? 1 : n;
  const over = n === "memory" ? undefined : redis;
  const fleet = await startFleet(files.throughput, over, sidecars);
  let closed: Measured;
  let open: Measured;
  let background: number;
  try {
    background = await backgroundCalls(over);
    // The latency run first: a Redis script sums the last minute's requests of each key, so it must not inherit the closed loop's.
    open = await load(fleet, over, background, { mode: "open", concurrency: 0, rate: opts.latencyRate, warmupMs: 1000, durationMs: opts.latencyMs });
    process.stdout.write(
      `  ${fleet.label.padEnd(26)} open loop ${opts.latencyRate}/s: AcquireKey p50 / p99 ${us(open.acquireLatencyUs)}` +
        `${open.redis === undefined ? "" : `, ${open.redis.scriptCallsPerPairNet} round trips/pair`}${open.errors > 0 ? `, ${open.errors} errors (${open.firstError})` : ""}\n`,
    );
    closed = await load(fleet, over, background, { mode: "closed", concurrency: opts.concurrency, rate: 0, warmupMs: opts.warmupMs, durationMs: opts.durationMs });
    process.stdout.write(
      `  ${"".padEnd(26)} closed loop: ${closed.pairsPerSecond} pairs/s, sidecars' CPU ${closed.serverCpuUsPerPair} µs/pair (${closed.serverCpuCores} cores)` +
        `${closed.redis === undefined ? "" : `, Redis CPU ${closed.redis.cpuUsPerPair} µs/pair, ${closed.redis.scriptCallsPerPairNet} round trips/pair`}` +
        `, AcquireKey p50 / p99 ${us(closed.acquireLatencyUs)}${closed.errors > 0 ? `, ${closed.errors} errors (${closed.firstError})` : ""}\n`,
    );
  } finally {
    await fleet.stop();
  }
  const gFleet = await startFleet(files.goodput, over, sidecars);
  let g: Awaited<ReturnType<typeof goodput>>;
  try {
    g = await goodput(gFleet, sim);
  } finally {
    await gFleet.stop();
  }
  process.stdout.write(
    `  ${"".padEnd(26)} goodput at ${round(opts.goodputLoad * 100, 0)}% of capacity: ${g.successes}/${g.offered} ok ` +
      `(${round(g.goodputFraction * 100, 1)}% of capacity in the run), ${g.simulator429} × 429 from the provider, ${g.refusedByBroker} refused, ${g.gaveUp} gave up\n`,
  );
  return { label: fleet.label, store: fleet.store, sidecars, backgroundScriptCallsPerSecond: background, closedLoop: closed, openLoop: open, goodput: g };
}

type FleetRun = Awaited<ReturnType<typeof measureFleet>>;

async function main(): Promise<void> {
  const started = Date.now();
  const startMachine = machine();
  if (!redisAvailable()) {
    process.stdout.write(`fleet: skipped: no redis-server at ${REDIS_SERVER} (Debian's redis-server package; REDIS_SERVER names another)\n`);
    return;
  }
  const counts = opts.sidecars.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const dir = mkdtempSync(join(tmpdir(), "keypool-bench-fleet-"));
  const redis = await startRedisServer();
  const cleanUp = async () => {
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  const sim = await startSimulator({
    keys: Object.fromEntries(goodputSecrets.map((s, i) => [s, { rpm: opts.limit, label: `key-${i + 1}` }])),
    windowMs: opts.windowMs,
    latency: { baseMs: opts.providerLatencyMs, jitterMs: opts.providerJitterMs, seed: opts.seed },
  });
  const throughputSecrets = Array.from({ length: opts.keys }, (_, i) => fakeSecret(i + 1));
  const files = {
    throughput: writeConfig(dir, "throughput.json", keypoolProxyConfig(throughputSecrets, `${sim.url}/v1`, OPEN_LIMITS)),
    goodput: writeConfig(dir, "goodput.json", {
      openai: {
        base_url: `${sim.url}/v1`,
        limits: [{ requests: opts.limit, per: `${opts.windowMs}ms` }],
        keys: goodputSecrets.map((key, i) => ({ key, id: `k${i + 1}` })),
      },
      // As in bench/goodput.ts: the margin scaled with the window.
      settings: { window_margin_max: `${opts.marginMs}ms` },
    }),
  };
  const version = (await redis.command("INFO", "server")).match(/^redis_version:(\S+)/m)?.[1] ?? "unknown";
  process.stdout.write(
    `fleet: redis-server ${version} on 127.0.0.1:${redis.port}; ${opts.keys} keys; closed loop with ${opts.concurrency} pairs in flight, ` +
      `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s; open loop ${opts.latencyRate} pairs/s for ${opts.latencyMs / 1000} s; ` +
      `goodput ${opts.goodputSeconds} s at ${round(opts.goodputLoad * 100, 0)}% of ${round(capacityPerSecond, 1)} req/s\n`,
  );
  const runs: FleetRun[] = [];
  try {
    runs.push(await measureFleet("memory", undefined, sim, files));
    for (const n of counts) runs.push(await measureFleet(n, redis, sim, files));
  } finally {
    await sim.close();
    await cleanUp();
  }
  const memory = runs.find((r) => r.store === "memory");
  const targets = runs
    .filter((r) => r.store === "redis")
    .map((r) => ({
      sidecars: r.sidecars,
      /** Open loop: AcquireKey's p50 through Redis less the memory store's (target ≤ 1000 µs). */
      acquireP50OverMemoryUs: memory === undefined ? Number.NaN : r.openLoop.acquireLatencyUs.p50 - memory.openLoop.acquireLatencyUs.p50,
      /** Closed loop, background reads subtracted (target: exactly 2). */
      roundTripsPerPair: r.closedLoop.redis?.scriptCallsPerPairNet ?? Number.NaN,
    }));
  const file = writeResult(opts.name, {
    benchmark: "fleet",
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    machine: startMachine,
    setup: {
      redis: `redis-server ${version} (${REDIS_SERVER}), loopback, --save "" --appendonly no`,
      sidecars: "keypool serve (dist/src/cli/main.js) child processes; memory store: one; Redis store: 1, 2, 4 with a fresh --store-prefix each",
      client: "generated grpc-js KeyPoolServiceClient in a forked process, one channel per sidecar, pairs to each sidecar in turn",
      keys: opts.keys,
      throughputLimits: OPEN_LIMITS,
      concurrency: opts.concurrency,
      warmupMs: opts.warmupMs,
      durationMs: opts.durationMs,
      latencyRate: opts.latencyRate,
      latencyMs: opts.latencyMs,
      roundTrips: "EVALSHA + EVAL calls from INFO commandstats over the measured period, per pair completed in it; net: less the idle fleet's rate of background reads",
      serverCpu: "user + system time of every sidecar process from /proc/<pid>/stat (10 ms ticks); Redis's from INFO cpu",
      goodput: {
        keys: opts.keys,
        limitPerWindow: opts.limit,
        windowMs: opts.windowMs,
        capacityPerSecond,
        offeredLoad: opts.goodputLoad,
        durationSeconds: opts.goodputSeconds,
        budgetMs: opts.budgetMs,
        windowMarginMaxMs: opts.marginMs,
        providerLatency: { baseMs: opts.providerLatencyMs, jitterMs: opts.providerJitterMs },
        seed: opts.seed,
      },
    },
    runs,
    targets,
  });
  process.stdout.write(`\n${fleetTable(runs, opts.latencyRate, opts.goodputLoad)}\n`);
  for (const t of targets) {
    process.stdout.write(
      `  ${t.sidecars} sidecar(s): AcquireKey p50 ${t.acquireP50OverMemoryUs >= 0 ? "+" : ""}${t.acquireP50OverMemoryUs} µs over the memory store (target ≤ 1000), ` +
        `${t.roundTripsPerPair} round trips per pair (target 2)\n`,
    );
  }
  process.stdout.write(`fleet: wrote ${file}\n`);
}

await main();
