import { seededRandom } from "../../src/simulator/seeded-random.js";

/**
 * Arrival times (ms from the start, ascending) of a Poisson process at
 * `ratePerSec` over `durationMs`, from a seeded generator: every strategy of
 * a run gets exactly the same workload.
 */
export function poissonArrivals(ratePerSec: number, durationMs: number, seed: number): number[] {
  if (!(ratePerSec > 0) || !(durationMs > 0)) return [];
  const random = seededRandom(seed);
  const meanGapMs = 1000 / ratePerSec;
  const out: number[] = [];
  let t = 0;
  for (;;) {
    // 1 - random() is in (0, 1], so the logarithm is finite.
    t += -Math.log(1 - random()) * meanGapMs;
    if (t >= durationMs) return out;
    out.push(t);
  }
}

/** Evenly spaced arrival times at `ratePerSec` over `durationMs`. */
export function evenArrivals(ratePerSec: number, durationMs: number): number[] {
  const gap = 1000 / ratePerSec;
  const out: number[] = [];
  for (let t = 0; t < durationMs; t += gap) out.push(t);
  return out;
}

export interface OracleOptions {
  readonly keys: number;
  /** Requests per window per key. */
  readonly limit: number;
  readonly windowMs: number;
  /** A request not started within this long after its arrival is given up. */
  readonly budgetMs: number;
}

export interface OracleResult {
  /** Requests started, at the time each started (ms from the start), ascending by arrival. */
  readonly startedAt: readonly number[];
  readonly dropped: number;
}

/**
 * The best any client-side strategy could do with this workload: each
 * request, in arrival order, starts on whichever key can take it first
 * (never exceeding `limit` starts in any window-length interval of a key),
 * and is dropped when that is later than its budget. Greedy earliest start is
 * optimal for identical keys and first-come order.
 */
export function oracleSchedule(arrivals: readonly number[], o: OracleOptions): OracleResult {
  // Per key: start times still inside a window of the latest start (a ring would do; arrays stay small).
  const starts: number[][] = Array.from({ length: o.keys }, () => []);
  const startedAt: number[] = [];
  let dropped = 0;
  for (const a of arrivals) {
    let bestKey = -1;
    let bestAt = Infinity;
    for (let k = 0; k < o.keys; k++) {
      const s = starts[k] as number[];
      // Starts are ascending per key; the next start must leave `limit` earlier ones a full window behind.
      const at = s.length < o.limit ? a : Math.max(a, (s[s.length - o.limit] as number) + o.windowMs);
      if (at < bestAt) {
        bestAt = at;
        bestKey = k;
      }
    }
    if (bestKey < 0 || bestAt > a + o.budgetMs) {
      dropped += 1;
      continue;
    }
    const s = starts[bestKey] as number[];
    s.push(bestAt);
    if (s.length > o.limit * 2) s.splice(0, s.length - o.limit);
    startedAt.push(bestAt);
  }
  return { startedAt, dropped };
}

/** How many of `times` fall in [from, to). */
export function countWithin(times: Iterable<number>, from: number, to: number): number {
  let n = 0;
  for (const t of times) if (t >= from && t < to) n += 1;
  return n;
}
