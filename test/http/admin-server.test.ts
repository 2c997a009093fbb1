import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../support/manual-clock.js";
import { AdminServer } from "../../src/http/admin-server.js";
import { parseAdminListen } from "../../src/listen/admin-listen.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { MemoryLeasePool } from "../../src/store/memory/memory-lease-pool.js";
import { KeypoolMetrics } from "../../src/telemetry/keypool-metrics.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { StatsSubscribers } from "../../src/telemetry/stats-subscribers.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { SseReader } from "../support/sse.js";

let server: KeypoolServer | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  await server?.stop(1_000);
  server = undefined;
});

async function start() {
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    adminListen: "127.0.0.1:0",
    config: poolConfig({ openai: fakeKeys(2), google: [{ id: "g1", secret: "AIzaSyTest-000000000000000000001" }] }),
    log: silentLogger(),
  });
  return `http://${server.adminAddress}`;
}

describe("admin HTTP server", () => {
  it("answers /healthz and /readyz, and /readyz follows readiness", async () => {
    const clock = new ManualClock();
    const pool = new MemoryLeasePool({ clock });
    const subscribers = new StatsSubscribers();
    const metrics = new KeypoolMetrics({ pool, subscribers });
    let ready = false;
    const admin = new AdminServer({ pool, metrics, subscribers, log: silentLogger(), ready: () => ready });
    const address = await admin.listen(parseAdminListen("127.0.0.1:0")!);
    cleanups.push(async () => {
      await admin.close();
      await metrics.shutdown();
    });
    const base = `http://${address}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ status: "not ready" });
    pool.applyConfig(poolConfig({ openai: fakeKeys(1) }));
    ready = true;
    const readyRes = await fetch(`${base}/readyz`);
    expect(readyRes.status).toBe(200);
    expect(await readyRes.json()).toEqual({ status: "ready", config_generation: 1 });
  });

  it("a running keypool is ready; /v1/stats is the snapshot as JSON, filtered by ?provider=", async () => {
    const base = await start();
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: "ready" });
    const res = await fetch(`${base}/v1/stats`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as { config_generation: number; providers: { provider: string; keys: { key_id: string; state: string; limits: unknown }[] }[] };
    expect(body.config_generation).toBe(1);
    expect(body.providers.map((p) => p.provider)).toEqual(["openai", "google"]);
    expect(body.providers[0]?.keys[0]).toMatchObject({ key_id: "k1", state: "active", masked_key: "…0001", cooldown_until: null, latency_p50_ms: null });
    const filtered = (await (await fetch(`${base}/v1/stats?provider=google`)).json()) as { providers: { provider: string }[] };
    expect(filtered.providers.map((p) => p.provider)).toEqual(["google"]);
  });

  it("answers mistakes with JSON errors: unknown provider 404, unknown path 404, POST 405, bad interval 400", async () => {
    const base = await start();
    const unknown = await fetch(`${base}/v1/stats?provider=nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "NOT_FOUND", message: expect.stringContaining("providers[0]: not configured") } });
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
    // Without Origin and CSRF token a POST is refused before its method is looked at (see admin-rebinding.test.ts).
    expect((await fetch(`${base}/v1/stats`, { method: "POST" })).status).toBe(403);
    // A bearer header, which no cross-site page can add, passes that check.
    const post = await fetch(`${base}/v1/stats`, { method: "POST", headers: { authorization: "Bearer any" } });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect((await fetch(`${base}/v1/stats/stream?interval=10ms`)).status).toBe(400);
    expect((await fetch(`${base}/v1/stats/stream?interval=soon`)).status).toBe(400);
  });

  it("streams the snapshots as Server-Sent Events at the asked interval, and ends them on shutdown", async () => {
    const base = await start();
    const t0 = Date.now();
    const res = await fetch(`${base}/v1/stats/stream?interval=100ms&provider=openai`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const sse = new SseReader(res.body!);
    const first = await sse.waitFor(1);
    expect(first.event).toBe("snapshot");
    expect((JSON.parse(first.data) as { providers: { provider: string }[] }).providers.map((p) => p.provider)).toEqual(["openai"]);
    await sse.waitFor(4);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(server!.statsStreams.count("sse")).toBe(1);
    const stopped = server!.stop(5_000);
    server = undefined;
    await sse.drain();
    await stopped;
    expect(sse.ended).toBe(true);
  });

  it("an SSE client that goes away is forgotten", async () => {
    const base = await start();
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/stats/stream?interval=100ms`, { signal: controller.signal });
    const sse = new SseReader(res.body!);
    await sse.waitFor(2);
    controller.abort();
    const end = Date.now() + 5_000;
    while (server!.statsStreams.count() > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    expect(server!.statsStreams.count()).toBe(0);
  });

  it("off, none or empty disables the admin server; a bad address is an error", () => {
    expect(parseAdminListen("off")).toBeUndefined();
    expect(parseAdminListen("")).toBeUndefined();
    expect(parseAdminListen(" none ")).toBeUndefined();
    expect(parseAdminListen("127.0.0.1:9464")).toEqual({ kind: "tcp", host: "127.0.0.1", port: 9464 });
    expect(() => parseAdminListen("localhost")).toThrow(/expected host:port/);
  });
});
