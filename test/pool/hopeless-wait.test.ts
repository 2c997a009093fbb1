import { describe, expect, it } from "vitest";
import { KeypoolError } from "../../src/protocol/keypool-error.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig, type TestKey } from "../support/pool-config.js";

/**
 * An acquisition that time alone cannot serve within its max_wait, with no
 * open lease whose report could free a key sooner, is refused at once with
 * the retry delay rather than queued for its whole wait: the clock never
 * moves in these tests, so a queued one would stay pending.
 */
function setup(keys: TestKey[]) {
  const clock = new ManualClock();
  const events: PoolEvent[] = [];
  const pool = new MemoryLeasePool({ clock, onEvent: (e) => events.push(e) });
  pool.applyConfig(poolConfig({ openai: keys }));
  return { clock, pool, events };
}

/** Settles within the current turn of the event loop's microtasks and one macrotask, or says "pending". */
async function settledNow(p: Promise<unknown>): Promise<unknown> {
  return Promise.race([p.then((v) => v, (e: unknown) => e), new Promise((r) => setTimeout(() => r("pending"), 20))]);
}

describe("a wait that cannot end in a lease", () => {
  it("is refused at once, with the time-alone retry delay, when every key is at its window and no lease is open", async () => {
    const { pool } = setup(fakeKeys(2, { rpm: 1 }));
    for (let i = 0; i < 2; i++) await pool.report((await pool.acquire({ provider: "openai" })).leaseId, { outcome: "success" });
    const err = await settledNow(pool.acquire({ provider: "openai", maxWaitMs: 5_000 }));
    expect(err).toBeInstanceOf(KeypoolError);
    expect((err as KeypoolError).code).toBe("RESOURCE_EXHAUSTED");
    expect((err as KeypoolError).retryAfterMs).toBeGreaterThan(5_000);
    expect(pool.waitingCount("openai")).toBe(0);
  });

  it("waits when the window frees a key within max_wait, and gets it when the time comes", async () => {
    const { pool, clock } = setup(fakeKeys(1, { windows: [{ kind: "requests", limit: 1, perMs: 10_000 }] }));
    await pool.report((await pool.acquire({ provider: "openai" })).leaseId, { outcome: "success" });
    const waiting = pool.acquire({ provider: "openai", maxWaitMs: 30_000 });
    expect(await settledNow(waiting)).toBe("pending");
    expect(pool.waitingCount("openai")).toBe(1);
    clock.advance(11_000);
    expect((await waiting).keyId).toBe("k1");
  });

  it("waits when an open lease's report could free a key sooner than time, and gets the key from that report", async () => {
    const { pool } = setup(fakeKeys(1, { maxConcurrent: 1, windows: [{ kind: "requests", limit: 5, perMs: 600_000 }] }));
    const open = await pool.acquire({ provider: "openai" });
    const waiting = pool.acquire({ provider: "openai", maxWaitMs: 5_000 });
    expect(await settledNow(waiting)).toBe("pending");
    await pool.report(open.leaseId, { outcome: "success" });
    expect((await waiting).keyId).toBe("k1");
  });
  it("is refused at once despite an open lease when the key's limits count requests only: its report frees nothing", async () => {
    const { pool } = setup(fakeKeys(1, { rpm: 1 }));
    await pool.acquire({ provider: "openai" });
    const err = await settledNow(pool.acquire({ provider: "openai", maxWaitMs: 5_000 }));
    expect((err as KeypoolError).code).toBe("RESOURCE_EXHAUSTED");
  });

  it("waits when an open lease holds a token estimate its report could settle lower", async () => {
    const { pool } = setup(fakeKeys(1, { tpm: 1_000 }));
    const open = await pool.acquire({ provider: "openai", estimatedTokens: 900 });
    const waiting = pool.acquire({ provider: "openai", maxWaitMs: 5_000, estimatedTokens: 500 });
    expect(await settledNow(waiting)).toBe("pending");
    await pool.report(open.leaseId, { outcome: "success", promptTokens: 100, completionTokens: 50 });
    expect((await waiting).keyId).toBe("k1");
  });
});
