import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CSRF_TOKEN_TTL_MS, CsrfTokens } from "../../src/http/csrf-token.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { tempDir } from "../reload/support.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const OPS = "kp-test-token-rebind-ops1";

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so that Host and Origin are exactly what a browser under DNS rebinding would send. */
function send(target: { port?: number; socketPath?: string }, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", ...target, method, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

let open: KeypoolServer;
let socketServer: KeypoolServer;
let socketPath: string;
let port: number;

beforeAll(async () => {
  open = await startKeypoolServer({ listen: "127.0.0.1:0", adminListen: "127.0.0.1:0", config: poolConfig({ openai: fakeKeys(1) }), log: silentLogger() });
  port = Number(open.adminAddress!.split(":").pop());
  socketPath = join(tempDir(), "admin.sock");
  socketServer = await startKeypoolServer({ listen: "127.0.0.1:0", adminListen: `unix:${socketPath}`, config: poolConfig({ openai: fakeKeys(1) }), log: silentLogger() });
});
afterAll(async () => {
  await open.stop(1_000);
  await socketServer.stop(1_000);
});

describe("the admin server without tokens checks Host and Origin", () => {
  it("refuses a rebinding-style Host with 403 and a body naming the header, without echoing it", async () => {
    const rebound = await send({ port }, "GET", "/v1/stats", { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(JSON.parse(rebound.body)).toMatchObject({ error: { code: "PERMISSION_DENIED", message: expect.stringMatching(/^Host header: /) } });
    expect(rebound.body).not.toContain("evil.example");
    expect((await send({ port }, "GET", "/metrics", { host: "attacker.localhost.evil:80" })).status).toBe(403);
  });

  it("answers loopback names and the address it listens on", async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, "LOCALHOST.", `[::1]:${port}`]) {
      const res = await send({ port }, "GET", "/v1/stats", { host });
      expect(res.status, host).toBe(200);
    }
  });

  it("on a unix socket, which no web page reaches, any Host is answered", async () => {
    expect((await send({ socketPath }, "GET", "/v1/stats", { host: "evil.example" })).status).toBe(200);
  });

  it("a state-changing request needs the server's own origin and a CSRF token it issued", async () => {
    const host = `localhost:${port}`;
    const noOrigin = await send({ port }, "POST", "/v1/stats", { host });
    expect(noOrigin.status).toBe(403);
    expect(noOrigin.body).toMatch(/Origin header: /);
    const crossSite = await send({ port }, "POST", "/v1/stats", { host, origin: "http://evil.example" });
    expect(crossSite.status).toBe(403);
    const noToken = await send({ port }, "POST", "/v1/stats", { host, origin: `http://${host}` });
    expect(noToken.status).toBe(403);
    expect(noToken.body).toMatch(/x-keypool-csrf header: /);
    const forged = await send({ port }, "POST", "/v1/stats", { host, origin: `http://${host}`, "x-keypool-csrf": "1.abc.def" });
    expect(forged.status).toBe(403);
    const issued = JSON.parse((await send({ port }, "GET", "/v1/csrf-token", { host })).body) as { header: string; token: string };
    expect(issued.header).toBe("x-keypool-csrf");
    // Past the guard: the admin server has no state-changing endpoint, so the method itself is refused.
    const passed = await send({ port }, "POST", "/v1/stats", { host, origin: `http://${host}`, "x-keypool-csrf": issued.token });
    expect(passed.status).toBe(405);
  });
});

describe("with client tokens", () => {
  it("the admin token is the protection: any Host is answered to an administrator, nothing without one", async () => {
    const { server } = await startWithTokensFile({ clients: [{ name: "ops", token: OPS, providers: ["*"], admin: true }] }, { openai: { keys: ["sk-test-rebind-0001"] } }, { adminListen: "127.0.0.1:0" });
    try {
      const p = Number(server.adminAddress!.split(":").pop());
      expect((await send({ port: p }, "GET", "/v1/stats", { host: "evil.example", authorization: `Bearer ${OPS}` })).status).toBe(200);
      expect((await send({ port: p }, "GET", "/v1/stats", { host: "evil.example" })).status).toBe(401);
      // A bearer token stands for the CSRF check: a cross-site page cannot attach one.
      expect((await send({ port: p }, "POST", "/v1/stats", { host: "evil.example", authorization: `Bearer ${OPS}` })).status).toBe(405);
    } finally {
      await server.stop(1_000);
    }
  });
});

describe("CSRF tokens", () => {
  it("are accepted while fresh, refused once expired, altered or issued by another process", () => {
    let now = 1_000_000;
    const tokens = new CsrfTokens(() => now);
    const t = tokens.issue();
    expect(tokens.verify(t)).toBe(true);
    expect(tokens.verify(`${t.slice(0, -2)}xx`)).toBe(false);
    expect(tokens.verify(t.replace(/^\d+/, String(now + 1)))).toBe(false);
    expect(new CsrfTokens(() => now).verify(t)).toBe(false);
    expect(tokens.verify(undefined)).toBe(false);
    now += CSRF_TOKEN_TTL_MS;
    expect(tokens.verify(t)).toBe(false);
  });
});
