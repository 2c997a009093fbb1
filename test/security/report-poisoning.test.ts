import { Metadata } from "@grpc/grpc-js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { KeyState, Outcome, type AcquireKeyResponse, type ReportUsageRequest, type ReportUsageResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { tempDir } from "../reload/support.js";
import { TestClient } from "../support/grpc-client.js";
import { ManualClock } from "../support/manual-clock.js";
import { StatsReader } from "../support/stats-stream.js";
import { parsePrometheusText, sampleValue } from "../support/prometheus-text.js";

/**
 * A client holding a valid token tries to take keys away from everyone by
 * what it reports: absurd retry_after values, UNAUTHORIZED on good keys,
 * and a flood of 429s. Everything goes through the real server; time is an
 * injected clock.
 */

const TOKENS = {
  wiki: "kp-test-token-wiki-0001",
  batch: "kp-test-token-batch-002",
  sre: "kp-test-token-sre-00003",
  ops: "kp-test-token-ops-00004",
} as const;
type ClientName = keyof typeof TOKENS;

const HOUR = 3_600_000;
const YEARS_10K = 10_000 * 365 * 24 * HOUR;

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

interface StatsKey {
  key_id: string;
  state: string;
  state_reason: string;
  changed_by: string;
  cooldown_until: string | null;
}

let server: KeypoolServer | undefined;
let grpc = new Map<ClientName, TestClient>();
let clock: ManualClock;
let lines: LogLine[];

afterEach(async () => {
  for (const c of grpc.values()) c.close();
  grpc = new Map();
  await server?.stop(1_000);
  server = undefined;
});

async function start(settings: Record<string, unknown> = {}): Promise<void> {
  const dir = tempDir();
  writeFileSync(
    join(dir, "tokens.json"),
    JSON.stringify({
      clients: [
        { name: "wiki", token: TOKENS.wiki, providers: ["openai", "solo"] },
        { name: "batch", token: TOKENS.batch, providers: ["openai", "solo"] },
        { name: "sre", token: TOKENS.sre, providers: ["solo"], trusted: true },
        { name: "ops", token: TOKENS.ops, providers: ["*"], admin: true },
      ],
    }),
    { mode: 0o600 },
  );
  const openai = Array.from({ length: 6 }, (_, i) => ({ key: `sk-test-poison-000${i}`, id: `k${i}` }));
  writeFileSync(
    join(dir, "keypool.json"),
    JSON.stringify({ openai: { keys: openai }, solo: { keys: [{ key: "sk-test-poison-solo", id: "solo1" }] }, settings }),
    { mode: 0o600 },
  );
  lines = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  clock = new ManualClock();
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    adminListen: "127.0.0.1:0",
    configFile: join(dir, "keypool.json"),
    tokensFile: join(dir, "tokens.json"),
    env: {},
    log: createLogger({ level: "info", destination }),
    clock,
    watch: false,
  });
}

function clientOf(who: ClientName): TestClient {
  let c = grpc.get(who);
  if (c === undefined) grpc.set(who, (c = new TestClient(server!.grpcAddress, TOKENS[who])));
  return c;
}

function acquire(who: ClientName, provider = "openai"): Promise<AcquireKeyResponse> {
  return clientOf(who).acquire({ provider });
}

function report(who: ClientName, leaseId: string, req: Partial<ReportUsageRequest>): Promise<ReportUsageResponse> {
  return clientOf(who).report({ leaseId, ...req });
}

async function leaseAndReport(who: ClientName, req: Partial<ReportUsageRequest>, provider = "openai"): Promise<string> {
  const lease = await acquire(who, provider);
  await report(who, lease.leaseId, req);
  return lease.keyId;
}

