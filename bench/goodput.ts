/**
 * Benchmark 1: goodput under rate limits.
 *
 * One fixed workload (seeded Poisson arrivals at about the pool's aggregate
 * capacity) is sent against the provider simulator, in the same run, through
 * keypool (least used) and through the baselines a pool is meant to replace:
 * one key, round-robin, random, and round-robin that retries 429s with
 * backoff. Windows are scaled (60 requests per 6 s per key by default) so that
 * a run takes a few minutes, not an hour.
 *
 *   node dist/bench/goodput.js [--duration 30] [--load 1] [--keys 5] [--limit 60] [--window-ms 6000]
 */
import { startKeypoolServer, type KeypoolServer } from "../src/keypool-server.js";
import { seededRandom } from "../src/simulator/seeded-random.js";
import { startSimulator, type Simulator } from "../src/simulator/index.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { parseArgs, sleep } from "./lib/args.js";
import { benchPoolConfig, fakeSecret } from "./lib/fake-keys.js";
import { BenchClient } from "./lib/grpc-client.js";
import { round } from "./lib/percentile.js";
import { ProviderCaller } from "./lib/provider-call.js";
import { machine, writeResult } from "./lib/results.js";
import { countWithin, oracleSchedule, poissonArrivals } from "./lib/workload.js";
import { driveArrivals, emptyRecord, finish, leasedCall, tally, type ArrivalHandler, type RequestRecord } from "./lib/goodput-run.js";

const opts = parseArgs(process.argv.slice(2), {
  duration: 30,
  load: 1,
  keys: 5,
  limit: 60,
  windowMs: 6000,
  budgetMs: 5000,
  latencyMs: 100,
  jitterMs: 100,
  marginMs: 100,
  seed: 42,
  strategies: "keypool,single-key,round-robin,random,retry-backoff",
  /** Result file name under bench/results/ (without .json). */
  name: "goodput",
});

const STRATEGY_LABELS: Record<string, string> = {
  keypool: "keypool (least used)",
  "single-key": "single key",
  "round-robin": "round-robin",
  random: "random",
  "retry-backoff": "round-robin + retry 429 with backoff",
};

interface Strategy {
  handle: ArrivalHandler;
  close(): Promise<void>;
}

const durationMs = opts.duration * 1000;
const capacityPerSec = (opts.keys * opts.limit * 1000) / opts.windowMs;
const secrets = Array.from({ length: opts.keys }, (_, i) => fakeSecret(i + 1, "sk-sim"));

async function main(): Promise<void> {
  const started = Date.now();
  // The load average before this benchmark adds its own.
  const startMachine = machine();
  const arrivals = poissonArrivals(capacityPerSec * opts.load, durationMs, opts.seed);
  const capacityInRun = (opts.keys * opts.limit * durationMs) / opts.windowMs;
  const oracleNoMargin = oracleSchedule(arrivals, { keys: opts.keys, limit: opts.limit, windowMs: opts.windowMs, budgetMs: opts.budgetMs });
  const oracleMargin = oracleSchedule(arrivals, {
    keys: opts.keys,
    limit: opts.limit,
    windowMs: opts.windowMs + Math.min(opts.windowMs * 0.05, opts.marginMs),
    budgetMs: opts.budgetMs,
  });
  const oracle = {
    successesInRun: countWithin(oracleNoMargin.startedAt, 0, durationMs),
    successesInRunWithKeypoolMargin: countWithin(oracleMargin.startedAt, 0, durationMs),
  };
  process.stdout.write(
    `goodput: ${opts.keys} keys × ${opts.limit} requests per ${opts.windowMs / 1000} s = ${round(capacityPerSec, 1)} req/s capacity; ` +
      `${arrivals.length} Poisson arrivals at ${round(opts.load * 100, 0)}% over ${opts.duration} s (seed ${opts.seed}); ` +
      `best possible for this workload: ${oracle.successesInRun}/${capacityInRun}\n`,
  );

  const keyOptions = Object.fromEntries(secrets.map((s, i) => [s, { rpm: opts.limit, label: `key-${i + 1}` }]));
  const sim = await startSimulator({
    keys: keyOptions,
    windowMs: opts.windowMs,
    latency: { baseMs: opts.latencyMs, jitterMs: opts.jitterMs, seed: opts.seed },
  });
  const results: unknown[] = [];
  try {
    for (const name of opts.strategies.split(",").map((s) => s.trim()).filter(Boolean)) {
      sim.reset();
      const strategy = await makeStrategy(name, sim);
      const records = await driveArrivals(arrivals, strategy.handle);
      await strategy.close();
      const res = analyse(name, records, sim, capacityInRun, oracle.successesInRun);
      results.push(res);
      process.stdout.write(
        `  ${STRATEGY_LABELS[name] ?? name}: ${res.successesInRun} ok in run (${round(res.goodputFraction * 100, 1)}% of capacity), ` +
          `${res.rateLimited429} × 429, ${res.refusedByBroker} refused by broker, ${res.gaveUp} gave up, ` +
          `p50 ${round(res.latencyMs.p50, 0)} ms, p99 ${round(res.latencyMs.p99, 0)} ms\n`,
      );
    }
  } finally {
    await sim.close();
  }
  const file = writeResult(opts.name, {
    benchmark: "goodput",
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    machine: startMachine,
    workload: {
      keys: opts.keys,
      limitPerWindow: opts.limit,
      windowMs: opts.windowMs,
      capacityPerSecond: capacityPerSec,
      offeredLoad: opts.load,
      arrivals: arrivals.length,
      durationSeconds: opts.duration,
      budgetMs: opts.budgetMs,
      providerLatency: { baseMs: opts.latencyMs, jitterMs: opts.jitterMs },
      keypoolWindowMarginMs: Math.min(opts.windowMs * 0.05, opts.marginMs),
      seed: opts.seed,
    },
    capacityInRun,
    oracle,
    strategies: results,
  });
  process.stdout.write(`goodput: wrote ${file}\n`);
}

