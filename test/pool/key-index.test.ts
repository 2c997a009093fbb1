import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PoolSettings } from "../../src/config/types.js";
import { KeypoolError } from "../../src/protocol/keypool-error.js";
import { ManualClock } from "../support/manual-clock.js";
import { chooseKey } from "../support/choose-key.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { outcomes, type Outcome } from "../../src/protocol/outcome.js";
import type { Lease } from "../../src/pool/types.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

/**
 * The pool finds its key through KeyIndex; chooseKey, the linear scan over
 * every key, is the definition. Random histories of leases, reports (429s
 * with and without Retry-After, 401s, quota, server errors), second reports,
 * expiries, clock moves (whole, fractional, across window edges) and reloads
 * (keys added, removed, re-keyed, reweighted, relimited, disabled, model
 * lists changed, margins changed, keys moved into and out of a shared scope
 * with its own and per-model limits), and answers whose rate-limit headers
 * teach limits and budgets, must give the same key at every acquisition.
 */

const IDS = ["a", "b", "c", "d", "e", "f", "g"] as const;
const MODELS = ["m1", "m2"] as const;

interface KeySpec {
  id: string;
  rekey: boolean;
  weight: number;
  rpm: number | undefined;
  tpm: number | undefined;
  rpd: number | undefined;
  maxConcurrent: number | undefined;
  models: string[] | undefined;
  enabled: boolean;
  window: { kind: "requests" | "tokens"; limit: number; perMs: number } | undefined;
  inScope: boolean;
  m1Rpm: number | undefined;
}

interface ConfigSpec {
  scope: { rpm: number | undefined; m2Rpm: number | undefined } | undefined;
  p: KeySpec[];
  q: KeySpec[] | undefined;
  margin: number;
  marginMax: number;
}

const keySpec: fc.Arbitrary<KeySpec> = fc.record({
  id: fc.constantFrom(...IDS),
  rekey: fc.constantFrom(false, false, false, false, true),
  weight: fc.constantFrom(1, 1, 2, 3, 0.5, 0.3),
  rpm: fc.constantFrom(undefined, undefined, 1, 2, 3, 5),
  tpm: fc.constantFrom(undefined, undefined, 300, 800),
  rpd: fc.constantFrom(undefined, undefined, 4, 8),
  maxConcurrent: fc.constantFrom(undefined, undefined, 1, 2),
  models: fc.constantFrom(undefined, undefined, ["m1"], ["m2"], ["m1", "m2"], ["m2", "m2"], []),
  enabled: fc.constantFrom(true, true, true, true, false),
  window: fc.constantFrom(
    undefined,
    undefined,
    { kind: "requests" as const, limit: 2, perMs: 1_000 },
    { kind: "requests" as const, limit: 3, perMs: 7_000 },
    { kind: "tokens" as const, limit: 500, perMs: 2_500 },
  ),
  inScope: fc.boolean(),
  m1Rpm: fc.constantFrom(undefined, undefined, 1, 2),
});

const configSpec: fc.Arbitrary<ConfigSpec> = fc.record({
  scope: fc.option(fc.record({ rpm: fc.constantFrom(undefined, 2, 3, 4), m2Rpm: fc.constantFrom(undefined, 1, 2) }), { nil: undefined }),
  p: fc.uniqueArray(keySpec, { selector: (k) => k.id, minLength: 1, maxLength: IDS.length }),
  q: fc.option(fc.uniqueArray(keySpec, { selector: (k) => k.id, minLength: 1, maxLength: 3 }), { nil: undefined }),
  // Ratios whose products with the windows are not whole milliseconds probe the window edges' arithmetic.
  margin: fc.constantFrom(0.05, 0.05, 0.07, 0.013, 0),
  marginMax: fc.constantFrom(1_000, 1_000, 250, 0),
});

