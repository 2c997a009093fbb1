import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { describe, expect, it } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { TestClient } from "../support/grpc-client.js";
import { startCli, type RunningCli } from "../support/run-cli.js";

const SECRETS = { day: "sk-test-state-0001", revoked: "sk-test-state-0002", minute: "sk-test-state-0003" };

/** Three keys, each limited so that a handful of requests shows whether a restart forgot them. */
function setup(): { dir: string; config: string; stateFile: string } {
  const dir = mkdtempSync(join(tmpdir(), "keypool-state-"));
  const config = join(dir, "keypool.json");
  writeFileSync(
    config,
    JSON.stringify({
      openai: { keys: [{ key: SECRETS.day, id: "day", rpd: 2 }, { key: SECRETS.revoked, id: "revoked" }] },
      anthropic: { keys: [{ key: SECRETS.minute, id: "minute", rpm: 3 }] },
    }),
    { mode: 0o600 },
  );
  return { dir, config, stateFile: join(dir, "state.json") };
}

interface Running {
  cli: RunningCli;
  client: TestClient;
  admin: string;
}

/** Starts a sidecar; without `stateFile` it comes from the config's settings. */
async function serve(config: string, stateFile?: string): Promise<Running> {
  const cli = startCli(
    ["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--config", config, "--no-watch"],
    stateFile === undefined ? {} : { KEYPOOL_STATE_FILE: stateFile },
  );
  const [, address, admin] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)","admin":"(127\.0\.0\.1:\d+)"/);
  return { cli, client: new TestClient(address as string), admin: admin as string };
}

/** Each key's state and reason, as /v1/stats shows them. */
async function keyStates(admin: string): Promise<Record<string, [string, string]>> {
  const res = await fetch(`http://${admin}/v1/stats`);
  const body = (await res.json()) as { providers: { keys: { key_id: string; state: string; state_reason: string }[] }[] };
  return Object.fromEntries(body.providers.flatMap((p) => p.keys.map((k) => [k.key_id, [k.state, k.state_reason]])));
}

async function stop({ cli, client }: Running): Promise<void> {
  client.close();
  cli.child.kill("SIGTERM");
  expect(await cli.exited).toBe(0);
}

/** Key ids leased for `n` acquisitions answered at once (no waiting), each reported as a success. */
async function leaseIds(client: TestClient, provider: string, n: number): Promise<(string | number)[]> {
  const out: (string | number)[] = [];
  for (let i = 0; i < n; i++) {
    try {
      const lease = await client.acquire({ provider, maxWait: { seconds: 0, nanos: 0 } });
      await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 5 });
      out.push(lease.keyId);
    } catch (err) {
      out.push((err as { code: number }).code);
    }
  }
  return out;
}

describe("keypool serve --state-file", () => {
  it("a key that used its day, a revoked key and a full minute window stay so across a restart; the file holds no secret", async () => {
    const { config, stateFile } = setup();
    const first = await serve(config, stateFile);
    // The revoked key answers 401 once; the day key serves its two requests of the day.
    const l = await first.client.acquire({ provider: "openai" });
    const revoked = l.keyId === "revoked" ? l : await first.client.acquire({ provider: "openai" });
    expect(revoked.keyId).toBe("revoked");
    await first.client.report({ leaseId: revoked.leaseId, httpStatus: 401, errorMessage: "invalid_api_key" });
    if (l !== revoked) await first.client.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    const dayUsed = l === revoked ? 0 : 1;
    expect(await leaseIds(first.client, "openai", 3 - dayUsed)).toEqual([...Array(2 - dayUsed).fill("day"), status.RESOURCE_EXHAUSTED]);
    expect(await leaseIds(first.client, "anthropic", 4)).toEqual(["minute", "minute", "minute", status.RESOURCE_EXHAUSTED]);
    await stop(first);

    const saved = readFileSync(stateFile, "utf8");
    for (const s of Object.values(SECRETS)) expect(saved).not.toContain(s);
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);

    const second = await serve(config, stateFile);
    expect(await second.cli.waitFor(/"msg":"state restored"/)).toBeTruthy();
    expect(second.cli.output()).toMatch(/"keys":3/);
    // Nothing to lease: the day key used its RPD, the revoked key is disabled, the minute window is full.
    expect(await leaseIds(second.client, "openai", 1)).toEqual([status.RESOURCE_EXHAUSTED]);
    expect(await leaseIds(second.client, "anthropic", 1)).toEqual([status.RESOURCE_EXHAUSTED]);
    expect(await keyStates(second.admin)).toMatchObject({
      revoked: ["disabled", "unauthorized (401/403): invalid_api_key"],
      day: ["active", ""],
      minute: ["active", ""],
    });
    await stop(second);
    for (const s of Object.values(SECRETS)) expect(second.cli.output()).not.toContain(s);
  });

  it("a corrupt state file is one warning and a fresh start, then is replaced by a good one", async () => {
    const { config, stateFile } = setup();
    writeFileSync(stateFile, '{"version":1,"savedAt":');
    const s = await serve(config, stateFile);
    const warning = await s.cli.waitFor(/\{[^\n]*"msg":"state file unusable; starting fresh"[^\n]*\}/);
    expect(JSON.parse(warning[0]!)).toMatchObject({ level: 40, stateFile, reason: expect.stringMatching(/^not JSON/) });
    expect(await leaseIds(s.client, "anthropic", 1)).toEqual(["minute"]);
    await stop(s);
    const saved = JSON.parse(readFileSync(stateFile, "utf8")) as { version: number; keys: { id: string; usage: unknown[] }[] };
    expect(saved.version).toBe(1);
    expect(saved.keys.find((k) => k.id === "minute")?.usage).toHaveLength(1);
  });

  it("state_file in the config's settings: a missing file is one warning and a fresh start, and is written at shutdown", async () => {
    const { dir, stateFile } = setup();
    const config = join(dir, "with-settings.json");
    writeFileSync(
      config,
      JSON.stringify({ settings: { state_file: stateFile, state_interval: "1h" }, anthropic: { keys: [{ key: SECRETS.minute, id: "minute", rpm: 3 }] } }),
      { mode: 0o600 },
    );
    const s = await serve(config);
    const warning = await s.cli.waitFor(/\{[^\n]*"msg":"state file not found; starting fresh"[^\n]*\}/);
    expect(JSON.parse(warning[0]!)).toMatchObject({ level: 40, stateFile });
    expect(await leaseIds(s.client, "anthropic", 1)).toEqual(["minute"]);
    await stop(s);
    expect(readFileSync(stateFile, "utf8")).toContain('"id":"minute"');
  });
});
