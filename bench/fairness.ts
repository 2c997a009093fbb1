/**
 * Benchmark 6: fairness under a flood.
 *
 * One client's AcquireKey latency (the victim: one call after another) alone,
 * then while another client sends a burst of 10,000 concurrent AcquireKey
 * calls every 2 s, against the same keypool server in the same run; each
 * client in its own process. Reports the victim's p50 and p99 alone, over the
 * whole flooded phase, and over the calls made while a burst was in flight
 * (the calls a burst can delay), with their ratios to the victim alone:
 * per-client admission should keep the flood from adding more than the CPU it
 * takes. What the CPU takes is measured in the same run: the same victim and
 * the same bursts, on the same schedule, against a grpc-js server of the same
 * proto that answers every call at once (`lib/noop-server.ts`, refusing the
 * flood's provider as keypool does), where nothing but sending, decoding and
 * answering the burst delays the victim.
 *
 * The p99 of a few thousand calls on a shared machine moves by more than the
 * difference sought, so the two servers take turns over several rounds, and
 * the percentiles are taken over every round's calls pooled, beside each
 * round's own. The figures that hold on a noisy machine are reported too: the
 * server's CPU per flood call, its longest garbage-collection pause and its
 * event loop's delay while flooded (both servers run in this process).
 *
 *   node dist/bench/fairness.js [--rounds 3] [--burst 10000] [--burst-every-ms 2000] [--warmup-ms 1000] [--duration-ms 8000]
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startKeypoolServer } from "../src/keypool-server.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { parseArgs } from "./lib/args.js";
import type { PoolConfig } from "../src/config/types.js";
import { benchPoolConfig } from "./lib/fake-keys.js";
import { latencySummary, median, round } from "./lib/percentile.js";
import { runInFork } from "./lib/load-loop.js";
import { machine, writeResult } from "./lib/results.js";
import { startNoopServer } from "./lib/noop-server.js";
import type { FairnessJob, FairnessLoad } from "./fairness-load.js";

const opts = parseArgs(process.argv.slice(2), { burst: 10_000, burstEveryMs: 2_000, warmupMs: 1_000, durationMs: 8_000, rounds: 3 });
const LOADER = fileURLToPath(new URL("./fairness-load.js", import.meta.url));

type Latency = FairnessLoad["latencyUs"];

/** One server's run: the victim alone, during the flooded phase, and during the bursts themselves. */
export interface FairnessPhases {
  readonly alone: Latency;
  readonly flooded: Latency;
  readonly duringBursts: Latency;
  readonly flood: { readonly calls: number; readonly bursts: number; readonly burstMs: Latency };
  readonly victimErrors: number;
  readonly firstError: string | undefined;
  /** Victim p50 and p99 over the same without the flood. */
  readonly ratio: { readonly p50: number; readonly p99: number };
  readonly ratioDuringBursts: { readonly p50: number; readonly p99: number };
  /** What the bursts add to the victim's p50 and p99, in µs, over the victim alone. */
  readonly addedDuringBurstsUs: { readonly p50: number; readonly p99: number };
  /** This process's CPU over the flooded phase per flood call (the victim's calls, a few percent of them, ride along). */
  readonly serverCpuUsPerFloodCall: number;
  /** The longest garbage-collection pause of this process during the flooded phase, and their sum. */
  readonly gcPauseMs: { readonly max: number; readonly total: number };
  /**
   * How late this process's event loop ran during the flooded phase (10 ms resolution timer, p50/p99/max
   * in ms): a call that arrives waits about this long before the server reads it, whatever scheduling does.
   */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** One round: each server's phases, the do-nothing server first. */
export interface FairnessRound {
  readonly keypool: FairnessPhases;
  readonly floor: FairnessPhases;
  /** What keypool's bursts add beyond what the do-nothing server's add, in µs. */
  readonly beyondFloorUs: { readonly p50: number; readonly p99: number };
}

export interface FairnessResult {
  readonly machine: ReturnType<typeof machine>;
  readonly burst: number;
  readonly burstEveryMs: number;
  readonly durationMs: number;
  readonly rounds: readonly FairnessRound[];
  /** Every round's victim calls pooled, per server. */
  readonly pooled: {
    readonly keypool: PooledPhases;
    readonly floor: PooledPhases;
    readonly beyondFloorUs: { readonly p50: number; readonly p99: number };
  };
  /** The median over rounds of each round's beyond-the-floor figures. */
  readonly medianBeyondFloorUs: { readonly p50: number; readonly p99: number };
  /** keypool's CPU per flood call over the do-nothing server's, median over rounds. */
  readonly serverCpuRatio: number;
}

export interface PooledPhases {
  readonly alone: Latency;
  readonly duringBursts: Latency;
  readonly addedDuringBurstsUs: { readonly p50: number; readonly p99: number };
}

const ratioOf = (flooded: Latency, alone: Latency) => ({ p50: round(flooded.p50 / alone.p50, 2), p99: round(flooded.p99 / alone.p99, 2) });
const added = (during: Latency, alone: Latency) => ({ p50: during.p50 - alone.p50, p99: during.p99 - alone.p99 });
const beyond = (a: { p50: number; p99: number }, b: { p50: number; p99: number }) => ({ p50: a.p50 - b.p50, p99: a.p99 - b.p99 });
const durationsUs = (spans: readonly [number, number][]) => spans.map(([start, end]) => (end - start) * 1000);

/** The victim's calls that were in flight at some moment while a burst was (start before its end, end after its start). */
function duringBursts(victim: readonly [number, number][], bursts: readonly [number, number][]): number[] {
  const out: number[] = [];
  for (const [start, end] of victim) {
    if (bursts.some(([from, to]) => start < to && end > from)) out.push((end - start) * 1000);
  }
  return out;
}

/** Garbage-collection pauses of this process while `run` runs. */
async function withGcPauses<T>(run: () => Promise<T>): Promise<{ result: T; max: number; total: number }> {
  let max = 0;
  let total = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      max = Math.max(max, entry.duration);
      total += entry.duration;
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  try {
    const result = await run();
    return { result, max: round(max, 1), total: round(total, 0) };
  } finally {
    observer.disconnect();
  }
}

/** Raw victim latencies of one server's round, kept to pool the rounds. */
interface RawPhases {
  readonly aloneUs: number[];
  readonly duringUs: number[];
}

/** The victim alone, then the victim while the flood runs, both against one server. */
async function phases(address: string): Promise<{ phases: FairnessPhases; raw: RawPhases }> {
  const alone = await runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address));
  const cpu0 = process.cpuUsage();
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const gc = await withGcPauses(() =>
    Promise.all([
      runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address)),
      runInFork<FairnessJob, FairnessLoad>(LOADER, job("flood", address)),
    ]),
  );
  const cpu = process.cpuUsage(cpu0);
  loop.disable();
  const [flooded, flood] = gc.result;
  const duringUs = duringBursts(flooded.spans, flood.spans);
  const during = latencySummary(duringUs);
  return {
    raw: { aloneUs: durationsUs(alone.spans), duringUs },
    phases: {
      alone: alone.latencyUs,
      flooded: flooded.latencyUs,
      duringBursts: during,
      flood: { calls: flood.calls, bursts: flood.spans.length, burstMs: latencySummary(flood.spans.map(([a, b]) => (b - a) * 1000)) },
      victimErrors: alone.errors + flooded.errors,
      firstError: alone.firstError ?? flooded.firstError,
      ratio: ratioOf(flooded.latencyUs, alone.latencyUs),
      ratioDuringBursts: ratioOf(during, alone.latencyUs),
      addedDuringBurstsUs: added(during, alone.latencyUs),
      serverCpuUsPerFloodCall: round((cpu.user + cpu.system) / Math.max(1, flood.calls), 1),
      gcPauseMs: { max: gc.max, total: gc.total },
      eventLoopDelayMs: {
        p50: round(loop.percentile(50) / 1e6, 1),
        p99: round(loop.percentile(99) / 1e6, 1),
        max: round(loop.max / 1e6, 1),
      },
    },
  };
}

