import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, Metadata, status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { durationFromMs, durationToMs, timestampToMs } from "../../src/protocol/duration.js";
import {
  KeyPoolServiceClient,
  KeyState,
  Outcome,
  StatsHistoryMarkerKind,
  type GetStatsHistoryRequest,
  type GetStatsHistoryResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { ManualClock } from "../support/manual-clock.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { grpcError, TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const servers: KeypoolServer[] = [];
const clients: TestClient[] = [];

async function start(clock: ManualClock, extra: Parameters<typeof startKeypoolServer>[0] = {}) {
  const server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    config: poolConfig({ openai: fakeKeys(2), gemini: fakeKeys(1) }),
    env: {},
    log: silentLogger(),
    clock,
    ...extra,
  });
  servers.push(server);
  const client = new TestClient(server.grpcAddress);
  clients.push(client);
  return { server, client };
}

function history(client: KeyPoolServiceClient, req: Partial<GetStatsHistoryRequest>, metadata = new Metadata()): Promise<GetStatsHistoryResponse> {
  const full: GetStatsHistoryRequest = { provider: "", keyId: "", model: "", range: undefined, resolution: undefined, ...req };
  return new Promise((resolve, reject) =>
    client.getStatsHistory(full, metadata, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

const sum = (res: GetStatsHistoryResponse, f: (b: GetStatsHistoryResponse["buckets"][number]) => number) => res.buckets.reduce((n, b) => n + f(b), 0);

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.stop(1_000);
});

describe("GetStatsHistory", () => {
  it("answers the past per provider, key and model in buckets, with start, key-state and reload markers, and no secret", async () => {
    const clock = new ManualClock(T0);
    const { client: c } = await start(clock);
    clock.advance(5_000);
    const a = await c.acquire({ provider: "openai", model: "gpt-4o" });
    await c.report({ leaseId: a.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 30, completionTokens: 12, latency: durationFromMs(1_200) });
    clock.advance(10_000);
    const b = await c.acquire({ provider: "openai", model: "gpt-4o-mini" });
    await c.report({ leaseId: b.leaseId, httpStatus: 429, retryAfter: durationFromMs(30_000) });
    clock.advance(10_000);
    const doc = { openai: { keys: [{ key: "sk-test-0001", id: "k1" }, { key: "sk-test-0002", id: "k2" }, { key: "sk-test-0003", id: "k3" }] }, gemini: { keys: [{ key: "sk-test-0001", id: "k1" }] } };
    await new Promise((resolve, reject) => c.raw.reloadConfig({ configJson: JSON.stringify(doc) }, (err, res) => (err ? reject(err) : resolve(res))));

    const all = await history(c.raw, { provider: "openai", range: durationFromMs(60_000) });
    expect(durationToMs(all.resolution)).toBe(10_000);
    expect(all.buckets).toHaveLength(6);
    expect(timestampToMs(all.rangeEnd)).toBe(T0 + 30_000);
    expect(timestampToMs(all.recordingSince)).toBe(T0);
    expect(all.buckets.map((x) => [timestampToMs(x.start)! - T0, x.requests, x.successes, x.rateLimited])).toEqual([
      [-30_000, 0, 0, 0],
      [-20_000, 0, 0, 0],
      [-10_000, 0, 0, 0],
      [0, 1, 1, 0],
      [10_000, 1, 0, 1],
      [20_000, 0, 0, 0],
    ]);
    expect(all.buckets.map((x) => x.recorded)).toEqual([false, false, false, true, true, true]);
    expect(all.buckets[3]).toMatchObject({ promptTokens: 30, completionTokens: 12, latencySamples: 1 });
    expect(durationToMs(all.buckets[3]?.latencyP50)).toBeGreaterThan(1_000);
    expect(durationToMs(all.buckets[3]?.latencyP50)).toBeLessThanOrEqual(1_200);
    expect(all.models).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(all.markers.map((m) => [m.kind, timestampToMs(m.at)! - T0, m.configGeneration])).toEqual([
      [StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_START, 0, 1],
      [StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_KEY_STATE, 15_000, 1],
      [StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_RELOAD, 25_000, 2],
    ]);
    expect(all.markers[1]).toMatchObject({ keyId: b.keyId, keyState: KeyState.KEY_STATE_COOLING_DOWN });
    expect(all.markers[2]?.detail).toBe("generation 2: 1 added, 0 removed, 0 updated");

    const key = await history(c.raw, { provider: "openai", keyId: a.keyId, model: "gpt-4o", range: durationFromMs(60_000) });
    expect(key).toMatchObject({ keyId: a.keyId, maskedKey: a.maskedKey, model: "gpt-4o" });
    expect(sum(key, (x) => x.requests)).toBe(1);
    const mini = await history(c.raw, { provider: "openai", model: "gpt-4o-mini", range: durationFromMs(60_000) });
    expect(sum(mini, (x) => x.rateLimited)).toBe(1);
    expect(sum(mini, (x) => x.successes)).toBe(0);
    expect(JSON.stringify([all, key, mini])).not.toMatch(/sk-test/);
  });

  it("refuses bad requests with INVALID_ARGUMENT and unknown names with NOT_FOUND, naming the field", async () => {
    const { client: c } = await start(new ManualClock(T0));
    const cases: [Partial<GetStatsHistoryRequest>, status, RegExp][] = [
      [{}, status.INVALID_ARGUMENT, /^provider: required/],
      [{ provider: "openai", range: durationFromMs(25 * 3_600_000) }, status.INVALID_ARGUMENT, /^range: at most 24h/],
      [{ provider: "openai", resolution: durationFromMs(15_000) }, status.INVALID_ARGUMENT, /^resolution: expected a multiple of 10s/],
      [{ provider: "mistral" }, status.NOT_FOUND, /^provider: not configured/],
      [{ provider: "openai", keyId: "k9" }, status.NOT_FOUND, /^key: not a key of provider openai/],
      [{ provider: "openai", model: "o3" }, status.NOT_FOUND, /^model: no history/],
    ];
    for (const [req, code, message] of cases) {
      const err = await grpcError(history(c.raw, req));
      expect({ req, code: err.code, details: err.details }).toEqual({ req, code, details: expect.stringMatching(message) });
    }
  });

  it("a restarted sidecar shows its start as a marker and the time before it as not recorded", async () => {
    const clock = new ManualClock(T0);
    const first = await start(clock);
    const lease = await first.client.acquire({ provider: "openai" });
    await first.client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    clock.advance(40_000);
    await first.server.stop(1_000);
    clock.advance(20_000);
    const second = await start(clock);
    const res = await history(second.client.raw, { provider: "openai", range: durationFromMs(120_000) });
    expect(res.markers.map((m) => [m.kind, timestampToMs(m.at)! - T0])).toEqual([[StatsHistoryMarkerKind.STATS_HISTORY_MARKER_KIND_START, 60_000]]);
    const before = res.buckets.filter((b) => timestampToMs(b.start)! < T0 + 60_000);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((b) => !b.recorded && b.requests === 0)).toBe(true);
    expect(res.buckets.at(-1)?.recorded).toBe(true);
  });

  it("with client tokens, any authenticated client may read the history, as with StreamStats; an anonymous one may not", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keypool-history-"));
    writeFileSync(join(dir, "tokens.json"), JSON.stringify({ clients: [{ name: "app", token: "kp-test-app-token-0001", providers: ["openai"] }] }), { mode: 0o600 });
    const { client: c } = await start(new ManualClock(T0), { tokensFile: join(dir, "tokens.json"), watch: false });
    const app = new Metadata();
    app.set("authorization", "Bearer kp-test-app-token-0001");
    const res = await history(c.raw, { provider: "openai" }, app);
    expect(res.buckets).toHaveLength(360);
    expect((await grpcError(history(c.raw, { provider: "openai" }))).code).toBe(status.UNAUTHENTICATED);
  });
});
