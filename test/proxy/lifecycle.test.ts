import { mkdtempSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { describe, expect, it, onTestFinished } from "vitest";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { ProxyServer } from "../../src/proxy/proxy-server.js";
import { systemClock } from "../../src/clock/clock.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { startCli } from "../support/run-cli.js";
import { poolConfig } from "../support/pool-config.js";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";
import { waitUntil } from "../support/wait-until.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Lifecycle." }] };

describe("starting and stopping the proxy", () => {
  it("`keypool serve --proxy-listen` serves SDK calls through the proxy and logs its address; no secret in the output", async () => {
    const sim = await simulator({ completionTokens: 3 });
    const secrets = ["sk-test-cli-proxy-0001", "sk-test-cli-proxy-0002"];
    for (const s of secrets) sim.addKey(s);
    const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--proxy-listen", "127.0.0.1:0", "--no-watch"], {
      OPENAI_API_KEYS: secrets.join(","),
      OPENAI_BASE_URL: `${sim.url}/v1`,
    });
    onTestFinished(async () => {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
      await cli.exited;
    });
    const [, address] = await cli.waitFor(/"proxy":"(127\.0\.0\.1:\d+)"/);
    const openai = new OpenAI({ apiKey: "sk-test-anything", baseURL: `http://${address}/openai/v1`, maxRetries: 0 });
    for (let i = 0; i < 4; i++) expect((await openai.chat.completions.create(chat)).usage?.completion_tokens).toBe(3);
    expect(sim.stats().byLabel["key-1"]?.successes).toBe(2);
    expect(sim.stats().byLabel["key-2"]?.successes).toBe(2);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    for (const s of secrets) expect(cli.output()).not.toContain(s);
  });

  it("without --proxy-listen there is no proxy", async () => {
    const sim = await simulator();
    const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--no-watch"], { OPENAI_API_KEYS: "sk-test-cli-noproxy-0001", OPENAI_BASE_URL: sim.url });
    onTestFinished(async () => {
      if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
      await cli.exited;
    });
    await cli.waitFor(/keypool serving/);
    expect(cli.output()).toContain('"proxy":"off"');
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
  });

  it("stop() lets a stream in flight finish within the grace period, then cuts it and ends its lease", async () => {
    const sim = await simulator({ completionTokens: 200, latency: { perTokenMs: 20 } });
    const server = await keypoolProxy({ openai: simKeys(sim, "stop", 1, `${sim.url}/v1`) });
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...chat, stream: true }) });
    expect(res.status).toBe(200);
    const reading = res.text().catch((e: unknown) => e);
    await waitUntil(() => sim.keyStats("k1")!.inFlight === 1, "the stream to start");
    const started = performance.now();
    await server.stop(300);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(2_000);
    expect(await reading).toBeInstanceOf(Error);
    await waitUntil(() => sim.keyStats("k1")!.clientDisconnects === 1, "the upstream request to end");
    expect(server.pool.openLeaseCount()).toBe(0);
    expect(poolKeys(server, "openai")["k1"]?.byOutcome).toEqual({ cancelled: 1 });
    // The port is closed.
    await expect(fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: "{}" })).rejects.toThrow();
  });

  it("refuses a non-loopback bind without client tokens, naming the proxy listener", async () => {
    const pool = new MemoryLeasePool({ clock: systemClock });
    pool.applyConfig(poolConfig({ openai: [{ secret: "sk-test-bind-0001" }] }));
    const proxy = new ProxyServer({ pool, log: silentLogger() });
    onTestFinished(() => proxy.close(0));
    // 192.0.2.1 (TEST-NET-1) is never a local address: the policy must refuse before any bind is tried.
    await expect(proxy.listen("192.0.2.1:0")).rejects.toMatchObject({ code: "FAILED_PRECONDITION", message: expect.stringContaining("proxy listener 192.0.2.1:0") });
  });

  it("a ProxyServer can run alone over any MemoryLeasePool (embedding, benchmarks), on a unix socket too", async () => {
    const sim = await simulator({ completionTokens: 2 });
    sim.addKey("sk-test-embed-0001", { label: "e1" });
    const pool = new MemoryLeasePool({ clock: systemClock });
    pool.applyConfig(poolConfig({ openai: [{ id: "e1", secret: "sk-test-embed-0001", baseUrl: `${sim.url}/v1` }] }));
    const proxy = new ProxyServer({ pool, log: silentLogger(), options: { maxAttempts: 2 } });
    onTestFinished(() => proxy.close(0));
    const address = await proxy.listen("127.0.0.1:0");
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `http://${address}/openai/v1`, maxRetries: 0 });
    expect((await openai.chat.completions.create(chat)).usage?.completion_tokens).toBe(2);
    expect(sim.keyStats("e1")?.successes).toBe(1);
    expect(pool.openLeaseCount()).toBe(0);

    const dir = mkdtempSync(join(tmpdir(), "keypool-proxy-sock-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const onSocket = new ProxyServer({ pool, log: silentLogger() });
    onTestFinished(() => onSocket.close(0));
    const socketPath = join(dir, "proxy.sock");
    expect(await onSocket.listen(`unix:${socketPath}`)).toBe(`unix:${socketPath}`);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ socketPath, path: "/openai/v1/chat/completions", method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on("error", reject);
      req.end(JSON.stringify(chat));
    });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ usage: { completion_tokens: 2 } });
    expect(sim.keyStats("e1")?.successes).toBe(2);
  });
});
