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
 *   node dist/bench/fairness.js [--burst 10000] [--burst-every-ms 2000] [--warmup-ms 1000] [--duration-ms 8000]
 */
import { fileURLToPath } from "node:url";
import { startKeypoolServer } from "../src/keypool-server.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { parseArgs } from "./lib/args.js";
import type { PoolConfig } from "../src/config/types.js";
import { benchPoolConfig } from "./lib/fake-keys.js";
import { latencySummary, round } from "./lib/percentile.js";
import { runInFork } from "./lib/load-loop.js";
import { machine, writeResult } from "./lib/results.js";
import { startNoopServer } from "./lib/noop-server.js";
import type { FairnessJob, FairnessLoad } from "./fairness-load.js";

const opts = parseArgs(process.argv.slice(2), { burst: 10_000, burstEveryMs: 2_000, warmupMs: 1_000, durationMs: 8_000 });
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
}

export interface FairnessResult {
  readonly machine: ReturnType<typeof machine>;
  readonly burst: number;
  readonly burstEveryMs: number;
  readonly durationMs: number;
  readonly keypool: FairnessPhases;
  /** The same phases against the do-nothing server: the delay the machine's CPU forces. */
  readonly floor: FairnessPhases;
  /** What keypool's bursts add beyond what the do-nothing server's add, in µs. */
  readonly beyondFloorUs: { readonly p50: number; readonly p99: number };
}

const ratioOf = (flooded: Latency, alone: Latency) => ({ p50: round(flooded.p50 / alone.p50, 2), p99: round(flooded.p99 / alone.p99, 2) });

/** The victim's calls that were in flight at some moment while a burst was (start before its end, end after its start). */
function duringBursts(victim: readonly [number, number][], bursts: readonly [number, number][]): number[] {
  const out: number[] = [];
  for (const [start, end] of victim) {
    if (bursts.some(([from, to]) => start < to && end > from)) out.push((end - start) * 1000);
  }
  return out;
}

/** The victim alone, then the victim while the flood runs, both against one server. */
async function phases(address: string): Promise<FairnessPhases> {
  const alone = await runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address));
  const [flooded, flood] = await Promise.all([
    runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address)),
    runInFork<FairnessJob, FairnessLoad>(LOADER, job("flood", address)),
  ]);
  const during = latencySummary(duringBursts(flooded.spans, flood.spans));
  return {
    alone: alone.latencyUs,
    flooded: flooded.latencyUs,
    duringBursts: during,
    flood: { calls: flood.calls, bursts: flood.spans.length, burstMs: latencySummary(flood.spans.map(([a, b]) => (b - a) * 1000)) },
    victimErrors: alone.errors + flooded.errors,
    firstError: alone.firstError ?? flooded.firstError,
    ratio: ratioOf(flooded.latencyUs, alone.latencyUs),
    ratioDuringBursts: ratioOf(during, alone.latencyUs),
    addedDuringBurstsUs: { p50: during.p50 - alone.latencyUs.p50, p99: during.p99 - alone.latencyUs.p99 },
  };
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

const noop = await startNoopServer("127.0.0.1:0", "google");
let floor: FairnessPhases;
try {
  floor = await phases(noop.address);
} finally {
  await noop.stop();
}

const server = await startKeypoolServer({ listen: "127.0.0.1:0", config: config(), log: silentLogger() });
try {
  const keypool = await phases(server.grpcAddress);
  const result: FairnessResult = {
    machine: machine(),
    burst: opts.burst,
    burstEveryMs: opts.burstEveryMs,
    durationMs: opts.durationMs,
    keypool,
    floor,
    beyondFloorUs: {
      p50: keypool.addedDuringBurstsUs.p50 - floor.addedDuringBurstsUs.p50,
      p99: keypool.addedDuringBurstsUs.p99 - floor.addedDuringBurstsUs.p99,
    },
  };
  const file = writeResult("fairness", result);
  const us = (l: Latency) => `p50 ${l.p50} µs, p99 ${l.p99} µs (${l.count} calls)`;
  const line = (name: string, r: FairnessPhases) =>
    `fairness: ${name}: victim alone ${us(r.alone)}; whole flooded phase ${us(r.flooded)}; during the ${r.flood.bursts} bursts of ${opts.burst} ` +
    `(each answered within ${round(r.flood.burstMs.max / 1000, 0)} ms) ${us(r.duringBursts)}, ratio p50 ${r.ratioDuringBursts.p50}, p99 ${r.ratioDuringBursts.p99}; ` +
    `victim errors ${r.victimErrors}${r.firstError === undefined ? "" : ` (${r.firstError})`}\n`;
  process.stdout.write(
    line("keypool", keypool) +
      line("the do-nothing server", floor) +
      `fairness: the bursts add to the victim, beyond what they add on the do-nothing server: p50 ${result.beyondFloorUs.p50} µs, p99 ${result.beyondFloorUs.p99} µs\n` +
      `fairness: wrote ${file}\n`,
  );
} finally {
  await server.stop(2_000);
}