type Command =
  | { kind: "acquire"; provider: "p" | "q"; tokens: number; model: string; ttlMs: number }
  | { kind: "report"; pick: number; outcome: Outcome; tokens: number; retryAfterMs: number; headers: Record<string, string> | undefined }
  | { kind: "again"; pick: number }
  | { kind: "advance"; ms: number }
  | { kind: "jump"; pick: number; to: "room" | "fall" | "first" }
  | { kind: "reload"; config: ConfigSpec };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      provider: fc.constantFrom("p" as const, "p" as const, "p" as const, "q" as const),
      tokens: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 450 })),
      model: fc.constantFrom("", "", "m1", "m2", "m3"),
      ttlMs: fc.constantFrom(0, 1_000, 3_000, 20_000),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      pick: fc.nat(),
      outcome: fc.constantFrom<Outcome>("success", "success", "success", ...outcomes),
      tokens: fc.integer({ min: 0, max: 600 }),
      retryAfterMs: fc.constantFrom(0, 0, 500, 1_500, 4_000, 70_000),
      headers: fc.constantFrom(
        undefined,
        undefined,
        { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "2s" },
        { "x-ratelimit-limit-requests": "3", "x-ratelimit-remaining-requests": "1", "x-ratelimit-reset-requests": "5s" },
        { "x-ratelimit-limit-tokens": "900", "x-ratelimit-remaining-tokens": "400", "x-ratelimit-reset-tokens": "1.5s" },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("again" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.oneof(
        fc.integer({ min: 1, max: 1_500 }),
        fc.integer({ min: 2_000, max: 70_000 }),
        fc.constantFrom(50, 61_000, 60_999, 1_049, 1_050, 1_070),
        fc.double({ min: 0.001, max: 40, noNaN: true }),
      ),
    }),
  },
  // To the exact moment a key has room again or its load falls, where an index that is late by any amount differs.
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("jump" as const), pick: fc.nat(), to: fc.constantFrom("room" as const, "fall" as const, "first" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reload" as const), config: configSpec }) },
);

function testKeys(provider: string, specs: readonly KeySpec[], scoped: boolean): TestKey[] {
  return specs.map((k) => ({
    ...(scoped && k.inScope ? { scope: "s" } : {}),
    ...(k.m1Rpm === undefined ? {} : { modelLimits: { m1: { rpm: k.m1Rpm, tpm: undefined, rpd: undefined } } }),
    id: k.id,
    secret: `sk-test-${provider}${k.id}${k.rekey ? "-new" : "-old"}`,
    weight: k.weight,
    rpm: k.rpm,
    tpm: k.tpm,
    rpd: k.rpd,
    maxConcurrent: k.maxConcurrent,
    models: k.models,
    enabled: k.enabled,
    windows: k.window === undefined ? [] : [k.window],
  }));
}

function buildConfig(spec: ConfigSpec) {
  const settings: Partial<PoolSettings> = {
    leaseTtlMs: 8_000,
    maxLeaseTtlMs: 60_000,
    windowMarginRatio: spec.margin,
    windowMarginMaxMs: spec.marginMax,
    backoffInitialMs: 700,
    backoffMaxMs: 6_000,
    quotaCooldownMs: 9_000,
    unauthorizedRecheckMs: 5_000,
    serverErrorThreshold: 2,
    serverErrorCooldownMs: 3_000,
  };
  const providers: Record<string, TestKey[]> = { p: testKeys("p", spec.p, spec.scope !== undefined) };
  if (spec.q !== undefined) providers.q = testKeys("q", spec.q, false);
  const config = poolConfig(providers, settings);
  const p = config.providers.get("p");
  if (spec.scope === undefined || p === undefined) return config;
  const scope = { name: "s", rpm: spec.scope.rpm, tpm: undefined, rpd: undefined, modelLimits: spec.scope.m2Rpm === undefined ? {} : { m2: { rpm: spec.scope.m2Rpm, tpm: undefined, rpd: undefined } } };
  return { ...config, providers: new Map([...config.providers, ["p", { ...p, scopes: { s: scope } }]]) };
}

async function forgivingReport(pool: MemoryLeasePool, leaseId: string, outcome: Outcome, tokens: number, retryAfterMs: number, headers?: Record<string, string>) {
  try {
    const res = await pool.report(leaseId, { outcome, promptTokens: tokens, retryAfterMs, answer: headers === undefined ? undefined : { headers } });
    return res.alreadyReported ? "alreadyReported" : "reported";
  } catch (err) {
    expect(err).toMatchObject({ code: "NOT_FOUND" });
    return "forgotten";
  }
}

/** What the runs exercised, so that a generator that stopped reaching the interesting cases shows. */
const seen = { jumps: 0, granted: 0, refused: 0, loadDecided: 0, reloads: 0, expired: 0, scopeLimited: 0, learnedHeld: 0 };

