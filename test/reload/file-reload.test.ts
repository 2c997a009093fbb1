import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { waitUntil } from "../support/wait-until.js";
import { keysDoc, recordReloads, renameWrite, tempDir } from "./support.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

async function start(keypool: Keypools, opts: { configFile?: string; envFile?: string; env?: Record<string, string> }) {
  const server = await keypool.start({
    configFile: opts.configFile,
    envFile: opts.envFile,
    env: opts.env ?? {},
    watchDebounceMs: 50,
  });
  return { server, client: keypool.connect(server.grpcAddress) };
}

describe("reloading from watched files", () => {
  it("swaps five keys for five others under continuous load without a failed acquisition", async ({ keypool }) => {
    const dir = tempDir();
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { keys: keysDoc(["a1", "a2", "a3", "a4", "a5"]) } }));
    const { server: s } = await start(keypool, { configFile: file });
    const oldIds = new Set(["a1", "a2", "a3", "a4", "a5"]);
    let ackAt = Infinity;
    let running = true;
    const failures: unknown[] = [];
    const leasedAfterAck: string[] = [];
    const oldLeaseReports: boolean[] = [];
    let total = 0;

    const worker = async () => {
      const c = keypool.connect(s.grpcAddress);
      while (running) {
        const askedAt = Date.now();
        try {
          const lease = await c.acquire({ provider: "openai", maxWait: durationFromMs(1_000) });
          total += 1;
          if (askedAt > ackAt) leasedAfterAck.push(lease.keyId);
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 15));
          const res = await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 3 });
          if (oldIds.has(lease.keyId)) oldLeaseReports.push(res.alreadyReported === false);
        } catch (err) {
          failures.push(err);
        }
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await waitUntil(() => total >= 20, "the workers to be leasing");
    const generation = s.pool.configGeneration;
    renameWrite(file, JSON.stringify({ openai: { keys: keysDoc(["b1", "b2", "b3", "b4", "b5"]) } }));
    await waitUntil(() => s.pool.configGeneration > generation, "the new generation");
    ackAt = Date.now();
    // Enough traffic on both sides of the swap (a failure stops the wait early, to be reported below).
    await waitUntil(() => failures.length > 0 || (total > 50 && leasedAfterAck.length > 10), "traffic after the reload", 10_000);
    running = false;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(leasedAfterAck.filter((id) => oldIds.has(id))).toEqual([]);
    expect(oldLeaseReports.length).toBeGreaterThan(0);
    expect(oldLeaseReports.every(Boolean)).toBe(true);
    // Drained keys leave once their last lease has ended.
    expect([...s.pool.keys()].map((k) => k.key.id).sort()).toEqual(["b1", "b2", "b3", "b4", "b5"]);
  });

  it("rejects invalid JSON, a schema error and a missing variable precisely, keeps serving, then picks up a valid write", async ({ keypool }) => {
    const dir = tempDir();
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { keys: keysDoc(["a1", "a2"]) } }));
    const { server: s, client } = await start(keypool, { configFile: file });
    const events = recordReloads(s);
    const bad = [
      ['{\n  "openai": { "keys": [ "sk-test-reload-x1", ] }\n}', /invalid JSON at line 2, column \d+/],
      [JSON.stringify({ openai: { keys: keysDoc(["a1"]), rpm: -1 } }), /openai\.rpm: expected a positive integer/],
      [JSON.stringify({ openai: { keys: ["${NOT_SET_ANYWHERE}"] } }), /missing environment variable NOT_SET_ANYWHERE \(at openai\.keys\[0\]\)/],
    ] as const;
    for (const [content, message] of bad) {
      const seen = events.length;
      renameWrite(file, content);
      await waitUntil(() => events.length > seen, "a reload attempt");
      const e = events[events.length - 1];
      expect(e?.result).toBe("rejected");
      expect(e?.result === "rejected" ? e.errors.join("\n") : "").toMatch(message);
      expect(JSON.stringify(e)).not.toContain("sk-test-reload");
      const lease = await client.acquire({ provider: "openai" });
      expect(["a1", "a2"]).toContain(lease.keyId);
      await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    }
    expect(s.pool.configGeneration).toBe(1);
    renameWrite(file, JSON.stringify({ openai: { keys: keysDoc(["a1", "a2", "a3"]) } }));
    await waitUntil(() => s.pool.configGeneration === 2, "the valid write");
    expect(events[events.length - 1]).toMatchObject({ result: "applied", diff: { added: ["openai/a3"] } });
  });

  it("reaches a new generation on .env edits by rename-write and in place, and on a Kubernetes-style symlink swap", async ({ keypool }) => {
    const dir = tempDir();
    // Kubernetes mounts: keypool.json -> ..data/keypool.json, ..data -> ..<timestamp>/
    const v1 = join(dir, "..2026_01");
    mkdirSync(v1);
    writeFileSync(join(v1, "keypool.json"), JSON.stringify({ openai: { keys: ["${OPENAI_API_KEYS}"] } }));
    symlinkSync("..2026_01", join(dir, "..data"));
    symlinkSync(join("..data", "keypool.json"), join(dir, "keypool.json"));
    const envFile = join(dir, ".env");
    writeFileSync(envFile, "OPENAI_API_KEYS=sk-test-reload-e1\n");
    const { server: s, client } = await start(keypool, { configFile: join(dir, "keypool.json"), envFile });
    const ids = () => [...s.pool.keys()].filter((k) => k.state !== "draining").length;
    expect(ids()).toBe(1);

    renameWrite(envFile, "OPENAI_API_KEYS=sk-test-reload-e1,sk-test-reload-e2\n");
    await waitUntil(() => s.pool.configGeneration === 2, "generation 2 after a rename-write of .env");
    expect(ids()).toBe(2);

    writeFileSync(envFile, "OPENAI_API_KEYS=sk-test-reload-e1,sk-test-reload-e2,sk-test-reload-e3\n");
    await waitUntil(() => s.pool.configGeneration === 3, "generation 3 after an in-place write of .env");
    expect(ids()).toBe(3);

    const v2 = join(dir, "..2026_02");
    mkdirSync(v2);
    writeFileSync(join(v2, "keypool.json"), JSON.stringify({ openai: { rpm: 7, keys: ["${OPENAI_API_KEYS}"] } }));
    symlinkSync("..2026_02", join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    await waitUntil(() => s.pool.configGeneration === 4, "generation 4 after the symlink swap");
    expect([...s.pool.keys()].every((k) => k.key.config.rpm === 7)).toBe(true);
    const lease = await client.acquire({ provider: "openai" });
    expect(lease.apiKey).toMatch(/^sk-test-reload-e\d$/);
  });

  it("a key keeps its cooldown, windows and counters across an unrelated change", async ({ keypool }) => {
    const dir = tempDir();
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { rpm: 100, keys: keysDoc(["a1", "a2"]) } }));
    const { server: s, client } = await start(keypool, { configFile: file });
    for (let i = 0; i < 4; i++) {
      const l = await client.acquire({ provider: "openai" });
      await client.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 10, completionTokens: 5 });
    }
    const l = await client.acquire({ provider: "openai" });
    await client.report({ leaseId: l.leaseId, httpStatus: 429, retryAfter: durationFromMs(60_000) });
    const before = [...s.pool.keys()].find((k) => k.key.id === l.keyId)?.key;
    const snapshot = { ...before?.counters, minute: before?.requestsThisMinute(Date.now()) };
    renameWrite(file, JSON.stringify({ openai: { rpm: 100, keys: keysDoc(["a1", "a2", "a3"]) }, google: { keys: ["sk-test-reload-g1"] } }));
    await waitUntil(() => s.pool.configGeneration === 2, "the unrelated change");
    const after = [...s.pool.keys()].find((k) => k.key.id === l.keyId);
    expect(after?.key).toBe(before);
    expect(after?.state).toBe("cooling_down");
    expect({ ...after?.key.counters, minute: after?.key.requestsThisMinute(Date.now()) }).toEqual(snapshot);
    expect(snapshot.minute).toBe(3);
    // The new key starts empty and takes the load.
    expect((await client.acquire({ provider: "openai" })).keyId).toBe("a3");
  });
});
