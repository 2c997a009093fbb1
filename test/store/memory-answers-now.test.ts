import { describe, expect, it } from "vitest";
import { KeypoolError } from "../../src/protocol/keypool-error.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

function setup() {
  const clock = new ManualClock();
  const pool = new MemoryLeasePool({ clock });
  // One key, one request at a time: the second acquisition must refuse or wait.
  pool.applyConfig(poolConfig({ openai: fakeKeys(1, { maxConcurrent: 1 }) }));
  return { clock, pool };
}

function thrown(fn: () => unknown): KeypoolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(KeypoolError);
    return err as KeypoolError;
  }
  throw new Error("expected a thrown refusal");
}

describe("the memory store's synchronous answers", () => {
  it("grants, refuses and reports at once, and answers with a promise only for a request that waits", async () => {
    const { pool } = setup();
    const lease = pool.acquireNow({ provider: "openai", owner: "a" });
    expect(lease).not.toBeInstanceOf(Promise);
    const { leaseId, keyId } = lease as { leaseId: string; keyId: string };
    expect(keyId).toBe("k1");

    // Busy and no wait allowed: refused now, with the delay, not through a rejected promise.
    const refused = thrown(() => pool.acquireNow({ provider: "openai", owner: "a" }));
    expect(refused.code).toBe("RESOURCE_EXHAUSTED");
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(thrown(() => pool.acquireNow({ provider: "nope" })).code).toBe("NOT_FOUND");

    const waiting = pool.acquireNow({ provider: "openai", owner: "a", maxWaitMs: 5_000 });
    expect(waiting).toBeInstanceOf(Promise);

    const result = pool.reportNow(leaseId, { outcome: "success", promptTokens: 3, completionTokens: 4 }, "a");
    expect(result).toMatchObject({ keyId: "k1", keyState: "active", alreadyReported: false, outcome: "success" });
    // The report freed the key: the waiting acquisition has it.
    expect((await waiting).keyId).toBe("k1");
    expect(pool.reportNow(leaseId, { outcome: "success" }, "a").alreadyReported).toBe(true);
    expect(thrown(() => pool.reportNow("ls_unknown", { outcome: "success" }, "a")).code).toBe("NOT_FOUND");
    pool.close();
  });

  it("acquire and report give the same answers as promises", async () => {
    const { pool } = setup();
    const lease = await pool.acquire({ provider: "openai" });
    await expect(pool.acquire({ provider: "openai" })).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    await expect(pool.report(lease.leaseId, { outcome: "success" })).resolves.toMatchObject({ keyId: "k1", alreadyReported: false });
    await expect(pool.report("ls_unknown", { outcome: "success" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    pool.close();
  });
});
