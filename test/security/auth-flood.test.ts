import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyPoolServiceClient, Outcome, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { parsePrometheusText } from "../support/prometheus-text.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const APP = "kp-test-token-flood-app01";
const OPS = "kp-test-token-flood-ops01";
const WRONG = "kp-test-token-flood-wrong";

let server: KeypoolServer;
const lines: Record<string, unknown>[] = [];
const clients: KeyPoolServiceClient[] = [];

function md(token: string): Metadata {
  const m = new Metadata();
  m.set("authorization", `Bearer ${token}`);
  return m;
}

function acquire(c: KeyPoolServiceClient, token: string): Promise<AcquireKeyResponse> {
  return new Promise((resolve, reject) =>
    c.acquireKey({ provider: "openai", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "" }, md(token), { deadline: Date.now() + 20_000 }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

function report(c: KeyPoolServiceClient, token: string, leaseId: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    c.reportUsage(
      { leaseId, outcome: Outcome.OUTCOME_SUCCESS, httpStatus: 200, promptTokens: 1, completionTokens: 1, latency: undefined, retryAfter: undefined, errorMessage: "", responseHeaders: {}, errorBody: Buffer.alloc(0) },
      md(token),
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
}

function client(): KeyPoolServiceClient {
  const c = new KeyPoolServiceClient(server.grpcAddress, credentials.createInsecure());
  clients.push(c);
  return c;
}

async function failures(): Promise<{ listener: string; reason: string; response: string; value: number }[]> {
  const res = await fetch(`http://${server.adminAddress}/metrics`, { headers: { authorization: `Bearer ${OPS}` } });
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text())
    .samples.filter((s) => s.name === "keypool_auth_failures_total")
    .map((s) => ({ listener: s.labels["listener"]!, reason: s.labels["reason"]!, response: s.labels["response"]!, value: s.value }));
}

const sum = (rows: { value: number }[]) => rows.reduce((a, r) => a + r.value, 0);

beforeAll(async () => {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split("\n")) if (l.trim() !== "") lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  ({ server } = await startWithTokensFile(
    {
      clients: [
        { name: "app", token: APP, providers: ["openai"] },
        { name: "ops", token: OPS, providers: ["*"], admin: true },
      ],
    },
    { openai: { keys: ["sk-test-flood-0001", "sk-test-flood-0002"] } },
    { adminListen: "127.0.0.1:0", proxyListen: "127.0.0.1:0", log: createLogger({ level: "info", destination }) },
  ));
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop(1_000);
});

describe("failed authentication is seen and slowed", () => {
  it("300 wrong tokens are counted, logged in a bounded number of lines and slowed, while a good client's calls succeed", async () => {
    const attacker = client();
    const good = client();
    let flooding = true;
    const flood = Promise.all(
      Array.from({ length: 300 }, () =>
        acquire(attacker, WRONG).then(
          () => status.OK,
          (err: ServiceError) => err.code,
        ),
      ),
    ).finally(() => {
      flooding = false;
    });
    // The good client, from the same address, keeps leasing and reporting while the flood is answered.
    let servedDuringFlood = 0;
    do {
      const lease = await acquire(good, APP);
      await report(good, APP, lease.leaseId);
      if (flooding) servedDuringFlood += 1;
    } while (flooding && servedDuringFlood < 1_000);
    const codes = await flood;
    expect(servedDuringFlood).toBeGreaterThan(0);
    expect(codes.filter((c) => c === status.OK)).toEqual([]);
    expect(codes.every((c) => c === status.UNAUTHENTICATED || c === status.RESOURCE_EXHAUSTED)).toBe(true);

    const grpc = (await failures()).filter((r) => r.listener === "grpc" && r.reason === "invalid_token");
    const by = (response: string) => sum(grpc.filter((r) => r.response === response));
    expect(sum(grpc)).toBe(300);
    // The server's own tally: a few answered at once, some held back, the rest refused past the budget.
    expect(by("immediate")).toBe(5);
    expect(by("delayed")).toBeGreaterThan(0);
    expect(by("refused")).toBeGreaterThanOrEqual(300 - 30);
    expect(codes.filter((c) => c === status.RESOURCE_EXHAUSTED)).toHaveLength(by("refused"));

    const logged = lines.filter((l) => l["msg"] === "authentication failed");
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.length).toBeLessThanOrEqual(3);
    expect(logged[0]).toMatchObject({ listener: "grpc", source: "127.0.0.1", method: "/keypool.v1.KeyPoolService/AcquireKey", reason: "invalid_token" });
    expect(sum(logged.map((l) => ({ value: l["failures"] as number })))).toBeLessThanOrEqual(300);
    expect(JSON.stringify(lines)).not.toContain(WRONG);
  });

  it("admin HTTP and the proxy count and refuse the same source, while valid tokens on both still pass", async () => {
    const admin = await fetch(`http://${server.adminAddress}/v1/stats`, { headers: { authorization: `Bearer ${WRONG}` } });
    expect(admin.status).toBe(429);
    expect(Number(admin.headers.get("retry-after"))).toBeGreaterThan(0);
    const proxy = await fetch(`http://${server.proxyAddress}/openai/v1/chat/completions?key=${WRONG}`, {
      method: "POST",
      headers: { authorization: `Bearer ${WRONG}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(proxy.status).toBe(429);
    await proxy.text();
    expect((await fetch(`http://${server.adminAddress}/v1/stats`, { headers: { authorization: `Bearer ${OPS}` } })).status).toBe(200);
    const rows = await failures();
    expect(sum(rows.filter((r) => r.listener === "admin" && r.response === "refused"))).toBe(1);
    expect(sum(rows.filter((r) => r.listener === "proxy" && r.response === "refused"))).toBe(1);
    expect(JSON.stringify(lines)).not.toContain(WRONG);
  });
});
