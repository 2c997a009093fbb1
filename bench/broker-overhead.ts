/**
 * Benchmark 2: broker overhead.
 *
 * AcquireKey + ReportUsage pairs per second and latency per pair through
 * keypool's real gRPC server, against a no-op grpc-js server implementing the
 * same proto with constant answers (the ceiling), with the same client in
 * another process, in the same run; at 5 and 1,000 keys. Then an open-loop run
 * at 50% of the ceiling against both, for the added p50/p99 latency.
 * Then, unless --profile-ms is 0, one more closed-loop run per key count with
 * keypool's server under the inspector's CPU profiler, summarised beside the
 * results as `broker-overhead-<keys>-keys-profile.md` and `.json`.
 *
 *   node dist/bench/broker-overhead.js [--keys 5,1000] [--concurrency 32] [--warmup-ms 2000] [--duration-ms 8000] [--profile-ms 8000]
 *       [--rounds 3] [--closed-only]
 *
 * Three rounds by default: on an idle two-core machine the no-op server's own
 * CPU per pair moved by a third between rounds a minute apart
 * (docs/performance.md 2c), so one round's ratio says little.
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { startKeypoolServer } from "../src/keypool-server.js";
import { silentLogger } from "../src/telemetry/logger.js";
import { parseArgs } from "./lib/args.js";
import { benchPoolConfig } from "./lib/fake-keys.js";
import { startNoopServer } from "./lib/noop-server.js";
import { round } from "./lib/percentile.js";
import { machine, writeResult } from "./lib/results.js";
import type { LoadJob, LoadResult } from "./broker-load.js";
import { runInFork } from "./lib/load-loop.js";
import { profileThisProcess, writeProfileSummary } from "./lib/cpu-profile-files.js";
import type { CpuProfile } from "./lib/cpu-profile-summary.js";

const opts = parseArgs(process.argv.slice(2), {
  keys: "5,1000",
  concurrency: 32,
  warmupMs: 2000,
  durationMs: 8000,
  openLoopFraction: 0.5,
  /** Closed-loop no-op/keypool pairs of runs per key count, interleaved; the CPU ratio is of the medians. */
  rounds: 3,
  /** Leaves out the open-loop latency runs (CPU per pair comes from the closed loop). */
  closedOnly: false,
  /** Profiled closed-loop run per key count after the measured ones; 0: none. */
  profileMs: 8000,
});

const LOADER = fileURLToPath(new URL("./broker-load.js", import.meta.url));

/** A load run and the server's CPU per pair over its measured period. */
interface Measured extends LoadResult {
  /** CPU time (user + system) of this process, where the server runs, per pair completed in the measured period, µs. */
  readonly serverCpuUsPerPair: number;
  /** That CPU time over the period's wall time: 1 is one core fully busy. */
  readonly serverCpuCores: number;
  /** performance.now() in this process when the measured period started and ended. */
  readonly measuredFrom: number;
  readonly measuredTo: number;
}

/**
 * Runs one job in a fresh load-generator process, reading this process's CPU
 * time (the server's: the generator is elsewhere) at the generator's start
 * and end marks.
 */
async function load(job: LoadJob): Promise<Measured> {
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpu: NodeJS.CpuUsage | undefined;
  let t0 = 0;
  let wallMs = 0;
  const result = await runInFork<LoadJob, LoadResult>(LOADER, job, (mark) => {
    if (mark === "start") {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
    } else if (cpu0 !== undefined) {
      cpu = process.cpuUsage(cpu0);
      wallMs = performance.now() - t0;
    }
  });
  const used = cpu === undefined ? Number.NaN : cpu.user + cpu.system;
  return {
    ...result,
    measuredFrom: t0,
    measuredTo: t0 + wallMs,
    serverCpuUsPerPair: round(used / Math.max(1, result.completedBetweenMarks), 1),
    serverCpuCores: round(used / 1000 / Math.max(1, wallMs), 2),
  };
}

interface Target {
  readonly name: "noop" | "keypool";
  readonly address: string;
  stop(): Promise<void>;
}

