import fc from "fast-check";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings, type PoolConfig, type PoolSettings } from "../../src/config/types.js";
import { KEY_ACTIONS, type KeyAction } from "../../src/pool/key-action.js";
import type { LeasePool } from "../../src/pool/lease-pool.js";
import type { Lease } from "../../src/pool/types.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import type { RedisLeasePool } from "../../src/store/redis/redis-lease-pool.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";
import { redisPool } from "../support/redis-pool.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { reportCommand, type ReportCommand } from "../support/report-command.js";

/**
 * The memory store and the Redis store, side by side on the same long random
 * histories (acquisitions of every size, reports with every outcome, second
 * reports, time passing, leases expiring, operators' actions, reloads that
 * change limits, weights and the enabled flag): every decision must be the
 * same, which key or the same refusal with the same retry delay, and so must
 * each key's state and counts at the end.
 */

const settings: PoolSettings = {
  ...defaultSettings,
  backoffInitialMs: 100,
  backoffMaxMs: 2_000,
  quotaCooldownMs: 3_000,
  unauthorizedRecheckMs: 1_500,
  unauthorizedHoldMs: 400,
  serverErrorThreshold: 2,
  serverErrorCooldownMs: 500,
  maxKeyActionsPerClient: 3,
};

function keys(variant: number): TestKey[] {
  const burst = { kind: "requests" as const, limit: variant === 0 ? 3 : 2, perMs: 1_000 };
  const slow = { kind: "requests" as const, limit: 6, perMs: 5_000 };
  return [
    // In variant 1 a 401 on "a" waits for the sidecar's recheck instead of a caller's probe lease.
    { id: "a", secret: "sk-test-equiv-aaaa", tpm: 600, windows: [burst], maxConcurrent: 2, ...(variant === 1 ? { probe: true } : {}) },
    { id: "b", secret: "sk-test-equiv-bbbb", weight: variant === 0 ? 2 : 1, windows: [burst, slow] },
    { id: "c", secret: "sk-test-equiv-cccc", rpm: 8, models: ["m1"], windows: [{ kind: "tokens", limit: 400, perMs: 1_000 }] },
    { id: "d", secret: "sk-test-equiv-dddd", windows: [burst], maxConcurrent: 1, enabled: variant !== 2 },
  ];
}

const config = (variant: number): PoolConfig => poolConfig({ openai: keys(variant) }, settings);

type Command =
  | { kind: "acquire"; tokens: number; ttlMs: number; model: string }
  | (ReportCommand & { again: boolean; admin: boolean; client: string })
  | { kind: "advance"; ms: number }
  | { kind: "action"; key: string; action: KeyAction }
  | { kind: "reload"; variant: number }
  | { kind: "recheck"; key: string; verdict: "valid" | "invalid" | "unchecked" };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("acquire" as const),
      tokens: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 300 }), fc.constant(700)),
      ttlMs: fc.constantFrom(300, 2_000, 60_000),
      model: fc.constantFrom("", "", "m1", "m2"),
    }),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(reportCommand(fc.constantFrom(0, 0, 200, 1_000, 5_000)), fc.boolean(), fc.boolean(), fc.constantFrom("app1", "app2", ""))
      .map(([r, again, admin, client]) => ({ ...r, again: again && r.pick % 5 === 0, admin, client })),
  },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constantFrom(1_000, 1_050, 2_000, 5_250, 61_000)) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("action" as const), key: fc.constantFrom("a", "b", "c", "d", "x"), action: fc.constantFrom(...KEY_ACTIONS) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reload" as const), variant: fc.integer({ min: 0, max: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("recheck" as const), key: fc.constantFrom("a", "b"), verdict: fc.constantFrom("valid" as const, "invalid" as const, "unchecked" as const) }) },
);

/** What a call came to, in terms both stores must agree on. */
async function decision<T>(work: Promise<T>, pick: (v: T) => unknown): Promise<unknown> {
  try {
    return { ok: pick(await work) };
  } catch (err) {
    const e = err as { code?: string; reason?: string; retryAfterMs?: number; message?: string };
    return { code: e.code, reason: e.reason, retryAfterMs: e.retryAfterMs, message: e.message };
  }
}

const seen = { rechecks: 0, runs: 0, commands: 0, grants: 0, refusals: 0, reports: 0, expired: 0, reloads: 0, actions: 0, disabledRefusals: 0 };

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.close();
});

