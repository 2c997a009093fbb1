/**
 * Runs of a property test: `base` in the suite, FUZZ_RUNS when set
 * (`npm run fuzz` sets it for a longer campaign).
 */
export function fuzzRuns(base: number): number {
  const n = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(n) && n > 0 ? Math.max(n, base) : base;
}
