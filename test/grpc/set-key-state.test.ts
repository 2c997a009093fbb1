import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyAction, KeyState, type SetKeyStateRequest, type SetKeyStateResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { TestClient } from "../support/grpc-client.js";
import { leasedKeyIds } from "../support/leased-keys.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const APP = "kp-test-token-keyact-app01";
const WATCHER = "kp-test-token-keyact-watch";
const OPS = "kp-test-token-keyact-ops01";

let server: KeypoolServer;
let ops: TestClient;
let app: TestClient;
let base: string;

function setKeyState(token: string, req: Partial<SetKeyStateRequest>): Promise<SetKeyStateResponse> {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  const full: SetKeyStateRequest = { provider: "openai", keyId: "", action: KeyAction.KEY_ACTION_UNSPECIFIED, reason: "", ...req };
  return new Promise((resolve, reject) => ops.raw.setKeyState(full, m, { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))));
}

const leasedKeys = (n: number) => leasedKeyIds(app, "openai", n);

async function post(path: string, token: string | undefined, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  ({ server } = await startWithTokensFile(
    {
      clients: [
        { name: "app", token: APP, providers: ["openai"] },
        { name: "watcher", token: WATCHER, providers: ["openai"], stats: true },
        { name: "ops", token: OPS, providers: ["*"], admin: true },
      ],
    },
    { openai: { keys: [{ id: "a", key: "sk-test-keyact-0001" }, { id: "b", key: "sk-test-keyact-0002" }] } },
    { adminListen: "127.0.0.1:0" },
  ));
  ops = new TestClient(server.grpcAddress, OPS);
  app = new TestClient(server.grpcAddress, APP);
  base = `http://${server.adminAddress}`;
});

afterAll(async () => {
  ops.close();
  app.close();
  await server.stop(1_000);
});

describe("SetKeyState", () => {
  it("an administrator disables a key: AcquireKey no longer returns it, stats show who and why; enable brings it back", async () => {
    const res = await setKeyState(OPS, { keyId: "a", action: KeyAction.KEY_ACTION_DISABLE, reason: "rotating" });
    expect(res).toEqual({
      provider: "openai",
      keyId: "a",
      previousState: KeyState.KEY_STATE_ACTIVE,
      state: KeyState.KEY_STATE_DISABLED,
      changed: true,
      stateReason: "disabled by operator ops: rotating",
    });
    expect(await leasedKeys(4)).toEqual(new Set(["b"]));
    const stats = (await (await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${OPS}` } })).json()) as {
      providers: { keys: { key_id: string; state: string; state_reason: string; changed_by: string }[] }[];
    };
    expect(stats.providers[0]!.keys.find((k) => k.key_id === "a")).toMatchObject({ state: "disabled", state_reason: "disabled by operator ops: rotating", changed_by: "ops" });
    await setKeyState(OPS, { keyId: "a", action: KeyAction.KEY_ACTION_ENABLE });
    // Back in the pool, and the least used key: the next leases are its.
    expect(await leasedKeys(2)).toEqual(new Set(["a"]));
  });

  it("a client that is not an administrator is refused with PERMISSION_DENIED, and the key stays as it was", async () => {
    await expect(setKeyState(APP, { keyId: "a", action: KeyAction.KEY_ACTION_DISABLE })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    await expect(setKeyState(WATCHER, { keyId: "a", action: KeyAction.KEY_ACTION_DISABLE })).rejects.toMatchObject({ code: status.PERMISSION_DENIED });
    expect(await leasedKeys(6)).toEqual(new Set(["a", "b"]));
  });

  it("unknown provider or key is NOT_FOUND; a missing action or a long reason INVALID_ARGUMENT naming the field, never echoing it", async () => {
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: ServiceError) => e);
    const unknownKey = await err(setKeyState(OPS, { keyId: "sk-test-keyact-ghost", action: KeyAction.KEY_ACTION_DISABLE }));
    expect(unknownKey).toMatchObject({ code: status.NOT_FOUND });
    expect(unknownKey?.details).not.toContain("ghost");
    expect(await err(setKeyState(OPS, { provider: "nowhere", keyId: "a", action: KeyAction.KEY_ACTION_DISABLE }))).toMatchObject({ code: status.NOT_FOUND });
    expect(await err(setKeyState(OPS, { keyId: "a" }))).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/^action: /) });
    const long = await err(setKeyState(OPS, { keyId: "a", action: KeyAction.KEY_ACTION_DISABLE, reason: "sk-test-keyact-".repeat(20) }));
    expect(long).toMatchObject({ code: status.INVALID_ARGUMENT, details: "reason: at most 200 characters" });
  });
});

describe("POST /v1/keys/{provider}/{key_id}/state", () => {
  it("with an admin token drains a key and enables it again; the answer says both states", async () => {
    const drained = await post("/v1/keys/openai/b/state", OPS, { action: "drain", reason: "maintenance" });
    expect(drained).toEqual({
      status: 200,
      json: { provider: "openai", key_id: "b", action: "drain", previous_state: "active", state: "draining", changed: true, state_reason: "drained by operator ops: maintenance" },
    });
    expect(await leasedKeys(3)).toEqual(new Set(["a"]));
    expect((await post("/v1/keys/openai/b/state", OPS, { action: "enable" })).json).toMatchObject({ state: "active" });
    expect(await leasedKeys(1)).toEqual(new Set(["b"]));
  });

  it("refuses a non-admin token (403), a request without token or CSRF (403), a bad action (400) and an unknown key (404)", async () => {
    expect((await post("/v1/keys/openai/a/state", WATCHER, { action: "disable" })).status).toBe(403);
    expect((await post("/v1/keys/openai/a/state", undefined, { action: "disable" })).status).toBe(403);
    const bad = await post("/v1/keys/openai/a/state", OPS, { action: "sk-test-keyact-explode" });
    expect(bad).toMatchObject({ status: 400, json: { error: { code: "INVALID_ARGUMENT", message: expect.stringMatching(/^action: expected one of/) } } });
    expect(JSON.stringify(bad.json)).not.toContain("explode");
    expect((await post("/v1/keys/openai/zz/state", OPS, { action: "disable" })).status).toBe(404);
    expect(await leasedKeys(6)).toEqual(new Set(["a", "b"]));
  });

  it("a client with the stats right may read statistics and its session, but is not an administrator", async () => {
    const session = await fetch(`${base}/v1/session`, { headers: { authorization: `Bearer ${WATCHER}` } });
    expect(await session.json()).toEqual({ client: "watcher", admin: false });
    expect((await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${WATCHER}` } })).status).toBe(200);
    expect((await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${APP}` } })).status).toBe(403);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${WATCHER}` } })).status).toBe(403);
  });
});
