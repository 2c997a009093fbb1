import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outcome, StatsHistoryMarkerKind, type GetStatsHistoryResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { TestClient } from "../support/grpc-client.js";
import { unpack } from "../../src/telemetry/history/history-wire.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startCli, type RunningCli } from "../support/run-cli.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Two real `keypool serve` processes over one real redis-server: the
 * statistics history read from either (GetStatsHistory, /v1/stats/history)
 * is the fleet's, traffic through both summed; a sidecar that restarts
 * shows as a start marker of a new sidecar, and what it served before is
 * still there. No secret in the store or any answer.
 */

const PREFIX = "fleet-history:";
const SECRETS = ["sk-test-fleethist-0001", "sk-test-fleethist-0002", "sk-test-fleethist-0003"];

let redis: RedisServer;
let dir: string;
const running: RunningCli[] = [];

interface Sidecar {
  cli: RunningCli;
  grpc: TestClient;
  admin: string;
}

async function startSidecar(): Promise<Sidecar> {
  const file = join(dir, "keypool.json");
  writeFileSync(file, JSON.stringify({ openai: { rpm: 600, keys: SECRETS.map((key, i) => ({ key, id: `k${i + 1}` })) } }));
  const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--no-watch", "--config", file, "--store", redis.url, "--store-prefix", PREFIX]);
  running.push(cli);
  const [, grpc] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)"/, 20_000);
  const [, admin] = await cli.waitFor(/"admin":"(127\.0\.0\.1:\d+)"/, 20_000);
  return { cli, grpc: new TestClient(grpc as string), admin: admin as string };
}

async function traffic(s: Sidecar, n: number, model: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const lease = await s.grpc.acquire({ provider: "openai", model });
    await s.grpc.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 7, completionTokens: 3 });
  }
}

const requests = (h: { buckets: readonly { requests: number }[] }) => h.buckets.reduce((n, b) => n + b.requests, 0);

interface HistoryJson {
  sidecars: string[];
  fleet_unavailable: string | null;
  buckets: { requests: number }[];
  markers: { kind: string; sidecar: string }[];
  models: string[];
}

async function historyJson(s: Sidecar, query = ""): Promise<HistoryJson> {
  const res = await fetch(`http://${s.admin}/v1/stats/history?provider=openai&range=1h${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as HistoryJson;
}

function starts(h: GetStatsHistoryResponse): string[] {
  return h.markers.filter((m) => m.kind === StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_START).map((m) => m.sidecar);
}

let a: Sidecar;
let b: Sidecar;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), "keypool-fleet-history-"));
  a = await startSidecar();
  b = await startSidecar();
}, 60_000);

afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill("SIGKILL");
  await redis?.close();
});

describe("the statistics history of a fleet", () => {
  it("traffic through either sidecar is in the history read from both, over gRPC and HTTP", async () => {
    await traffic(a, 3, "gpt-4o");
    await traffic(b, 2, "gpt-4o-mini");
    // Each sidecar writes its history every 5 s.
    for (const s of [a, b]) {
      await waitUntil(async () => requests(await s.grpc.history({ provider: "openai" })) === 5, "the fleet's five requests in the history", 15_000);
      const h = await s.grpc.history({ provider: "openai" });
      expect(h.sidecars).toHaveLength(2);
      expect(h.fleetUnavailable).toBe("");
      expect(starts(h).sort()).toEqual([...h.sidecars].sort());
      expect([...h.models].sort()).toEqual(["gpt-4o", "gpt-4o-mini"]);
      const json = await historyJson(s);
      expect(requests(json)).toBe(5);
      expect(json.fleet_unavailable).toBeNull();
      expect(requests(await historyJson(s, "&model=gpt-4o-mini"))).toBe(2);
      expect(requests(await s.grpc.history({ provider: "openai", keyId: "k1" }))).toBeGreaterThan(0);
    }
  });

  it("a sidecar that restarts is a start marker of a new sidecar; what it served before its stop stays in the fleet's history", async () => {
    const before = (await a.grpc.history({ provider: "openai" })).sidecars;
    // Served just before the stop: only the write at shutdown can carry it.
    await traffic(b, 1, "gpt-4o");
    b.cli.child.kill("SIGTERM");
    expect(await b.cli.exited).toBe(0);
    b.grpc.close();
    b = await startSidecar();
    await waitUntil(async () => (await a.grpc.history({ provider: "openai" })).sidecars.length === 3, "the restarted sidecar's history", 15_000);
    const h = await a.grpc.history({ provider: "openai" });
    expect(requests(h)).toBe(6);
    const restarted = h.sidecars.find((s) => !before.includes(s));
    expect(restarted).toBeDefined();
    expect(starts(h)).toHaveLength(3);
    expect(starts(h)).toContain(restarted);
    const json = await historyJson(b);
    expect(json.sidecars[0]).toBe(restarted);
    expect(requests(json)).toBe(6);
  });

  it("no secret in the store's history records or in any answer", async () => {
    const client = new Redis(redis.port, "127.0.0.1");
    const keys = await client.keys(`${PREFIX}history*`);
    expect(keys.length).toBe(4);
    // Slots and meta are packed: searched as stored and as unpacked.
    const values = await Promise.all(keys.map(async (k) => ((await client.type(k)) === "hash" ? client.hvals(k) : client.zrange(k, 0, -1))));
    const stored = values.flat().flatMap((v) => [v, unpack(v)]);
    expect(stored.join("\n")).toContain("gpt-4o-mini");
    client.disconnect();
    const outputs = [...stored, ...running.map((r) => r.output()), JSON.stringify(await historyJson(a)), JSON.stringify(await a.grpc.history({ provider: "openai", keyId: "k2" }))];
    for (const secret of SECRETS) for (const out of outputs) expect(out).not.toContain(secret);
  });
});
