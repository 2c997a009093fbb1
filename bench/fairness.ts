/**
 * Benchmark 6: fairness under a flood.
 *
 * One client's AcquireKey latency (the victim: one call after another) alone,
 * then while another client sends bursts of 10,000 concurrent AcquireKey
 * calls, against the same keypool server in the same run; each client in its
 * own process. Reports the victim's p50 and p99 in both phases and their
 * ratios: per-client admission should keep the flood from adding more than
 * the CPU it takes. What the CPU takes is measured in the same run: the same
 * victim and flood against a grpc-js server of the same proto that answers
 * every call at once (`lib/noop-server.ts`, refusing the flood's provider as
 * keypool does), where nothing but sending, decoding and answering the burst
 * delays the victim.
 *
 *   node dist/bench/fairness.js [--burst 10000] [--warmup-ms 1000] [--duration-ms 8000]
 */
import { fileURLToPath } from "node:url";
import { startKeypoolServer } from "../src/keypool-server.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { parseArgs } from "./lib/args.js";
import type { PoolConfig } from "../src/config/types.js";
import { benchPoolConfig } from "./lib/fake-keys.js";
import { round } from "./lib/percentile.js";
import { runInFork } from "./lib/load-loop.js";
import { machine, writeResult } from "./lib/results.js";
import { startNoopServer } from "./lib/noop-server.js";
import type { FairnessJob, FairnessLoad } from "./fairness-load.js";

const opts = parseArgs(process.argv.slice(2), { burst: 10_000, warmupMs: 1_000, durationMs: 8_000 });
const LOADER = fileURLToPath(new URL("./fairness-load.js", import.meta.url));

export interface FairnessResult {
  readonly machine: ReturnType<typeof machine>;
  readonly burst: number;
  readonly durationMs: number;
  readonly alone: FairnessLoad;
  readonly flooded: FairnessLoad;
  readonly flood: FairnessLoad;
  /** Victim p50 and p99 under the flood over the same without it. */
  readonly ratio: { readonly p50: number; readonly p99: number };
  /** The same two phases against the do-nothing server: the delay the machine's CPU forces. */
  readonly floor: {
    readonly alone: FairnessLoad;
    readonly flooded: FairnessLoad;
    readonly flood: FairnessLoad;
    readonly ratio: { readonly p50: number; readonly p99: number };
  };
}

const ratioOf = (flooded: FairnessLoad, alone: FairnessLoad) => ({
  p50: round(flooded.latencyUs.p50 / alone.latencyUs.p50, 2),
  p99: round(flooded.latencyUs.p99 / alone.latencyUs.p99, 2),
});

/** The victim alone, then the victim while the flood runs, both against one server. */
async function phases(address: string): Promise<{ alone: FairnessLoad; flooded: FairnessLoad; flood: FairnessLoad }> {
  const alone = await runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address));
  const [flooded, flood] = await Promise.all([
    runInFork<FairnessJob, FairnessLoad>(LOADER, job("victim", address)),
    runInFork<FairnessJob, FairnessLoad>(LOADER, job("flood", address)),
  ]);
  return { alone, flooded, flood };
}

/** The victim's provider never runs short; the flood's refuses after its first call, so the flood holds no leases. */
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
});

const noop = await startNoopServer("127.0.0.1:0", "google");
let floor: FairnessResult["floor"];
try {
  const p = await phases(noop.address);
  floor = { ...p, ratio: ratioOf(p.flooded, p.alone) };
} finally {
  await noop.stop();
}

const server = await startKeypoolServer({ listen: "127.0.0.1:0", config: config(), log: silentLogger() });
try {
  const { alone, flooded, flood } = await phases(server.grpcAddress);
  const result: FairnessResult = {
    machine: machine(),
    burst: opts.burst,
    durationMs: opts.durationMs,
    alone,
    flooded,
    flood,
    ratio: ratioOf(flooded, alone),
    floor,
  };
  const file = writeResult("fairness", result);
  const us = (l: FairnessLoad) => `p50 ${l.latencyUs.p50} µs, p99 ${l.latencyUs.p99} µs (${l.latencyUs.count} calls)`;
  process.stdout.write(
    `fairness: victim alone ${us(alone)}; during bursts of ${opts.burst} (${flood.calls} flood calls) ${us(flooded)}; ` +
      `ratio p50 ${result.ratio.p50}, p99 ${result.ratio.p99}; victim errors ${alone.errors + flooded.errors}${flooded.firstError === undefined ? "" : ` (${flooded.firstError})`}\n` +
      `fairness: the do-nothing server, alone ${us(floor.alone)}; during the bursts (${floor.flood.calls} flood calls) ${us(floor.flooded)}; ratio p50 ${floor.ratio.p50}, p99 ${floor.ratio.p99}\n` +
      `fairness: wrote ${file}\n`,
  );
} finally {
  await server.stop(2_000);
}
