import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultSettings, type PoolSettings } from "../../src/config/types.js";
import { applyOutcome, healthState, HEALTHY, type KeyHealth, type ReportedOutcome } from "../../src/pool/key-health.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

/**
 * Whatever a set of clients reports, in any order and at any pace: no
 * cooldown outlasts its cap, a key is disabled on UNAUTHORIZED only by a
 * confirming client or a quorum of distinct clients within the window, and
 * the per-key record of reporters never grows past the quorum.
 */

const settings: PoolSettings = {
  ...defaultSettings,
  maxRateLimitCooldownMs: 5_000,
  maxQuotaCooldownMs: 20_000,
  backoffMaxMs: 4_000,
  quotaCooldownMs: 10_000,
  serverErrorThreshold: 2,
  serverErrorCooldownMs: 3_000,
  unauthorizedWindowMs: 8_000,
  unauthorizedHoldMs: 1_000,
  unauthorizedQuorum: 3,
};
const QUORUM = 3;
const CLIENTS = ["a", "b", "c", "d"] as const;

type Command =
  | { kind: "report"; outcome: ReportedOutcome["outcome"]; by: string; confirms: boolean; retryAfterMs: number | undefined }
  | { kind: "advance"; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      outcome: fc.constantFrom("unauthorized", "unauthorized", "rate_limited", "quota_exhausted", "server_error", "success"),
      by: fc.constantFrom(...CLIENTS),
      confirms: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
      retryAfterMs: fc.option(fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.constant(Number.MAX_SAFE_INTEGER)), { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 1, max: 6_000 }) }) },
);

describe("report bounds (property, pure functions)", () => {
  it("caps, quorum and the bounded reporter record hold over long histories", () => {
    const seen = { commands: 0, clamped: 0, held: 0, disabledByQuorum: 0, disabledByConfirmation: 0 };
    fc.assert(
      fc.property(fc.array(command, { minLength: 150, maxLength: 400 }), (commands) => {
        let now = Date.UTC(2026, 0, 1);
        let h: KeyHealth = HEALTHY;
        // The model: UNAUTHORIZED reports since the key was last disabled.
        let unauthorized: { by: string; at: number }[] = [];
        for (const c of commands) {
          seen.commands += 1;
          if (c.kind === "advance") {
            now += c.ms;
            continue;
          }
          const wasDisabled = healthState(h, now) === "disabled";
          const event: ReportedOutcome = { outcome: c.outcome, leaseId: "ls", retryAfterMs: c.retryAfterMs, detail: "", by: c.by, confirms: c.confirms, quorum: QUORUM };
          h = applyOutcome(h, event, now, settings);
          if (c.outcome === "unauthorized") unauthorized.push({ by: c.by, at: now });
          const state = healthState(h, now);
          if (state === "cooling_down") {
            expect(h.until - now).toBeLessThanOrEqual(Math.max(settings.maxRateLimitCooldownMs, settings.unauthorizedHoldMs, settings.serverErrorCooldownMs));
            if (h.reason.startsWith("unauthorized")) seen.held += 1;
          }
          if (state === "exhausted") expect(h.until - now).toBeLessThanOrEqual(settings.maxQuotaCooldownMs);
          if (h.reason.includes("clamped")) seen.clamped += 1;
          expect(h.unauthorizedReports.length).toBeLessThanOrEqual(QUORUM);
          if (state === "disabled" && !wasDisabled) {
            expect(c.outcome).toBe("unauthorized");
            const distinct = new Set(unauthorized.filter((r) => r.at > now - settings.unauthorizedWindowMs).map((r) => r.by));
            expect(c.confirms || distinct.size >= QUORUM, `disabled by ${[...distinct].join(", ")}`).toBe(true);
            if (c.confirms) seen.disabledByConfirmation += 1;
            else seen.disabledByQuorum += 1;
            expect(h.by).toBe(c.by);
            unauthorized = [];
            // A probe succeeds later: the key starts over, so the history goes on exercising the quorum.
            h = HEALTHY;
          }
        }
      }),
      { numRuns: fuzzRuns(60) },
    );
    // Long histories reach every case that matters.
    expect(seen.commands).toBeGreaterThanOrEqual(150 * fuzzRuns(60));
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
  });
});
