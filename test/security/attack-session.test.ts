import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import {
  KeyPoolServiceClient,
  Outcome,
  type AcquireKeyRequest,
  type AcquireKeyResponse,
  type ReportUsageResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { tempDir } from "../reload/support.js";
import { waitUntil } from "../support/wait-until.js";

const WIKI = "kp-test-token-wiki-0001";
const OPS = "kp-test-token-ops-00002";
const GEMINI_ONLY = "kp-test-token-gem-00003";

let server: KeypoolServer;
let dir: string;
const clients: KeyPoolServiceClient[] = [];

function client(): KeyPoolServiceClient {
  const c = new KeyPoolServiceClient(server.grpcAddress, credentials.createInsecure(), {
    "grpc.max_send_message_length": 64 * 1024 * 1024,
  });
  clients.push(c);
  return c;
}

function md(token?: string): Metadata {
  const m = new Metadata();
  if (token !== undefined) m.set("authorization", `Bearer ${token}`);
  return m;
}

function acquire(c: KeyPoolServiceClient, token: string | undefined, req: Partial<AcquireKeyRequest> = {}, deadlineMs = 5_000) {
  const full: AcquireKeyRequest = { provider: "openai", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "", ...req };
  return new Promise<AcquireKeyResponse>((resolve, reject) =>
    c.acquireKey(full, md(token), { deadline: Date.now() + deadlineMs }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

function report(c: KeyPoolServiceClient, token: string | undefined, leaseId: string) {
  return new Promise<ReportUsageResponse>((resolve, reject) =>
    c.reportUsage(
      { leaseId, outcome: Outcome.OUTCOME_SUCCESS, httpStatus: 0, promptTokens: 1, completionTokens: 1, latency: undefined, retryAfter: undefined, errorMessage: "", responseHeaders: {}, errorBody: Buffer.alloc(0) },
      md(token),
      { deadline: Date.now() + 5_000 },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return status.OK;
  } catch (err) {
    return (err as ServiceError).code;
  }
}

beforeAll(async () => {
  dir = tempDir();
  writeFileSync(
    join(dir, "tokens.json"),
    JSON.stringify({
      clients: [
        { name: "wiki", token: WIKI, providers: ["openai"] },
        { name: "ops", token: OPS, providers: ["*"], admin: true },
        { name: "gemini-only", token: GEMINI_ONLY, providers: ["google"] },
      ],
    }),
    { mode: 0o600 },
  );
  writeFileSync(
    join(dir, "keypool.json"),
    JSON.stringify({
      openai: { keys: [{ key: "sk-test-attack-0001", max_concurrent: 2 }] },
      google: { keys: ["AIza-test-attack-0001"] },
      settings: { max_waiting_per_provider: 100 },
    }),
    { mode: 0o600 },
  );
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    adminListen: "127.0.0.1:0",
    configFile: join(dir, "keypool.json"),
    tokensFile: join(dir, "tokens.json"),
    env: {},
    log: silentLogger(),
    watchDebounceMs: 50,
  });
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop(1_000);
});

describe("a scripted attack session", () => {
  it("refuses each attack with the right code while the legitimate client keeps being served", async () => {
    const attacker = client();
    const wiki = client();
    const legit = async () => {
      const lease = await acquire(wiki, WIKI);
      expect(lease.apiKey).toBe("sk-test-attack-0001");
      expect((await report(wiki, WIKI, lease.leaseId)).alreadyReported).toBe(false);
    };

    expect(await code(acquire(attacker, undefined))).toBe(status.UNAUTHENTICATED);
    await legit();
    expect(await code(acquire(attacker, "kp-test-token-wrong-9999"))).toBe(status.UNAUTHENTICATED);
    expect(await code(acquire(attacker, GEMINI_ONLY, { provider: "openai" }))).toBe(status.PERMISSION_DENIED);
    await legit();

    const reload = (token: string) =>
      new Promise((resolve, reject) =>
        attacker.reloadConfig({ configJson: "" }, md(token), { deadline: Date.now() + 5_000 }, (err, res) => (err ? reject(err) : resolve(res))),
      );
    expect(await code(reload(WIKI))).toBe(status.PERMISSION_DENIED);
    expect(await code(reload(OPS))).toBe(status.OK);

    // Another client's lease id: neither reportable nor a way to learn anything.
    const wikiLease = await acquire(wiki, WIKI);
    expect(await code(report(attacker, OPS, wikiLease.leaseId))).toBe(status.PERMISSION_DENIED);
    expect((await report(wiki, WIKI, wikiLease.leaseId)).alreadyReported).toBe(false);

    // An oversized message is refused by the transport before any handler runs.
    expect(await code(acquire(attacker, OPS, { model: "m".repeat(5 * 1024 * 1024) }))).toBe(status.RESOURCE_EXHAUSTED);
    await legit();
  });

  it("10,000 waiting acquisitions are bounded: the excess is refused at once, memory stays bounded, others are served", async () => {
    const attacker = client();
    const wiki = client();
    // Hold the only two concurrent slots so that everything else must wait.
    const held = [await acquire(wiki, WIKI), await acquire(wiki, WIKI)];
    let peakWaiting = 0;
    const sampler = setInterval(() => (peakWaiting = Math.max(peakWaiting, server.pool.waitingCount("openai"))), 5);
    try {
      // A deadline far beyond the 2 s wait: on a loaded machine 10,000 calls take a while to even reach the server.
      const calls = Array.from({ length: 10_000 }, () => code(acquire(attacker, OPS, { maxWait: durationFromMs(2_000) }, 60_000)));
      await waitUntil(() => server.pool.waitingCount("openai") === 100, "the waiting queue to fill", 10_000);
      const codes = await Promise.all(calls);
      clearInterval(sampler);
      expect(codes.filter((c) => c === status.RESOURCE_EXHAUSTED).length).toBe(10_000);
      // The queue, the only per-call state a waiting acquisition holds, never grew past its bound...
      expect(peakWaiting).toBe(100);
      // ...and nothing is left behind.
      expect(server.pool.waitingCount("openai")).toBe(0);
      expect(server.pool.openLeaseCount()).toBe(2);
    } finally {
      clearInterval(sampler);
      // Whatever happened, the next tests must find the slots free.
      for (const l of held) await report(wiki, WIKI, l.leaseId);
    }
    const lease = await acquire(wiki, WIKI);
    await report(wiki, WIKI, lease.leaseId);
    // Another provider was never affected.
    const gem = client();
    const g = await acquire(gem, GEMINI_ONLY, { provider: "google" });
    expect(g.keyId).toBeTruthy();
  }, 90_000);

  it("1,000 statistics streams from one client: the excess is refused and the server keeps serving", async () => {
    const attacker = client();
    const streams = Array.from({ length: 1_000 }, () => attacker.streamStats({ providers: [], interval: durationFromMs(1_000) }, md(OPS)));
    const outcomes = await Promise.all(
      streams.map(
        (s) =>
          new Promise<string>((resolve) => {
            s.once("data", () => resolve("data"));
            s.once("error", (e: ServiceError) => resolve(String(e.code)));
          }),
      ),
    );
    expect(outcomes.filter((o) => o === "data").length).toBe(64);
    expect(outcomes.filter((o) => o === String(status.RESOURCE_EXHAUSTED)).length).toBe(936);
    const wiki = client();
    const lease = await acquire(wiki, WIKI);
    await report(wiki, WIKI, lease.leaseId);
    for (const s of streams) s.cancel();
    await waitUntil(() => server.statsStreams.count() === 0, "the streams to be released");
  });

  it("health stays open; the admin endpoints need an admin token; a rotated tokens file takes effect", async () => {
    const base = `http://${server.adminAddress}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/v1/stats`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${WIKI}` } })).status).toBe(403);
    const stats = await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${OPS}` } });
    expect(stats.status).toBe(200);
    const text = await stats.text();
    for (const secret of [WIKI, OPS, GEMINI_ONLY, "sk-test-attack-0001", "AIza-test-attack-0001"]) expect(text).not.toContain(secret);

    const rotated = "kp-test-token-wiki-0002";
    writeFileSync(
      join(dir, "tokens.json"),
      JSON.stringify({ clients: [{ name: "wiki", token: rotated, providers: ["openai"] }, { name: "ops", token: OPS, providers: ["*"], admin: true }] }),
    );
    const c = client();
    // The old token keeps working until the watcher has applied the new file, then stops.
    const deadline = Date.now() + 5_000;
    for (;;) {
      // The new file may land between the acquisition and its report: then the report is the one refused.
      const outcome = await acquire(c, WIKI)
        .then((l) => report(c, WIKI, l.leaseId))
        .then(
          () => status.OK,
          (e: ServiceError) => e.code,
        );
      // A refused token counts as a failed authentication of this address: after the earlier attacks from 127.0.0.1
      // its refusal may be RESOURCE_EXHAUSTED (past the address's budget) rather than UNAUTHENTICATED.
      if (outcome === status.UNAUTHENTICATED || outcome === status.RESOURCE_EXHAUSTED) break;
      expect(outcome).toBe(status.OK);
      expect(Date.now()).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 50));
    }
    const lease = await acquire(c, rotated);
    await report(c, rotated, lease.leaseId);
  });
});
