import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultSettings, type PoolSettings } from "../../src/config/types.js";
import { healthLeasable, healthState } from "../../src/pool/key-health.js";
import { expireKey, grantKey, keyStateAt, settleKey, type KeyActionGate } from "../../src/pool/key-transitions.js";
import { PooledKey } from "../../src/pool/pooled-key.js";
import type { Charge } from "../../src/pool/quota.js";
import { chooseKey } from "../support/choose-key.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { testKey } from "../support/pool-config.js";
import { reportCommand, type ReportCommand } from "../support/report-command.js";

/**
 * The policy's pure parts (health as data, the grant/settle/expire
 * transitions, eligibility and "when can it serve again") driven directly on
 * long random histories, with time as a plain number: the invariants of the
 * design guide hold at every step, checked against a ledger kept apart from
 * the key state.
 */

const WINDOW = 1_000;
const SPAN = WINDOW + 50; // the window plus its margin (5% of it)
const MINUTE_SPAN = 60_000 + 1_000;
const REQUESTS = 3;
const TOKENS = 500;
const CONCURRENT = 2;

const settings: PoolSettings = {
  ...defaultSettings,
  backoffInitialMs: 100,
  backoffMaxMs: 2_000,
  quotaCooldownMs: 3_000,
  unauthorizedRecheckMs: 1_500,
  serverErrorThreshold: 2,
  serverErrorCooldownMs: 500,
};

/** Reports here come from the operator, whose key actions are not budgeted: the gate is never asked. */
const NO_BUDGET: KeyActionGate = {
  spend: () => {
    throw new Error("an unbudgeted report spent a key action");
  },
};

type Command =
  | { kind: "acquire"; tokens: number; ttlMs: number }
  | ReportCommand
  | { kind: "advance"; ms: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      tokens: fc.integer({ min: 0, max: 300 }),
      ttlMs: fc.constantFrom(300, 2_000, 60_000),
    }),
  },
  { weight: 4, arbitrary: reportCommand(fc.constantFrom(0, 0, 200, 1_000)) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constantFrom(WINDOW, SPAN - 1, SPAN, 5_000)),
    }),
  },
);

interface Grant {
  readonly key: PooledKey;
  readonly leaseId: string;
  readonly at: number;
  readonly expiresAt: number;
  readonly charges: readonly Charge[];
  tokens: number;
  open: boolean;
}

/** What the runs exercised, so that a generator that stopped reaching the interesting cases shows. */
const seen = { commands: 0, grants: 0, refusals: 0, capacityReturned: 0, expired: 0, cooled: 0, disabled: 0, probes: 0, weightDecided: 0 };

function freshKeys(): PooledKey[] {
  return ["a", "b", "c", "d"].map(
    (id, i) =>
      new PooledKey(
        testKey("p", {
          id,
          secret: `sk-test-policy-${id}`,
          weight: i < 2 ? 1 : 2,
          maxConcurrent: CONCURRENT,
          windows: [
            { kind: "requests", limit: REQUESTS, perMs: WINDOW },
            { kind: "tokens", limit: TOKENS, perMs: WINDOW },
          ],
        }),
        settings,
      ),
  );
}

/** What a refusal must leave as it was: what every window counts at `now`, health, leases, order of use. */
function observe(keys: readonly PooledKey[], now: number): unknown {
  return keys.map((k) => {
    k.usage.advance(now);
    return [k.usage.history().map((e) => [e.at, e.tokens]), k.health, k.inFlight, k.lastUsedSeq, keyStateAt(k, now)];
  });
}

