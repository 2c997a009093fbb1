import { describe, expect, it } from "vitest";
import { clientUsage } from "../../src/pool/client-usage.js";
import { snapshotToJson } from "../../src/pool/stats-json.js";
import { snapshotFromProto, snapshotToProto } from "../../src/grpc/stats-messages.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ManualClock } from "../support/manual-clock.js";
import { poolConfig } from "../support/pool-config.js";

describe("who uses the pool: open leases and waiters per client", () => {
  it("counts per (client, declared id), most open leases first, then most waiting, then by name", () => {
    const r = (owner: string, clientId = "") => ({ owner, clientId });
    expect(clientUsage([r("b"), r("a", "job-1"), r("b"), r("a", "job-2")], [r("c"), r("a", "job-1"), r("c")])).toEqual([
      { client: "b", clientId: "", openLeases: 2, waiting: 0 },
      { client: "a", clientId: "job-1", openLeases: 1, waiting: 1 },
      { client: "a", clientId: "job-2", openLeases: 1, waiting: 0 },
      { client: "c", clientId: "", openLeases: 0, waiting: 2 },
    ]);
    expect(clientUsage([], [])).toEqual([]);
  });

  it("a pool's snapshot lists who holds a lease and who waits, per provider, and forgets them when done", async () => {
    const clock = new ManualClock();
    const pool = new MemoryLeasePool({ clock });
    pool.applyConfig(
      poolConfig({
        openai: [{ id: "k1", secret: "sk-test-clients-0001", maxConcurrent: 1 }],
        anthropic: [{ id: "a1", secret: "sk-test-clients-0002" }],
      }),
    );
    const clients = (provider: string) => pool.snapshot().providers.find((p) => p.provider === provider)!.clients;
    const held = await pool.acquire({ provider: "openai", owner: "app", clientId: "batch-1" });
    const waiting = pool.acquire({ provider: "openai", owner: "ops", maxWaitMs: 5_000 });
    const other = await pool.acquire({ provider: "anthropic" });
    expect(clients("openai")).toEqual([
      { client: "app", clientId: "batch-1", openLeases: 1, waiting: 0 },
      { client: "ops", clientId: "", openLeases: 0, waiting: 1 },
    ]);
    expect(clients("anthropic")).toEqual([{ client: "", clientId: "", openLeases: 1, waiting: 0 }]);

    await pool.report(held.leaseId, { outcome: "success" }, "app");
    const granted = await waiting;
    expect(clients("openai")).toEqual([{ client: "ops", clientId: "", openLeases: 1, waiting: 0 }]);
    await pool.report(granted.leaseId, { outcome: "success" }, "ops");
    await pool.report(other.leaseId, { outcome: "success" });
    expect(clients("openai")).toEqual([]);
    expect(clients("anthropic")).toEqual([]);
  });

  it("travels in the JSON and the StreamStats message as names and ids, never a secret", async () => {
    const pool = new MemoryLeasePool({ clock: new ManualClock() });
    pool.applyConfig(poolConfig({ openai: [{ id: "k1", secret: "sk-test-clients-0003" }] }));
    await pool.acquire({ provider: "openai", owner: "app", clientId: "worker-7" });
    const snapshot = pool.snapshot();
    const json = JSON.stringify(snapshotToJson(snapshot));
    expect(json).toContain('"clients":[{"client":"app","client_id":"worker-7","open_leases":1,"waiting":0}]');
    expect(json).not.toContain("sk-test-clients");
    expect(snapshotFromProto(snapshotToProto(snapshot)).providers[0]!.clients).toEqual(snapshot.providers[0]!.clients);
  });
});