describe("KeyIndex against chooseKey (property)", () => {
  it("the index picks exactly the key the linear scan picks, at every acquisition", async () => {
    await fc.assert(
      fc.asyncProperty(configSpec, fc.array(command, { minLength: 1, maxLength: 200, size: "max" }), async (initial, commands) => {
        const clock = new ManualClock();
        const pool = new MemoryLeasePool({ clock });
        let config = buildConfig(initial);
        pool.applyConfig(config);
        const open: Lease[] = [];
        const ended: string[] = [];

        for (const c of commands) {
          if (c.kind === "acquire") {
            const now = clock.now();
            const keys = [...pool.keys()].filter((k) => k.provider === c.provider).map((k) => k.key);
            const expected = chooseKey(keys, (k) => k.canServe(c.tokens, c.model, now), now);
            const ownRoom = (k: (typeof keys)[number]) => k.quota.roomAt(c.tokens, c.model, now);
            if (keys.some((k) => k.scope !== undefined && k.scope.roomAt(c.tokens, c.model, now) > now && ownRoom(k) === now)) seen.scopeLimited += 1;
            if (keys.some((k) => k.quota.learned.length > 0 && ownRoom(k) > now)) seen.learnedHeld += 1;
            const got = await pool
              .acquire({ provider: c.provider, estimatedTokens: c.tokens, model: c.model, leaseTtlMs: c.ttlMs })
              .catch((e: unknown) => e);
            if (!config.providers.has(c.provider)) {
              expect(got).toMatchObject({ code: "NOT_FOUND" });
              continue;
            }
            if (expected === undefined) {
              expect(got).toBeInstanceOf(KeypoolError);
              expect(["RESOURCE_EXHAUSTED", "FAILED_PRECONDITION"]).toContain((got as KeypoolError).code);
              seen.refused += 1;
              continue;
            }
            expect(got).not.toBeInstanceOf(Error);
            const lease = got as Lease;
            expect(lease.keyId).toBe(expected.id);
            seen.granted += 1;
            if (keys.some((k) => k !== expected && k.lastUsedSeq < expected.lastUsedSeq)) seen.loadDecided += 1;
            open.push(lease);
          } else if (c.kind === "report") {
            const live = open.filter((l) => !ended.includes(l.leaseId));
            const target = live[c.pick % Math.max(1, live.length)];
            if (target === undefined) continue;
            ended.push(target.leaseId);
            // A lease that expired long ago may be forgotten: NOT_FOUND, which changes nothing either.
            const res = await forgivingReport(pool, target.leaseId, c.outcome, c.tokens, c.retryAfterMs, c.headers);
            if (res !== "alreadyReported") continue;
            seen.expired += 1;
          } else if (c.kind === "again") {
            const done = ended[c.pick % Math.max(1, ended.length)];
            if (done !== undefined) expect(await forgivingReport(pool, done, "unauthorized", 0, 0)).not.toBe("reported");
          } else if (c.kind === "advance") {
            clock.advance(c.ms);
          } else if (c.kind === "jump") {
            const keys = [...pool.keys()].map((k) => k.key);
            const key = keys[c.pick % Math.max(1, keys.length)];
            if (key === undefined) continue;
            const now = clock.now();
            // Timestamps this close differ exactly, so now + ms lands on the very moment.
            const waits = keys.map((k) => k.waitFor(0, "", now)).filter((w) => w > 0);
            const ms = c.to === "room" ? key.waitFor(0, "", now) : c.to === "fall" ? key.usage.leavesAt(0) - now : Math.min(...waits);
            if (Number.isFinite(ms) && ms > 0) {
              clock.advance(ms);
              seen.jumps += 1;
            }
          } else {
            config = buildConfig(c.config);
            pool.applyConfig(config);
            seen.reloads += 1;
          }
        }
        pool.close();
      }),
      { numRuns: fuzzRuns(250) },
    );
    expect(seen.granted).toBeGreaterThan(1_000);
    expect(seen.refused).toBeGreaterThan(100);
    expect(seen.loadDecided).toBeGreaterThan(100);
    expect(seen.reloads).toBeGreaterThan(50);
    expect(seen.expired).toBeGreaterThan(10);
    expect(seen.jumps).toBeGreaterThan(500);
    expect(seen.scopeLimited).toBeGreaterThan(100);
    expect(seen.learnedHeld).toBeGreaterThan(100);
  });
});