async function runHistory(commands: readonly Command[]): Promise<void> {
  const clock = new ManualClock();
  const memory = new MemoryLeasePool({ clock });
  memory.applyConfig(config(0));
  const redis: RedisLeasePool = await redisPool(server, clock, config(0));
  const open: [Lease, Lease][] = [];
  const ended: [Lease, Lease][] = [];
  try {
    for (const [i, c] of commands.entries()) {
      seen.commands += 1;
      const at = `command ${i} ${JSON.stringify(c)}`;
      if (process.env.EQUIV_REPLAY !== undefined) {
        const hb = (p: LeasePool) => [...p.keys()].filter((k) => k.key.id === "b").map((k) => JSON.stringify({ ...k.key.health, reason: undefined }))[0];
        (await import("node:fs")).appendFileSync(`${tmpdir()}/keypool-equivalence-trace.txt`, `${i} ${JSON.stringify(c)}\n  M ${hb(memory)}\n  R ${hb(redis)}\n`);
      }
      switch (c.kind) {
        case "acquire": {
          const req = { provider: "openai", estimatedTokens: c.tokens, leaseTtlMs: c.ttlMs, model: c.model };
          const leases: Lease[] = [];
          const both = await Promise.all(
            [memory, redis].map((p: LeasePool) =>
              decision(p.acquire(req), (l) => {
                leases.push(l);
                return l.keyId;
              }),
            ),
          );
          expect(both[1], at).toEqual(both[0]);
          if (leases.length === 2) {
            open.push([leases[0]!, leases[1]!]);
            seen.grants += 1;
          } else {
            seen.refusals += 1;
            if ((both[0] as { reason?: string }).reason === "ALL_KEYS_DISABLED") seen.disabledRefusals += 1;
          }
          break;
        }
        case "report": {
          const from = c.again && ended.length > 0 ? ended : open;
          if (from.length === 0) break;
          const idx = c.pick % from.length;
          const pair = from[idx]!;
          if (from === open) {
            open.splice(idx, 1);
            ended.push(pair);
          }
          const report = { outcome: c.outcome, promptTokens: c.tokens, completionTokens: 0, retryAfterMs: c.retryAfterMs === 0 ? undefined : c.retryAfterMs };
          const rights = { trusted: false, admin: c.admin };
          const both = [
            await decision(memory.report(pair[0].leaseId, report, "", rights), (r) => [r.keyId, r.keyState, r.alreadyReported]),
            await decision(redis.report(pair[1].leaseId, report, "", rights), (r) => [r.keyId, r.keyState, r.alreadyReported]),
          ];
          expect(both[1], at).toEqual(both[0]);
          seen.reports += 1;
          break;
        }
        case "advance":
          clock.advance(c.ms);
          // Leases past their TTL end by time: the memory store's timer has fired, the Redis store finds them on its next step.
          for (let j = open.length - 1; j >= 0; j--) {
            if (open[j]![0].expiresAt <= clock.now()) {
              ended.push(...open.splice(j, 1));
              seen.expired += 1;
            }
          }
          break;
        case "action": {
          const both = [
            await decision(memory.setKeyState("openai", c.key, c.action, "", "ops"), (r) => [r.from, r.to, r.changed]),
            await decision(redis.setKeyState("openai", c.key, c.action, "", "ops"), (r) => [r.from, r.to, r.changed]),
          ];
          expect(both[1], at).toEqual(both[0]);
          seen.actions += 1;
          break;
        }
        case "recheck": {
          const both = [
            await decision(memory.recheckKey("openai", c.key, c.verdict, "checked"), (r) => [r.from, r.to, r.changed]),
            await decision(redis.recheckKey("openai", c.key, c.verdict, "checked"), (r) => [r.from, r.to, r.changed]),
          ];
          expect(both[1], at).toEqual(both[0]);
          seen.rechecks += 1;
          break;
        }
        case "reload": {
          const m = memory.applyConfig(config(c.variant));
          const r = redis.applyConfig(config(c.variant));
          await redis.ready();
          expect({ ...r, generation: 0 }, at).toEqual({ ...m, generation: 0 });
          seen.reloads += 1;
          break;
        }
      }
    }
    await redis.refreshViews();
    const now = clock.now();
    const view = (p: LeasePool) =>
      p.snapshot().providers[0]!.keys.map((k) => [k.keyId, k.state, k.inFlight, k.requestsInWindow, k.tokensInWindow, k.requestsTotal, k.expiredLeasesTotal, k.successesTotal, k.rateLimitedTotal, k.errorsTotal]);
    expect(view(redis), `snapshot at ${now}`).toEqual(view(memory));
  } finally {
    memory.close();
    await redis.quit();
  }
}

describe("the Redis store decides as the memory store does", () => {
  it("on long random histories: the same key or the same refusal, the same report answers, the same counts at the end", async () => {
    // EQUIV_REPLAY=file replays one saved history instead (a failure is saved to the temp directory),
    // tracing key b's health in both stores after each command.
    if (process.env.EQUIV_REPLAY !== undefined) {
      const { readFileSync } = await import("node:fs");
      return runHistory(JSON.parse(readFileSync(process.env.EQUIV_REPLAY, "utf8")) as Command[]);
    }
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 200, maxLength: 400 }), async (commands) => {
        seen.runs += 1;
        if (process.env.EQUIV_TRACE !== undefined) (await import("node:fs")).writeFileSync(`${tmpdir()}/keypool-equivalence-current.json`, JSON.stringify(commands));
        try {
          await runHistory(commands);
        } catch (err) {
          // The last one written is the shrunk counterexample: EQUIV_REPLAY=that file replays it with each step's health.
          const { writeFileSync } = await import("node:fs");
          writeFileSync(`${tmpdir()}/keypool-equivalence-failure.json`, JSON.stringify(commands));
          throw err;
        }
      }),
      { numRuns: fuzzRuns(Number(process.env.EQUIV_RUNS ?? 25)), endOnFailure: process.env.EQUIV_SHRINK === undefined },
    );
    console.log(`equivalence: ${JSON.stringify(seen)}`);
    // The histories must have reached the interesting cases, or the comparison proves little.
    expect(seen.commands).toBeGreaterThan(5_000);
    expect(seen.grants).toBeGreaterThan(500);
    expect(seen.refusals).toBeGreaterThan(100);
    expect(seen.expired).toBeGreaterThan(10);
    expect(seen.disabledRefusals).toBeGreaterThan(0);
  }, 600_000);
});
