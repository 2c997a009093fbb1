import { Metadata, status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { KeyState, Outcome, type StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { TestClient } from "../support/grpc-client.js";
import { StatsReader } from "../support/stats-stream.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const WIKI = "kp-test-token-scope-wiki1";
const WATCHER = "kp-test-token-scope-watch";
const OPS = "kp-test-token-scope-ops01";

let server: KeypoolServer;
let client: TestClient;

function md(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

async function firstSnapshot(token: string, providers: string[] = []): Promise<StreamStatsResponse> {
  const reader = new StatsReader(client, { providers }, md(token));
  try {
    return await reader.waitFor(1);
  } finally {
    reader.call.cancel();
  }
}

beforeAll(async () => {
  ({ server } = await startWithTokensFile(
    {
      clients: [
        { name: "wiki", token: WIKI, providers: ["openai"] },
        { name: "watcher", token: WATCHER, providers: ["openai"], stats: true },
        { name: "ops", token: OPS, providers: ["*"], admin: true },
      ],
    },
    {
      openai: { keys: [{ key: "sk-test-scope-0001", rpm: 60 }, { key: "sk-test-scope-0002", rpm: 60 }] },
      google: { keys: [{ key: "AIza-test-scope-0001", rpm: 30 }] },
    },
  ));
  client = new TestClient(server.grpcAddress);
  // One openai key cools down with a reason, so that there is a reason to hide.
  const lease = await new Promise<{ leaseId: string }>((resolve, reject) =>
    client.raw.acquireKey(
      { provider: "openai", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "" },
      md(WIKI),
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
  await new Promise((resolve, reject) =>
    client.raw.reportUsage(
      {
        leaseId: lease.leaseId,
        outcome: Outcome.OUTCOME_RATE_LIMITED,
        httpStatus: 429,
        promptTokens: 0,
        completionTokens: 0,
        latency: undefined,
        retryAfter: durationFromMs(60_000),
        errorMessage: "organization quota reached",
        responseHeaders: {},
        errorBody: Buffer.alloc(0),
      },
      md(WIKI),
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
});

afterAll(async () => {
  client.close();
  await server.stop(1_000);
});

describe("StreamStats follows the caller's scope", () => {
  it("a client scoped to openai without the stats right sees only openai, without reasons or limits", async () => {
    const snap = await firstSnapshot(WIKI);
    expect(snap.providers.map((p) => p.provider)).toEqual(["openai"]);
    const keys = snap.providers[0]!.keys;
    expect(keys.map((k) => k.state)).toContain(KeyState.KEY_STATE_COOLING_DOWN);
    for (const k of keys) {
      expect(k.stateReason).toBe("");
      expect(k.limits).toMatchObject({ rpm: 0, tpm: 0, rpd: 0, maxConcurrent: 0, windows: [] });
    }
  });

  it("asking for a provider outside the scope is answered as for an unconfigured one, without echoing the name", async () => {
    const reader = new StatsReader(client, { providers: ["google"] }, md(WIKI));
    await expect(reader.waitFor(1)).rejects.toMatchObject({ code: status.NOT_FOUND });
    expect(reader.error?.message).toMatch(/providers\[0\]: not configured \(configured: openai\)$/);
  });

  it("with the stats right the same client sees reasons and limits, still only of its providers", async () => {
    const snap = await firstSnapshot(WATCHER);
    expect(snap.providers.map((p) => p.provider)).toEqual(["openai"]);
    const cooling = snap.providers[0]!.keys.find((k) => k.state === KeyState.KEY_STATE_COOLING_DOWN);
    expect(cooling?.stateReason).toMatch(/quota reached/);
    expect(snap.providers[0]!.keys.map((k) => k.limits?.rpm)).toEqual([60, 60]);
  });

  it("GetStatsHistory follows the scope too: another provider's history is PERMISSION_DENIED, its own is served", async () => {
    const history = (token: string, provider: string) =>
      new Promise<number>((resolve) =>
        client.raw.getStatsHistory({ provider, keyId: "", model: "", range: undefined, resolution: undefined }, md(token), (err) => resolve(err === null ? status.OK : err.code)),
      );
    expect(await history(WIKI, "google")).toBe(status.PERMISSION_DENIED);
    expect(await history(WIKI, "openai")).toBe(status.OK);
    expect(await history(OPS, "google")).toBe(status.OK);
  });

  it("an administrator sees every provider with details", async () => {
    const snap = await firstSnapshot(OPS);
    expect(snap.providers.map((p) => p.provider)).toEqual(["openai", "google"]);
    expect(snap.providers[1]!.keys[0]!.limits?.rpm).toBe(30);
  });
});