async function makeStrategy(name: string, sim: Simulator): Promise<Strategy> {
  const caller = new ProviderCaller(sim.url);
  const random = seededRandom(opts.seed + 1);
  let next = 0;
  const roundRobin = () => secrets[next++ % secrets.length] as string;
  switch (name) {
    case "keypool":
      return keypoolStrategy(sim, caller);
    case "single-key":
      return directStrategy(caller, () => secrets[0] as string, false);
    case "round-robin":
      return directStrategy(caller, roundRobin, false);
    case "random":
      return directStrategy(caller, () => secrets[Math.floor(random() * secrets.length)] as string, false);
    case "retry-backoff":
      return directStrategy(caller, roundRobin, true, random);
    default:
      throw new Error(`unknown strategy ${name}; known: ${Object.keys(STRATEGY_LABELS).join(", ")}`);
  }
}

/** Calls the provider directly with keys chosen by `choose`; with `retry`, a 429 is retried after a backoff within the budget. */
function directStrategy(caller: ProviderCaller, choose: () => string, retry: boolean, random: () => number = Math.random): Strategy {
  return {
    async handle(arrival, now) {
      const rec = emptyRecord();
      let backoffMs = 250;
      for (;;) {
        rec.attempts += 1;
        const sentAt = now();
        const r = await caller.chat(choose());
        if (r.status === 200) return finish(rec, true, sentAt, arrival, now(), "");
        if (r.status !== 429) return finish(rec, false, sentAt, arrival, now(), "error");
        rec.rateLimited += 1;
        if (!retry) return finish(rec, false, sentAt, arrival, now(), "rate_limited");
        // What SDK retry loops do: honour Retry-After when given, else exponential backoff; both with jitter.
        const base = r.retryAfterMs ?? backoffMs;
        backoffMs = Math.min(backoffMs * 2, 4000);
        const delay = base * (1 + 0.25 * random());
        if (now() + delay > arrival + opts.budgetMs) return finish(rec, false, sentAt, arrival, now(), "gave_up");
        await sleep(delay);
      }
    },
    close: () => caller.close(),
  };
}

/** Leases a key from a real keypool sidecar (gRPC on loopback), calls the provider with it, reports the outcome. */
async function keypoolStrategy(sim: Simulator, caller: ProviderCaller): Promise<Strategy> {
  const config = benchPoolConfig(opts.keys, {
    prefix: "sk-sim",
    baseUrl: sim.url,
    limits: { windows: [{ kind: "requests", limit: opts.limit, perMs: opts.windowMs }] },
    // The default margin is 5% of a window and at most 1 s: 1.7% of a real minute. Scaled with the window.
    settings: { windowMarginMaxMs: opts.marginMs },
  });
  const server: KeypoolServer = await startKeypoolServer({ config, listen: "127.0.0.1:0", log: silentLogger() });
  const client = new BenchClient(server.grpcAddress);
  await client.ready();
  return {
    handle: leasedCall(() => client, caller, opts.budgetMs),
    async close() {
      client.close();
      await caller.close();
      await server.stop(1000);
    },
  };
}

function analyse(name: string, records: RequestRecord[], sim: Simulator, capacityInRun: number, oracleInRun: number) {
  const t = tally(records, durationMs, capacityInRun);
  const stats = sim.stats();
  const perKey = secrets.map((s) => stats.keys[s]?.successes ?? 0);
  return {
    strategy: name,
    label: STRATEGY_LABELS[name] ?? name,
    ...t,
    /** The same over the best any strategy could do with this workload. */
    fractionOfBestPossible: round(t.successesInRun / oracleInRun, 4),
    successesPerKey: perKey,
    simulatorPeakRequestsPerWindow: Math.max(...secrets.map((s) => stats.keys[s]?.peakRequestsPerWindow ?? 0)),
  };
}

await main();
