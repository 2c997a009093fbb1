import fc from "fast-check";
import { outcomes, type Outcome } from "../../src/protocol/outcome.js";

export interface ReportCommand {
  kind: "report";
  /** Which open lease, modulo their number. */
  pick: number;
  outcome: Outcome;
  tokens: number;
  retryAfterMs: number;
}

/** A report of some open lease with any outcome, for the pool's property tests. */
export function reportCommand(retryAfterMs: fc.Arbitrary<number>): fc.Arbitrary<ReportCommand> {
  return fc.record({
    kind: fc.constant("report" as const),
    pick: fc.nat(),
    outcome: fc.constantFrom(...outcomes),
    tokens: fc.integer({ min: 0, max: 300 }),
    retryAfterMs,
  });
}
