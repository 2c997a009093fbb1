import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "../support/grpc-client.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { runCli, startCli } from "../support/run-cli.js";

let server: KeypoolServer;

beforeAll(async () => {
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    config: poolConfig({ openai: fakeKeys(3, { rpm: 60, tpm: 10_000 }), google: [{ id: "g1", secret: "AIzaSyTest-000000000000000000001" }] }),
    log: silentLogger(),
  });
  const c = new TestClient(server.grpcAddress);
  for (let i = 0; i < 6; i++) {
    const l = await c.acquire({ provider: "openai", estimatedTokens: 100 });
    await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 150, completionTokens: 50, latency: durationFromMs(400) });
  }
  const l = await c.acquire({ provider: "openai" });
  await c.report({ leaseId: l.leaseId, httpStatus: 429, retryAfter: durationFromMs(120_000), errorMessage: "slow down" });
  c.close();
});
afterAll(() => server.stop(1_000));

describe("keypool stats", () => {
  it("prints a table per provider with the balance ratio, load against limits, latency, 429s, and why a key is out", async () => {
    const res = await runCli(["stats", "--target", server.grpcAddress]);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(0);
    const out = res.stdout;
    // k1 cools down, so the current ratio compares k2 and k3 (2 and 2); the lifetime one 2 of 3 (never rounded up).
    expect(out).toMatch(/^openai {2}balance 1\.00 \(lifetime 0\.66\) {2}in-flight 0 {2}waiting 0 {2}requests 7 {2}429s 1 {2}errors 0/m);
    expect(out).toMatch(/^KEY +MASKED +STATE +IN-FLIGHT +REQ\/MIN +TOK\/MIN +UTIL +P50 +P95 +429s +ERRORS$/m);
    expect(out).toMatch(/^k1 +…0001 +cooling_down (?:2m00s|1m5\ds) +0 +3\/60 +400\/10k +5% +400ms +400ms +1 +0$/m);
    expect(out).toMatch(/^k2 +…0002 +active +0 +2\/60 +400\/10k +4% +400ms +400ms +0 +0$/m);
    expect(out).toContain("  k1: rate limited (429): slow down");
    expect(out).toMatch(/^google {2}balance 1\.00/m);
  });

  it("--provider filters, --json prints the /v1/stats document", async () => {
    const res = await runCli(["stats", "--target", server.grpcAddress, "--provider", "openai", "--json"]);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { config_generation: number; providers: { provider: string; balance_ratio: number; balance_ratio_total: number; keys: { key_id: string; state: string; latency_p50_ms: number; cooldown_until: string | null }[] }[] };
    expect(doc.config_generation).toBe(1);
    expect(doc.providers.map((p) => p.provider)).toEqual(["openai"]);
    expect(doc.providers[0]?.balance_ratio).toBe(1);
    expect(doc.providers[0]?.balance_ratio_total).toBeCloseTo(2 / 3);
    expect(doc.providers[0]?.keys[0]).toMatchObject({ key_id: "k1", state: "cooling_down", latency_p50_ms: 400, cooldown_until: expect.stringMatching(/Z$/) });
  });

  it("--watch --json prints one line per snapshot until interrupted, then exits 0", async () => {
    const cli = startCli(["stats", "--target", server.grpcAddress, "--watch", "--json", "--interval", "100ms"]);
    await cli.waitFor(/(.*\n){3}/);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    const lines = cli.output().trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect((JSON.parse(line) as { providers: unknown[] }).providers).toHaveLength(2);
  });

  it("says what went wrong: an unknown provider, a sidecar that is not there", async () => {
    const unknown = await runCli(["stats", "--target", server.grpcAddress, "--provider", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/NOT_FOUND.*providers\[0\]: not configured/);
    const absent = await runCli(["stats", "--target", "127.0.0.1:1"]);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toMatch(/cannot reach keypool at 127\.0\.0\.1:1/);
  });
});