function pooled(raw: readonly RawPhases[]): PooledPhases {
  const alone = latencySummary(raw.flatMap((r) => r.aloneUs));
  const during = latencySummary(raw.flatMap((r) => r.duringUs));
  return { alone, duringBursts: during, addedDuringBurstsUs: added(during, alone) };
}

/** The victim's provider never runs short; the flood's refuses every call after its first. */
function config(): PoolConfig {
  const victim = benchPoolConfig(5, { provider: "openai" });
  const flood = benchPoolConfig(1, { provider: "google", limits: { rpm: 1 }, prefix: "AIza-bench" });
  return { ...victim, providers: new Map([...victim.providers, ...flood.providers]) };
}

const job = (role: FairnessJob["role"], address: string): FairnessJob => ({
  role,
  address,
  provider: role === "victim" ? "openai" : "google",
  warmupMs: opts.warmupMs,
  durationMs: opts.durationMs,
  burst: opts.burst,
  burstEveryMs: opts.burstEveryMs,
});

const us = (l: Latency) => `p50 ${l.p50} µs, p99 ${l.p99} µs (${l.count} calls)`;
const line = (name: string, r: FairnessPhases) =>
  `  ${name}: victim alone ${us(r.alone)}; during the ${r.flood.bursts} bursts of ${opts.burst} ` +
  `(each answered within ${round(r.flood.burstMs.max / 1000, 0)} ms) ${us(r.duringBursts)}, ratio p50 ${r.ratioDuringBursts.p50}, p99 ${r.ratioDuringBursts.p99}; ` +
  `server CPU ${r.serverCpuUsPerFloodCall} µs per flood call, longest GC pause ${r.gcPauseMs.max} ms, ` +
  `event-loop delay p99 ${r.eventLoopDelayMs.p99} ms (max ${r.eventLoopDelayMs.max}); ` +
  `victim errors ${r.victimErrors}${r.firstError === undefined ? "" : ` (${r.firstError})`}\n`;

