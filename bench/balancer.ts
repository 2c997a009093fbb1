/**
 * Benchmark 3: the balancer alone, in process.
 *
 * Time per AcquireKey + ReportUsage pair on MemoryLeasePool directly (no gRPC) at 5,
 * 100, 10,000 and 100,000 keys, through acquireNow + reportNow (the path the
 * gRPC service takes with the memory store) and again through the promise
 * API, and memory per key (the heap and the array
 * buffers that hold per-key samples outside it). Uses the system clock, so
 * the lease deadlines go through the same scheduler and timers as in the server.
 *
 *   node --expose-gc dist/bench/balancer.js [--keys 5,100,10000,100000] [--budget-ms 1500] [--profile-keys 10000]
 */
import { performance } from "node:perf_hooks";
import { systemClock } from "../src/clock/clock.js";
import { ManualClock } from "../test/support/manual-clock.js";
import { MemoryLeasePool } from "../src/store/memory/memory-lease-pool.js";
import type { Lease } from "../src/pool/types.js";
import { parseArgs } from "./lib/args.js";
import { benchPoolConfig } from "./lib/fake-keys.js";
import { round } from "./lib/percentile.js";
import { machine, writeResult } from "./lib/results.js";
import { profileThisProcess, writeProfileSummary } from "./lib/cpu-profile-files.js";
import type { CpuProfile } from "./lib/cpu-profile-summary.js";

const opts = parseArgs(process.argv.slice(2), {
  keys: "5,100,10000,100000",
  budgetMs: 1500,
  /** Key count whose timed loop is run once more under the CPU profiler, summarised beside the results; 0: none. */
  profileKeys: 10_000,
  maxOps: 1_000_000,
  minOps: 20,
});

const gc = (globalThis as { gc?: () => void }).gc;

