import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { TestClient } from "../support/grpc-client.js";
import { leasedKeyIds } from "../support/leased-keys.js";
import { runCli } from "../support/run-cli.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const OPS = "kp-test-token-keycli-ops01";
const APP = "kp-test-token-keycli-app01";

let server: KeypoolServer;
let dir: string;
let app: TestClient;

const leasedKeys = (n: number) => leasedKeyIds(app, "openai", n);

const key = (args: string[], env: Record<string, string> = { KEYPOOL_TOKEN: OPS }) => runCli(["key", ...args, "--address", server.grpcAddress], env);

beforeAll(async () => {
  ({ server, dir } = await startWithTokensFile(
    {
      clients: [
        { name: "ops", token: OPS, providers: ["*"], admin: true },
        { name: "app", token: APP, providers: ["openai"] },
      ],
    },
    {
      openai: { keys: [{ id: "a", key: "sk-test-keycli-0001" }, { id: "b", key: "sk-test-keycli-0002" }] },
      google: { keys: [{ id: "g", key: "AIza-test-keycli-0001" }] },
    },
    { adminListen: "127.0.0.1:0" },
  ));
  writeFileSync(join(dir, "ops-token"), `${OPS}\n`, { mode: 0o600 });
  app = new TestClient(server.grpcAddress, APP);
});

afterAll(async () => {
  app.close();
  await server.stop(1_000);
});

describe("keypool key", () => {
  it("disable takes a key out through a reload, the reason shows in keypool stats and /v1/stats; enable brings it back", async () => {
    const disabled = await runCli(["key", "disable", "a", "--reason", "rotating", "--address", server.grpcAddress, "--token-file", join(dir, "ops-token")]);
    expect(disabled).toMatchObject({ code: 0, stderr: "" });
    expect(disabled.stdout).toBe("openai/a: active → disabled (disabled by operator ops: rotating)\n");

    const reload = await runCli(["reload", "--target", server.grpcAddress], { KEYPOOL_TOKEN: OPS });
    expect(reload.code).toBe(0);
    expect(await leasedKeys(4)).toEqual(new Set(["b"]));

    const stats = await runCli(["stats", "--target", server.grpcAddress, "--provider", "openai"], { KEYPOOL_TOKEN: OPS });
    expect(stats.stdout).toContain("  a: disabled by operator ops: rotating");
    const json = (await (await fetch(`http://${server.adminAddress}/v1/stats`, { headers: { authorization: `Bearer ${OPS}` } })).json()) as {
      providers: { keys: { key_id: string; state_reason: string; changed_by: string }[] }[];
    };
    expect(json.providers[0]!.keys.find((k) => k.key_id === "a")).toMatchObject({ state_reason: "disabled by operator ops: rotating", changed_by: "ops" });

    const enabled = await key(["enable", "a", "--provider", "openai"]);
    expect(enabled).toMatchObject({ code: 0, stdout: "openai/a: disabled → active\n" });
    expect(await leasedKeys(2)).toEqual(new Set(["a"]));
  });

  it("drain, probe and clear-cooldown answer with the state; a no-op says so; --json prints the result", async () => {
    expect((await key(["clear-cooldown", "g"])).stdout).toBe("google/g: active, nothing to do\n");
    const drained = await key(["drain", "g", "--json"]);
    expect(JSON.parse(drained.stdout)).toEqual({ provider: "google", key_id: "g", previous_state: "active", state: "draining", changed: true, state_reason: "drained by operator ops" });
    const probe = await key(["probe", "g"]);
    expect(probe).toMatchObject({ code: 1, stderr: expect.stringMatching(/^keypool: key probe failed: .*held by an operator/) });
    expect((await key(["enable", "g"])).code).toBe(0);
  });

  it("a non-admin token, an unknown key and an unknown verb exit non-zero with a clear message", async () => {
    const denied = await key(["disable", "a", "--provider", "openai"], { KEYPOOL_TOKEN: APP });
    expect(denied).toMatchObject({ code: 1, stderr: expect.stringMatching(/permission denied: .*only an administrator's token may act on keys/) });
    const unknown = await key(["disable", "zz", "--provider", "openai"]);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringMatching(/key disable failed: not found: key_id: not configured/) });
    const guessed = await key(["disable", "zz"]);
    expect(guessed).toMatchObject({ code: 1, stderr: expect.stringMatching(/no provider has a key of this id/) });
    const verb = await key(["explode", "a"]);
    expect(verb).toMatchObject({ code: 2, stderr: expect.stringMatching(/key: expected one of disable, enable, drain, probe, clear-cooldown/) });
    expect(await leasedKeys(6)).toEqual(new Set(["a", "b"]));
  });
});