// Both servers run for the whole benchmark and take turns, so that each round meets the same machine twice.
const noop = await startNoopServer("127.0.0.1:0", "google");
const server = await startKeypoolServer({ listen: "127.0.0.1:0", config: config(), log: silentLogger() });
try {
  const rounds: FairnessRound[] = [];
  const raw = { keypool: [] as RawPhases[], floor: [] as RawPhases[] };
  const roundCount = Math.max(1, Math.floor(opts.rounds));
  for (let r = 1; r <= roundCount; r++) {
    const floor = await phases(noop.address);
    const keypool = await phases(server.grpcAddress);
    raw.floor.push(floor.raw);
    raw.keypool.push(keypool.raw);
    const round_: FairnessRound = {
      keypool: keypool.phases,
      floor: floor.phases,
      beyondFloorUs: beyond(keypool.phases.addedDuringBurstsUs, floor.phases.addedDuringBurstsUs),
    };
    rounds.push(round_);
    process.stdout.write(
      `fairness: round ${r} of ${roundCount}\n` +
        line("keypool", keypool.phases) +
        line("the do-nothing server", floor.phases) +
        `  beyond the do-nothing server's: p50 ${round_.beyondFloorUs.p50} µs, p99 ${round_.beyondFloorUs.p99} µs\n`,
    );
  }
  const pooledKeypool = pooled(raw.keypool);
  const pooledFloor = pooled(raw.floor);
  const result: FairnessResult = {
    machine: machine(),
    burst: opts.burst,
    burstEveryMs: opts.burstEveryMs,
    durationMs: opts.durationMs,
    rounds,
    pooled: { keypool: pooledKeypool, floor: pooledFloor, beyondFloorUs: beyond(pooledKeypool.addedDuringBurstsUs, pooledFloor.addedDuringBurstsUs) },
    medianBeyondFloorUs: {
      p50: round(median(rounds.map((r) => r.beyondFloorUs.p50)), 1),
      p99: round(median(rounds.map((r) => r.beyondFloorUs.p99)), 1),
    },
    serverCpuRatio: round(median(rounds.map((r) => r.keypool.serverCpuUsPerFloodCall / r.floor.serverCpuUsPerFloodCall)), 2),
  };
  const file = writeResult("fairness", result);
  process.stdout.write(
    `fairness: ${roundCount} rounds pooled: keypool victim alone ${us(pooledKeypool.alone)}, during bursts ${us(pooledKeypool.duringBursts)}; ` +
      `do-nothing server alone ${us(pooledFloor.alone)}, during bursts ${us(pooledFloor.duringBursts)}\n` +
      `fairness: the bursts add to the victim, beyond what they add on the do-nothing server: pooled p50 ${result.pooled.beyondFloorUs.p50} µs, ` +
      `p99 ${result.pooled.beyondFloorUs.p99} µs; median of rounds p50 ${result.medianBeyondFloorUs.p50} µs, p99 ${result.medianBeyondFloorUs.p99} µs; ` +
      `server CPU per flood call ×${result.serverCpuRatio} the do-nothing server's\n` +
      `fairness: wrote ${file}\n`,
  );
} finally {
  await server.stop(2_000);
  await noop.stop();
}