async function statsKey(provider: string, keyId: string): Promise<StatsKey> {
  const res = await fetch(`http://${server!.adminAddress}/v1/stats?provider=${provider}`, { headers: { authorization: `Bearer ${TOKENS.ops}` } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { providers: { keys: StatsKey[] }[] };
  const key = body.providers[0]?.keys.find((k) => k.key_id === keyId);
  if (key === undefined) throw new Error(`no key ${keyId} in /v1/stats`);
  return key;
}

async function reportLimits(labels: Record<string, string>): Promise<number | undefined> {
  const res = await fetch(`http://${server!.adminAddress}/metrics`, { headers: { authorization: `Bearer ${TOKENS.ops}` } });
  return sampleValue(parsePrometheusText(await res.text()), "keypool_report_limits_total", labels);
}

const stateLines = () => lines.filter((l) => l.msg.startsWith("key ") && typeof l["to"] === "string");

describe("report poisoning", () => {
  it("a retry_after of 10,000 years cools a key for the cap at most, noted in its reason, a warn line and a counter", async () => {
    await start();
    const keyId = await leaseAndReport("wiki", { httpStatus: 429, retryAfter: durationFromMs(YEARS_10K) });
    const quota = await leaseAndReport("wiki", { outcome: Outcome.OUTCOME_QUOTA_EXHAUSTED, retryAfter: durationFromMs(YEARS_10K) });

    const cooled = await statsKey("openai", keyId);
    expect(cooled).toMatchObject({ state: "cooling_down", changed_by: "wiki", cooldown_until: new Date(clock.now() + HOUR).toISOString() });
    expect(cooled.state_reason).toContain("clamped to 1h");
    expect(await statsKey("openai", quota)).toMatchObject({ state: "exhausted", cooldown_until: new Date(clock.now() + 24 * HOUR).toISOString() });
    const warned = lines.filter((l) => l.level === 40 && l["limit"] === "retry_after_clamped");
    expect(warned.map((l) => [l["client"], l["keyId"]])).toEqual([
      ["wiki", keyId],
      ["wiki", quota],
    ]);
    expect(await reportLimits({ key_id: keyId, client: "wiki", limit: "retry_after_clamped" })).toBe(1);
    expect(await reportLimits({ key_id: quota, client: "wiki", limit: "retry_after_clamped" })).toBe(1);

    clock.advance(HOUR);
    expect(await statsKey("openai", keyId)).toMatchObject({ state: "active", changed_by: "time" });
    expect(stateLines().find((l) => l["keyId"] === keyId && l["to"] === "active")).toMatchObject({ by: "time" });
  });

  it("with several clients configured, one client's UNAUTHORIZED only holds a key briefly; a second client's disables it", async () => {
    await start();
    for (let round = 0; round < 3; round++) {
      const res = await report("wiki", (await acquire("wiki", "solo")).leaseId, { httpStatus: 401, errorMessage: "invalid_api_key" });
      expect(res.keyState).toBe(KeyState.KEY_STATE_COOLING_DOWN);
      const held = await statsKey("solo", "solo1");
      expect(held).toMatchObject({ state: "cooling_down", changed_by: "wiki" });
      expect(held.state_reason).toContain("awaits confirmation (1 of 2 clients)");
      clock.advance(30_000);
      expect(await statsKey("solo", "solo1")).toMatchObject({ state: "active", changed_by: "time" });
    }
    await leaseAndReport("batch", { httpStatus: 401, errorMessage: "invalid_api_key" }, "solo");
    const disabled = await statsKey("solo", "solo1");
    expect(disabled).toMatchObject({ state: "disabled", changed_by: "batch" });
    expect(disabled.state_reason).toBe("unauthorized (401/403), confirmed by wiki, batch: invalid_api_key");
    expect(stateLines().map((l) => [l["to"], l["by"]])).toEqual([
      ["cooling_down", "wiki"],
      ["active", "time"],
      ["cooling_down", "wiki"],
      ["active", "time"],
      ["cooling_down", "wiki"],
      ["active", "time"],
      ["disabled", "batch"],
    ]);

    // The same attribution over gRPC StreamStats and in the history's key-state markers.
    const opsMetadata = new Metadata();
    opsMetadata.set("authorization", `Bearer ${TOKENS.ops}`);
    const reader = new StatsReader(clientOf("ops"), { providers: ["solo"] }, opsMetadata);
    const streamed = (await reader.waitFor(1)).providers[0]?.keys[0];
    reader.call.cancel();
    expect(streamed).toMatchObject({ keyId: "solo1", state: KeyState.KEY_STATE_DISABLED, changedBy: "batch" });
    const history = await fetch(`http://${server!.adminAddress}/v1/stats/history?provider=solo&key=solo1`, { headers: { authorization: `Bearer ${TOKENS.ops}` } });
    expect(history.status).toBe(200);
    const markers = ((await history.json()) as { markers: { kind: string; key_state: string; changed_by: string }[] }).markers;
    expect(markers.filter((m) => m.kind === "key_state").map((m) => [m.key_state, m.changed_by])).toEqual(stateLines().map((l) => [l["to"], l["by"]]));
  });

  it("a trusted client's single UNAUTHORIZED disables the key, and so does an admin's", async () => {
    await start();
    await leaseAndReport("sre", { httpStatus: 401 }, "solo");
    expect(await statsKey("solo", "solo1")).toMatchObject({ state: "disabled", changed_by: "sre" });

    const keyId = await leaseAndReport("ops", { httpStatus: 403 });
    expect(await statsKey("openai", keyId)).toMatchObject({ state: "disabled", changed_by: "ops" });
  });

  it("a client over its budget of keys put out of service per minute cannot take more keys out; others still can", async () => {
    await start({ max_key_actions_per_client: 3 });
    const keys: string[] = [];
    for (let i = 0; i < 5; i++) keys.push(await leaseAndReport("wiki", { httpStatus: 429, retryAfter: durationFromMs(600_000), promptTokens: 7 }));
    const states = await Promise.all(keys.map((k) => statsKey("openai", k)));
    expect(states.map((s) => s.state)).toEqual(["cooling_down", "cooling_down", "cooling_down", "active", "active"]);
    expect(states.slice(0, 3).map((s) => s.changed_by)).toEqual(["wiki", "wiki", "wiki"]);
    const refused = lines.filter((l) => l.level === 40 && l["limit"] === "key_action_budget");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ client: "wiki" });
    expect(await reportLimits({ key_id: keys[3]!, client: "wiki", limit: "key_action_budget" })).toBe(1);
    expect(await reportLimits({ key_id: keys[4]!, client: "wiki", limit: "key_action_budget" })).toBeUndefined();

    // Its reports still end the lease and count their tokens: only the key's state is left alone.
    const res = await fetch(`http://${server!.adminAddress}/v1/stats?provider=openai`, { headers: { authorization: `Bearer ${TOKENS.ops}` } });
    const provider = ((await res.json()) as { providers: { in_flight: number; prompt_tokens_total: number }[] }).providers[0];
    expect(provider).toMatchObject({ in_flight: 0, prompt_tokens_total: 35 });

    const other = await leaseAndReport("batch", { httpStatus: 429, retryAfter: durationFromMs(600_000) });
    expect(await statsKey("openai", other)).toMatchObject({ state: "cooling_down", changed_by: "batch" });

    // A new minute, a new budget.
    clock.advance(60_000);
    const later = await leaseAndReport("wiki", { httpStatus: 429, retryAfter: durationFromMs(600_000) });
    expect(await statsKey("openai", later)).toMatchObject({ state: "cooling_down", changed_by: "wiki" });
  });
});
