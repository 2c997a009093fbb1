import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeypoolError } from "../../src/protocol/keypool-error.js";
import { ManualClock } from "../support/manual-clock.js";
import { REPORTED_RETENTION_MS } from "../../src/pool/ended-leases.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import type { Lease } from "../../src/pool/types.js";
import { poolConfig } from "../support/pool-config.js";
import { reportCommand, type ReportCommand } from "../support/report-command.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { healthLeasable } from "../../src/pool/key-health.js";

const WINDOW = 1_000;
const MARGIN = 50; // 5% of the window
const REQUESTS = 3;
const TOKENS = 500;
const CONCURRENT = 2;

type Command =
  | { kind: "acquire"; tokens: number }
  | ReportCommand
  | { kind: "again"; pick: number }
  | { kind: "advance"; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("acquire" as const), tokens: fc.integer({ min: 0, max: 300 }) }) },
  { weight: 4, arbitrary: reportCommand(fc.integer({ min: 0, max: 3_000 })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("again" as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      // Steps near the window length probe its edge, where the margin matters.
      ms: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constantFrom(WINDOW - 1, WINDOW, WINDOW + MARGIN / 2, WINDOW + MARGIN - 1)),
    }),
  },
);

describe("balancer invariants (property)", () => {
  it("never exceeds a limit, never leases an unleasable key, ends every lease once, and refusals consume nothing", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 250 }), async (commands) => {
        const clock = new ManualClock();
        const pool = new MemoryLeasePool({ clock });
        pool.applyConfig(
          poolConfig(
            {
              p: ["a", "b"].map((id) => ({
                id,
                secret: `sk-test-${id}000`,
                maxConcurrent: CONCURRENT,
                windows: [
                  { kind: "requests" as const, limit: REQUESTS, perMs: WINDOW },
                  { kind: "tokens" as const, limit: TOKENS, perMs: WINDOW },
                ],
              })),
            },
            { leaseTtlMs: 2_000, backoffInitialMs: 100, unauthorizedRecheckMs: 1_500, quotaCooldownMs: 2_500 },
          ),
        );
        const grants = new Map<string, { at: number; tokens: { n: number } }[]>();
        const open: { lease: Lease; tokens: { n: number } }[] = [];
        const ended: string[] = [];
        /** When each lease ended, by report or by expiry: an ended lease is remembered for two minutes here (TTL 2 s). */
        const endedAt = new Map<string, number>();
        const remembered = (id: string) => clock.now() < (endedAt.get(id) ?? -Infinity) + REPORTED_RETENTION_MS;

        const keyState = (id: string) => [...pool.keys()].find((k) => k.key.id === id);
        const usageOf = () =>
          [...pool.keys()].map((k) => [k.key.id, k.key.inFlight, k.key.requestsThisMinute(clock.now()), k.key.tokensThisMinute(clock.now())]);

        for (const c of commands) {
          if (c.kind === "acquire") {
            const before = usageOf();
            const states = new Map([...pool.keys()].map((k) => [k.key.id, k.state]));
            const settled = await pool.acquire({ provider: "p", estimatedTokens: c.tokens }).catch((e: unknown) => e);
            if (settled instanceof KeypoolError) {
              expect(["RESOURCE_EXHAUSTED", "FAILED_PRECONDITION"]).toContain(settled.code);
              expect(usageOf()).toEqual(before);
              continue;
            }
            const l = settled as Lease;
            const st = states.get(l.keyId);
            expect(["active", "disabled"]).toContain(st);
            const tokens = { n: c.tokens };
            const list = grants.get(l.keyId) ?? [];
            list.push({ at: clock.now(), tokens });
            grants.set(l.keyId, list);
            open.push({ lease: l, tokens });
            // Requests: any window-plus-margin interval holds at most REQUESTS grants.
            const recent = list.filter((g) => g.at > clock.now() - WINDOW - MARGIN);
            expect(recent.length).toBeLessThanOrEqual(REQUESTS);
            // Tokens: reserved plus reported within the interval stay under the limit.
            expect(recent.reduce((s, g) => s + g.tokens.n, 0)).toBeLessThanOrEqual(TOKENS);
            const inFlight = open.filter(
              (o) => o.lease.keyId === l.keyId && !ended.includes(o.lease.leaseId) && clock.now() < o.lease.expiresAt,
            );
            expect(inFlight.length).toBeLessThanOrEqual(CONCURRENT);
          } else if (c.kind === "report") {
            const live = open.filter((o) => !ended.includes(o.lease.leaseId));
            const target = live[c.pick % Math.max(1, live.length)];
            if (target === undefined) continue;
            const expired = clock.now() >= target.lease.expiresAt;
            endedAt.set(target.lease.leaseId, Math.min(clock.now(), target.lease.expiresAt));
            ended.push(target.lease.leaseId);
            const report = () => pool.report(target.lease.leaseId, { outcome: c.outcome, promptTokens: c.tokens, retryAfterMs: c.retryAfterMs });
            if (!remembered(target.lease.leaseId)) {
              // Expired too long ago to be remembered: unknown, and nothing changes.
              await expect(report()).rejects.toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
              continue;
            }
            const res = await report();
            if (!res.alreadyReported && !(c.outcome === "success" && c.tokens === 0)) target.tokens.n = c.tokens;
            expect(res.alreadyReported).toBe(expired);
          } else if (c.kind === "again") {
            const done = ended[c.pick % Math.max(1, ended.length)];
            if (done === undefined) continue;
            const before = usageOf();
            if (remembered(done)) expect((await pool.report(done, { outcome: "unauthorized" })).alreadyReported).toBe(true);
            else await expect(pool.report(done, { outcome: "unauthorized" })).rejects.toThrow(expect.objectContaining({ code: "NOT_FOUND" }));
            expect(usageOf()).toEqual(before);
          } else {
            clock.advance(c.ms);
          }
          for (const k of pool.keys()) {
            expect(k.key.inFlight).toBeGreaterThanOrEqual(0);
            if (k.state === "cooling_down" || k.state === "exhausted") expect(healthLeasable(keyState(k.key.id)!.key.health, clock.now())).toBe(false);
          }
          // Every lease is open exactly until it is reported or its TTL runs out.
          const live = open.filter((o) => !ended.includes(o.lease.leaseId) && clock.now() < o.lease.expiresAt);
          expect(pool.openLeaseCount()).toBe(live.length);
        }
      }),
      { numRuns: fuzzRuns(300) },
    );
  });
});

