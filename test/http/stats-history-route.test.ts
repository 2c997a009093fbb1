import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { ManualClock } from "../support/manual-clock.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const clock = new ManualClock(T0);
let server: KeypoolServer;
let client: TestClient;

async function get(query: string): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string; message: string } } }> {
  const res = await fetch(`http://${server.adminAddress}/v1/stats/history${query}`);
  return { status: res.status, body: (await res.json()) as never };
}

beforeAll(async () => {
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    adminListen: "127.0.0.1:0",
    config: poolConfig({ openai: fakeKeys(2) }),
    log: silentLogger(),
    clock,
  });
  client = new TestClient(server.grpcAddress);
  for (let i = 0; i < 3; i++) {
    const lease = await client.acquire({ provider: "openai", model: "gpt-4o" });
    await client.report({ leaseId: lease.leaseId, outcome: i === 2 ? Outcome.OUTCOME_SERVER_ERROR : Outcome.OUTCOME_SUCCESS, latency: durationFromMs(300) });
    clock.advance(20_000);
  }
});

afterAll(async () => {
  client.close();
  await server.stop(1_000);
});

describe("GET /v1/stats/history", () => {
  it("serves the history as JSON with snake_case fields, durations parsed from 1m and 10s", async () => {
    const { status, body } = await get("?provider=openai&key=k1&model=gpt-4o&range=2m&resolution=20s");
    expect(status).toBe(200);
    expect(body).toMatchObject({ provider: "openai", key_id: "k1", masked_key: "…0001", model: "gpt-4o", resolution_ms: 20_000, recording_since: new Date(T0).toISOString() });
    const buckets = body["buckets"] as { start: string; requests: number; successes: number; errors: number; errors_by_outcome: Record<string, number>; latency_p50_ms: number | null }[];
    expect(buckets).toHaveLength(6);
    // Least used first: k1 at 0 s and 40 s, k2 at 20 s.
    expect(buckets.filter((b) => b.requests > 0).map((b) => [Date.parse(b.start) - T0, b.requests, b.successes, b.errors])).toEqual([
      [0, 1, 1, 0],
      [40_000, 1, 0, 1],
    ]);
    expect(buckets.find((b) => b.errors > 0)?.errors_by_outcome).toEqual({ server_error: 1 });
    expect(buckets.find((b) => b.requests === 0)?.latency_p50_ms).toBeNull();
    expect((body["markers"] as { kind: string }[]).map((m) => m.kind)).toEqual(["start"]);
    expect(JSON.stringify(body)).not.toMatch(/sk-test/);
  });

  it("sums the provider's keys when no key is named", async () => {
    const { body } = await get("?provider=openai&range=2m");
    const buckets = body["buckets"] as { requests: number }[];
    expect(buckets.reduce((n, b) => n + b.requests, 0)).toBe(3);
    expect(body["models"]).toEqual(["gpt-4o"]);
  });

  it.each([
    ["", 400, /^provider: required/],
    ["?provider=openai&range=abc", 400, /^range: expected a positive duration/],
    ["?provider=openai&resolution=15s", 400, /^resolution: expected a multiple of 10s/],
    ["?provider=openai&range=2d", 400, /^range: at most 24h/],
    ["?provider=openai&keyid=k1", 400, /^"keyid": unknown parameter/],
    ["?provider=openai&provider=gemini", 400, /^provider: given more than once/],
    ["?provider=gemini", 404, /^provider: not configured/],
    ["?provider=openai&key=k7", 404, /^key: not a key of provider openai/],
  ] as const)("%s is answered %i naming the field", async (query, code, message) => {
    const { status, body } = await get(query);
    expect(status).toBe(code);
    expect(body.error?.message).toMatch(message);
  });
});