async function target(name: Target["name"], keys: number): Promise<Target> {
  if (name === "noop") {
    const s = await startNoopServer();
    return { name, address: s.address, stop: () => s.stop() };
  }
  const server = await startKeypoolServer({ config: benchPoolConfig(keys), listen: "127.0.0.1:0", log: silentLogger() });
  return { name, address: server.grpcAddress, stop: () => server.stop(2000) };
}

async function measure(name: Target["name"], keys: number, job: Omit<LoadJob, "address">): Promise<Measured> {
  const t = await target(name, keys);
  try {
    return await load({ ...job, address: t.address });
  } finally {
    await t.stop();
  }
}

function added(kp: LoadResult, noop: LoadResult): { p50: number; p99: number } {
  return { p50: kp.latencyUs.p50 - noop.latencyUs.p50, p99: kp.latencyUs.p99 - noop.latencyUs.p99 };
}

function closedLoop(noop: Measured, keypool: Measured) {
  return {
    noop,
    keypool,
    ratio: round(keypool.pairsPerSecond / noop.pairsPerSecond, 3),
    // The figure that holds on a shared machine: server CPU per pair, keypool over the no-op server (target ≤ 1.10).
    cpuPerPairRatio: round(keypool.serverCpuUsPerPair / noop.serverCpuUsPerPair, 3),
  };
}

function line(label: string, r: Measured): string {
  return (
    `  ${label.padEnd(34)} ${String(r.pairsPerSecond).padStart(7)} pairs/s  p50 ${(r.latencyUs.p50 / 1000).toFixed(2)} ms  ` +
    `p99 ${(r.latencyUs.p99 / 1000).toFixed(2)} ms  server cpu ${r.serverCpuUsPerPair} µs/pair (${r.serverCpuCores} cores)` +
    `${r.errors > 0 ? `  ${r.errors} errors (${r.firstError})` : ""}\n`
  );
}

async function main(): Promise<void> {
  const started = Date.now();
  // The load average before this benchmark adds its own.
  const startMachine = machine();
  const keyCounts = opts.keys.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  const base = { warmupMs: opts.warmupMs, durationMs: opts.durationMs };
  const runs: unknown[] = [];
  process.stdout.write(
    `broker overhead: closed loop with ${opts.concurrency} pairs in flight, ${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured per run\n`,
  );
  for (const keys of keyCounts) {
    const closed: LoadJob = { ...base, address: "", mode: "closed", concurrency: opts.concurrency, rate: 0 };
    const rounds: { noop: Measured; keypool: Measured }[] = [];
    for (let r = 0; r < Math.max(1, opts.rounds); r++) {
      // The no-op ceiling does not depend on the key count, but measuring it next to each keypool run keeps drift out of the ratio.
      const n = await measure("noop", keys, closed);
      process.stdout.write(line(`no-op ceiling (${keys} keys run)`, n));
      const k = await measure("keypool", keys, closed);
      process.stdout.write(line(`keypool, ${keys} keys`, k));
      process.stdout.write(`  server CPU per pair, keypool ÷ no-op: ${round(k.serverCpuUsPerPair / n.serverCpuUsPerPair, 3)}\n`);
      rounds.push({ noop: n, keypool: k });
    }
    // The round whose ratio is the median stands for the key count; every round is kept in the results.
    const byRatio = [...rounds].sort((a, b) => a.keypool.serverCpuUsPerPair / a.noop.serverCpuUsPerPair - b.keypool.serverCpuUsPerPair / b.noop.serverCpuUsPerPair);
    const { noop, keypool: kp } = byRatio[Math.floor((byRatio.length - 1) / 2)]!;
    if (opts.closedOnly) {
      runs.push({ keys, closedLoop: closedLoop(noop, kp), rounds: rounds.map((r) => closedLoop(r.noop, r.keypool)) });
      continue;
    }
    const rate = Math.max(1, Math.round(noop.pairsPerSecond * opts.openLoopFraction));
    const open: LoadJob = { ...base, address: "", mode: "open", concurrency: 0, rate };
    const noopOpen = await measure("noop", keys, open);
    process.stdout.write(line(`no-op, open loop ${rate}/s`, noopOpen));
    const kpOpen = await measure("keypool", keys, open);
    process.stdout.write(line(`keypool ${keys} keys, open loop ${rate}/s`, kpOpen));
    // Half the no-op ceiling can be more than keypool sustains (then its latency is queueing, not overhead):
    // measure both again at half of keypool's own ceiling, so the added latency is also known at a load it carries.
    let atKeypoolHalf: unknown;
    if (kp.pairsPerSecond < rate * 1.25) {
      const rate2 = Math.max(1, Math.round(kp.pairsPerSecond * opts.openLoopFraction));
      const open2: LoadJob = { ...open, rate: rate2 };
      const n2 = await measure("noop", keys, open2);
      process.stdout.write(line(`no-op, open loop ${rate2}/s`, n2));
      const k2 = await measure("keypool", keys, open2);
      process.stdout.write(line(`keypool ${keys} keys, open loop ${rate2}/s`, k2));
      atKeypoolHalf = { ratePerSecond: rate2, noop: n2, keypool: k2, addedLatencyUs: added(k2, n2) };
    }
    runs.push({
      keys,
      closedLoop: closedLoop(noop, kp),
      rounds: rounds.map((r) => closedLoop(r.noop, r.keypool)),
      openLoop: { ratePerSecond: rate, noop: noopOpen, keypool: kpOpen, addedLatencyUs: added(kpOpen, noopOpen) },
      openLoopAtHalfKeypoolCeiling: atKeypoolHalf,
    });
  }
  const file = writeResult("broker-overhead", {
    benchmark: "broker-overhead",
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    machine: startMachine,
    setup: {
      client: "generated grpc-js KeyPoolServiceClient, one channel, in a forked process",
      server: "in the benchmark's main process: keypool's GrpcServer (startKeypoolServer) or a no-op grpc-js server",
      keys: "no limits, so no acquisition is refused or waits",
      concurrency: opts.concurrency,
      warmupMs: opts.warmupMs,
      durationMs: opts.durationMs,
      openLoopFraction: opts.openLoopFraction,
      rounds: opts.rounds,
      closedOnly: opts.closedOnly,
    },
    runs,
  });
  process.stdout.write(`broker overhead: wrote ${file}\n`);
  if (opts.profileMs > 0) for (const keys of keyCounts) await profileKeypool(keys);
}