describe("key policy invariants (property, pure functions)", () => {
  it("limits, unleasable keys, one end per lease, least-used choice and free refusals hold over long histories", () => {
    fc.assert(
      fc.property(fc.array(command, { minLength: 200, maxLength: 600 }), (commands) => {
        const keys = freshKeys();
        let now = Date.UTC(2026, 0, 1);
        let seq = 0;
        let nextLease = 0;
        const grants: Grant[] = [];
        const openOf = (k: PooledKey) => grants.filter((g) => g.key === k && g.open);

        /** Moves time to `to`, ending every lease whose TTL falls on the way, at its TTL. */
        const advanceTo = (to: number) => {
          for (const g of grants.filter((g) => g.open && g.expiresAt <= to).sort((x, y) => x.expiresAt - y.expiresAt)) {
            now = Math.max(now, g.expiresAt);
            expireKey(g.key, g.leaseId);
            g.open = false;
            seen.expired += 1;
          }
          now = Math.max(now, to);
        };

        for (const c of commands) {
          seen.commands += 1;
          if (c.kind === "acquire") {
            const chosen = chooseKey(keys, (k) => k.canServe(c.tokens, "", now), now);
            if (chosen === undefined) {
              // 5. A refusal consumes nothing, and says when capacity returns.
              const before = observe(keys, now);
              const waits = keys.map((k) => k.waitFor(c.tokens, "", now));
              expect(observe(keys, now)).toEqual(before);
              const wait = Math.min(...waits);
              expect(wait).toBeGreaterThan(0);
              seen.refusals += 1;
              const byConcurrency = keys.some((k) => k.inFlight >= CONCURRENT);
              if (Number.isFinite(wait) && !byConcurrency) {
                advanceTo(now + wait);
                if (!grants.some((g) => g.open && g.expiresAt <= now)) {
                  expect(keys.some((k) => k.canServe(c.tokens, "", now))).toBe(true);
                  seen.capacityReturned += 1;
                }
              }
              continue;
            }
            // 2. Only an active key is leased, or a disabled one whose single probe is due.
            const state = keyStateAt(chosen, now);
            expect(state === "active" || (state === "disabled" && healthLeasable(chosen.health, now))).toBe(true);
            if (state === "disabled") seen.probes += 1;
            // 4. Least requests this minute per unit of weight among the eligible, then least recently used, then smallest id.
            const load = (k: PooledKey) => grants.filter((g) => g.key === k && g.at + MINUTE_SPAN > now).length / k.config.weight;
            for (const k of keys) {
              if (k === chosen || !k.canServe(c.tokens, "", now)) continue;
              const order = load(k) - load(chosen) || k.lastUsedSeq - chosen.lastUsedSeq || (k.id < chosen.id ? -1 : 1);
              expect(order).toBeGreaterThan(0);
              if (load(k) > load(chosen) && k.config.weight !== chosen.config.weight) seen.weightDecided += 1;
            }
            const leaseId = `ls_${nextLease++}`;
            const charges = grantKey(chosen, leaseId, c.tokens, "", seq++, now);
            grants.push({ key: chosen, leaseId, at: now, expiresAt: now + c.ttlMs, charges, tokens: c.tokens, open: true });
            seen.grants += 1;
            // 1. Within every limit, as counted by the ledger: requests and tokens in any window span, open leases.
            const recent = grants.filter((g) => g.key === chosen && g.at + SPAN > now);
            expect(recent.length).toBeLessThanOrEqual(REQUESTS);
            expect(recent.reduce((s, g) => s + g.tokens, 0)).toBeLessThanOrEqual(TOKENS);
            expect(openOf(chosen).length).toBeLessThanOrEqual(CONCURRENT);
          } else if (c.kind === "report") {
            const open = grants.filter((g) => g.open);
            const target = open[c.pick % Math.max(1, open.length)];
            if (target === undefined) continue;
            settleKey(
              target.key,
              target.charges,
              {
                outcome: c.outcome,
                leaseId: target.leaseId,
                retryAfterMs: c.retryAfterMs,
                detail: "",
                promptTokens: c.tokens,
                completionTokens: 0,
                latencyMs: undefined,
                by: "operator",
                confirms: true,
                quorum: 1,
                budgeted: false,
              },
              now,
              settings,
              NO_BUDGET,
            );
            if (!(c.outcome === "success" && c.tokens === 0)) target.tokens = c.tokens;
            target.open = false;
            const state = healthState(target.key.health, now);
            if (state === "cooling_down" || state === "exhausted") seen.cooled += 1;
            if (state === "disabled") seen.disabled += 1;
          } else {
            advanceTo(now + c.ms);
          }
          for (const k of keys) {
            // 3. Every lease ends once: open counts match the ledger and never go negative.
            expect(k.inFlight).toBe(openOf(k).length);
            expect(k.inFlight).toBeGreaterThanOrEqual(0);
            // 2. A cooling-down or exhausted key can serve nothing.
            const s = keyStateAt(k, now);
            if (s === "cooling_down" || s === "exhausted") {
              expect(healthLeasable(k.health, now)).toBe(false);
              expect(k.canServe(0, "", now)).toBe(false);
            }
          }
        }
      }),
      // Shrinking histories this long takes minutes; the seed and the full history are enough to replay one.
      { numRuns: fuzzRuns(60), endOnFailure: true },
    );
    // Long histories reach every case that matters.
    expect(seen.commands).toBeGreaterThanOrEqual(200 * fuzzRuns(60));
    for (const [what, n] of Object.entries(seen)) expect(n, what).toBeGreaterThan(0);
  });
});