/** JavaScript heap plus array buffers (typed arrays keep their contents outside the heap). */
async function heapUsed(): Promise<number> {
  if (gc !== undefined) {
    // Array buffers are freed after the collection, off the main thread: give that a moment to land.
    for (let i = 0; i < 3; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface Row {
  keys: number;
  ops: number;
  nsPerPair: number;
  /** CPU time of the process per pair: on a shared machine, the figure that holds when wall time does not. */
  cpuNsPerPair: number;
  /** The two halves, timed on one pair in SPLIT_EVERY + 1 (the others are timed only as a whole). */
  nsPerAcquire: number;
  nsPerReport: number;
  pairsPerSecond: number;
  configBytesPerKey: number;
  poolBytesPerKey: number;
  bytesPerKey: number;
  /** Retained per request after the run: its usage-window entry (about a minute) and its ended-lease record (two minutes). */
  bytesPerRecentRequest: number;
  /** The same pair through `acquire` and `report` (promises), measured on a pool of its own right after. */
  nsPerPairPromises: number;
  cpuNsPerPairPromises: number;
}

/** Pairs run untimed between two whose halves are timed. */
const SPLIT_EVERY = 15;

/** Runs the timed loop as is, or under the profiler. */
type Around = (loop: () => Promise<void>) => Promise<void>;

/**
 * How the pairs are made: "now" through `acquireNow` and `reportNow`, the
 * path the gRPC service takes with the memory store; "promises" through
 * `acquire` and `report`, the pool contract every store offers.
 */
type Api = "now" | "promises";

async function measure(n: number, api: Api, around: Around = (loop) => loop()): Promise<Omit<Row, "nsPerPairPromises" | "cpuNsPerPairPromises">> {
  const h0 = await heapUsed();
  // Limits so high they never bind, so that every limit check runs without refusing.
  const config = benchPoolConfig(n, { limits: { rpm: 1e9, tpm: 1e12 } });
  const h1 = await heapUsed();
  const pool = new MemoryLeasePool({ clock: systemClock });
  pool.applyConfig(config);
  const h2 = await heapUsed();

  const acquireRequest = () => ({ provider: "openai", estimatedTokens: 20 });
  const usage = () => ({ outcome: "success" as const, promptTokens: 10, completionTokens: 10 });
  // The gRPC service's path for the memory store: answered at once, no promise.
  const pairNow = (): void => {
    const lease = pool.acquireNow(acquireRequest()) as Lease;
    pool.reportNow(lease.leaseId, usage());
  };
  const pairPromised = async (): Promise<void> => {
    const lease = await pool.acquire(acquireRequest());
    await pool.report(lease.leaseId, usage());
  };
  /** One pair with its two halves timed: reading the clock around each half costs about 0.3 µs of a 2 µs pair, so only one pair in SPLIT_EVERY + 1 pays it. */
  const timedPair = async (): Promise<[number, number]> => {
    const t0 = performance.now();
    const lease = api === "now" ? (pool.acquireNow(acquireRequest()) as Lease) : await pool.acquire(acquireRequest());
    const t1 = performance.now();
    if (api === "now") pool.reportNow(lease.leaseId, usage());
    else await pool.report(lease.leaseId, usage());
    return [t1 - t0, performance.now() - t1];
  };
  /** SPLIT_EVERY pairs untimed. */
  const batch = async (): Promise<void> => {
    if (api === "now") for (let i = 0; i < SPLIT_EVERY; i++) pairNow();
    else for (let i = 0; i < SPLIT_EVERY; i++) await pairPromised();
  };
  // Warm-up: let the JIT settle on the hot paths.
  const warmEnd = performance.now() + Math.min(300, opts.budgetMs / 5);
  for (let i = 0; i < 5 || (performance.now() < warmEnd && i < 1_250); i++) {
    await batch();
    await timedPair();
  }

  let ops = 0;
  let timed = 0;
  let acquireMs = 0;
  let reportMs = 0;
  let start = 0;
  let elapsed = 0;
  let cpu: NodeJS.CpuUsage = { user: 0, system: 0 };
  await around(async () => {
    const cpu0 = process.cpuUsage();
    start = performance.now();
    const end = start + opts.budgetMs;
    // The budget is checked once per batch of pairs, for the same reason.
    while (ops < opts.maxOps && (ops < opts.minOps || performance.now() < end)) {
      await batch();
      const [a, r] = await timedPair();
      acquireMs += a;
      reportMs += r;
      timed += 1;
      ops += SPLIT_EVERY + 1;
    }
    elapsed = performance.now() - start;
    cpu = process.cpuUsage(cpu0);
  });
  const h3 = await heapUsed();
  pool.close();
  const warmOps = ops; // requests made during the measured part (warm-up ones are a small share)
  return {
    keys: n,
    ops,
    nsPerPair: round((elapsed * 1e6) / ops, 0),
    cpuNsPerPair: round(((cpu.user + cpu.system) * 1e3) / ops, 0),
    nsPerAcquire: round((acquireMs * 1e6) / timed, 0),
    nsPerReport: round((reportMs * 1e6) / timed, 0),
    pairsPerSecond: round(ops / (elapsed / 1000), 0),
    configBytesPerKey: round((h1 - h0) / n, 0),
    poolBytesPerKey: round((h2 - h1) / n, 0),
    bytesPerKey: round((h2 - h0) / n, 0),
    bytesPerRecentRequest: round((h3 - h2) / warmOps, 0),
  };
}

/**
 * Memory a request leaves behind once it has left every usage window: the
 * record of its ended lease, kept (two minutes) so that a second report is
 * recognised. Measured through the pool with a manual clock: `n` pairs, then
 * 90 s later (windows empty, ended leases still remembered) the heap again.
 */
async function endedLeaseBytes(n = 100_000): Promise<number> {
  const clock = new ManualClock();
  const pool = new MemoryLeasePool({ clock });
  pool.applyConfig(benchPoolConfig(5));
  await pool.acquire({ provider: "openai" }).then((l) => pool.report(l.leaseId, { outcome: "success" }));
  const h0 = await heapUsed();
  for (let i = 0; i < n; i++) {
    const lease = await pool.acquire({ provider: "openai" });
    await pool.report(lease.leaseId, { outcome: "success", promptTokens: 10, completionTokens: 10 });
  }
  clock.advance(90_000);
  // One more pair brings every key whose window moved up to date, which drops what has left them.
  await pool.acquire({ provider: "openai" }).then((l) => pool.report(l.leaseId, { outcome: "success" }));
  const h1 = await heapUsed();
  pool.close();
  return round((h1 - h0) / n, 0);
}

async function main(): Promise<void> {
  const started = Date.now();
  // The load average before this benchmark adds its own.
  const startMachine = machine();
  const keyCounts = opts.keys.split(",").map(Number).filter((n) => Number.isInteger(n) && n > 0);
  if (gc === undefined) process.stdout.write("balancer: run node with --expose-gc for exact memory figures\n");
  const rows: Row[] = [];
  for (const n of keyCounts) {
    const now = await measure(n, "now");
    const promised = await measure(n, "promises");
    const row: Row = { ...now, nsPerPairPromises: promised.nsPerPair, cpuNsPerPairPromises: promised.cpuNsPerPair };
    rows.push(row);
    const us = (ns: number) => (ns / 1000).toFixed(ns < 100_000 ? 1 : 0);
    process.stdout.write(
      `  ${String(n).padStart(7)} keys: ${us(row.nsPerPair).padStart(8)} µs per acquire+report ` +
        `(acquire ${us(row.nsPerAcquire)} µs, report ${us(row.nsPerReport)} µs; CPU ${us(row.cpuNsPerPair)} µs per pair; ${row.ops} pairs; ` +
        `through promises ${us(row.nsPerPairPromises)} µs, CPU ${us(row.cpuNsPerPairPromises)} µs), ` +
        `${row.bytesPerKey} bytes per key (config ${row.configBytesPerKey}, pool ${row.poolBytesPerKey}), ` +
        `${row.bytesPerRecentRequest} bytes per recent request\n`,
    );
  }
  // How time grows with keys: the exponent b in time ∝ keys^b between the two largest sizes.
  const a = rows[rows.length - 2];
  const b = rows[rows.length - 1];
  const growthExponent = a !== undefined && b !== undefined ? round(Math.log(b.nsPerPair / a.nsPerPair) / Math.log(b.keys / a.keys), 2) : undefined;
  const bytesPerEndedLease = await endedLeaseBytes();
  process.stdout.write(`  an ended lease is remembered in ${bytesPerEndedLease} bytes (two minutes once reported, at most 200,000 of them)\n`);
  const file = writeResult("balancer", {
    benchmark: "balancer",
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: round((Date.now() - started) / 1000, 1),
    machine: startMachine,
    setup: {
      clock: "system clock (lease deadlines scheduled and cleared as in the server)",
      limits: "rpm 1e9, tpm 1e12 per key: every limit is checked, none binds",
      gcExposed: gc !== undefined,
      memory: "heapUsed + arrayBuffers after two full collections",
      budgetMsPerSize: opts.budgetMs,
      api: "acquireNow + reportNow (the gRPC service's path with the memory store); nsPerPairPromises: acquire + report, a pool of its own",
    },
    rows,
    growthExponent,
    bytesPerEndedLease,
  });
  process.stdout.write(`balancer: time grows as keys^${growthExponent} between the two largest sizes; wrote ${file}\n`);
  if (opts.profileKeys > 0) await profileBalancer(opts.profileKeys);
}

/** One more timed loop at `n` keys under the inspector's profiler; the summary goes beside the results. */
async function profileBalancer(n: number): Promise<void> {
  let profile: CpuProfile | undefined;
  const row = await measure(n, "now", async (loop) => {
    profile = (await profileThisProcess(loop)).profile;
  });
  if (profile === undefined) return;
  const title = `balancer: CPU profile of MemoryLeasePool.acquireNow + reportNow, ${n} keys`;
  const note =
    `The timed loop of bench/balancer.ts (one pair at a time, system clock, limits that never bind) under the inspector's sampling ` +
    `profiler (1 ms), ${n} keys: ${row.ops} pairs, ${(row.nsPerPair / 1000).toFixed(1)} µs per pair under the profiler. ` +
    `Written by bench/balancer.ts on ${new Date().toISOString()}.`;
  process.stdout.write(`balancer: wrote ${writeProfileSummary(`balancer-${n}-keys`, profile, { title, note })}\n`);
}

await main();