/** keypool's server (in this process) under the CPU profiler through one closed-loop run; the summary goes beside the results. */
async function profileKeypool(keys: number): Promise<void> {
  const t = await target("keypool", keys);
  let profiled: { result: Measured; profile: CpuProfile };
  let profileStart = 0;
  try {
    const job: LoadJob = { address: t.address, mode: "closed", concurrency: opts.concurrency, rate: 0, warmupMs: opts.warmupMs, durationMs: opts.profileMs };
    profileStart = performance.now();
    profiled = await profileThisProcess(() => load(job));
  } finally {
    await t.stop();
  }
  const r = profiled.result;
  process.stdout.write(line(`keypool ${keys} keys, profiled`, r));
  const note =
    `keypool's gRPC server in the benchmark's process (startKeypoolServer) under the inspector's sampling profiler ` +
    `(1 ms), the ${opts.profileMs / 1000} s measured after ${opts.warmupMs / 1000} s of warm-up, ${keys} keys, closed loop with ${opts.concurrency} ` +
    `AcquireKey + ReportUsage pairs in flight from a forked client: ${r.pairsPerSecond} pairs/s, ${r.completedBetweenMarks} pairs in the period, ` +
    `server CPU ${r.serverCpuUsPerPair} µs per pair (profiler included), ${r.errors} errors. ` +
    `Written by bench/broker-overhead.ts on ${new Date().toISOString()}.`;
  // Exactly the generator's measured period: its process's start and warm-up (a key's first use builds its history) are left out.
  const title = `broker overhead: CPU profile of keypool's server, ${keys} keys`;
  const window = { fromMs: r.measuredFrom - profileStart, toMs: r.measuredTo - profileStart };
  const file = writeProfileSummary(`broker-overhead-${keys}-keys`, profiled.profile, { title, note }, window);
  process.stdout.write(`broker overhead: wrote ${file}\n`);
}

await main();
