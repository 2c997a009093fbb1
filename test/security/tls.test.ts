import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect } from "vitest";
import { KeyPoolServiceClient, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { tempDir } from "../reload/support.js";
import { makePki, type Pki } from "../support/test-pki.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { waitUntil } from "../support/wait-until.js";
import { it } from "../support/keypool-fixture.js";

let pki: Pki;
let server: KeypoolServer | undefined;
const clients: KeyPoolServiceClient[] = [];

beforeAll(() => {
  pki = makePki(tempDir());
});
// The fixture stops the server after this.
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  server = undefined;
});

function connect(cert?: { cert: string; key: string }, ca = pki.caCert): KeyPoolServiceClient {
  const creds = credentials.createSsl(
    readFileSync(ca),
    cert === undefined ? null : readFileSync(cert.key),
    cert === undefined ? null : readFileSync(cert.cert),
  );
  const port = server!.grpcAddress.split(":").pop();
  // Connect by name so the certificate's DNS name is what is verified.
  const c = new KeyPoolServiceClient(`localhost:${port}`, creds);
  clients.push(c);
  return c;
}

function acquire(c: KeyPoolServiceClient, token?: string): Promise<AcquireKeyResponse> {
  const md = new Metadata();
  if (token !== undefined) md.set("authorization", `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    c.acquireKey(
      { provider: "openai", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "" },
      md,
      { deadline: Date.now() + 3_000 },
      (err, res) => (err ? reject(err) : resolve(res)),
    ),
  );
}

async function failure(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error("expected a failure");
}

describe("TLS and mTLS on the gRPC listener", () => {
  it("serves TLS clients that trust the CA and refuses plaintext ones", async ({ keypool }) => {
    server = await keypool.start({
      config: poolConfig({ openai: fakeKeys(1) }),
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey },
    });
    expect((await acquire(connect())).keyId).toBe("k1");
    const plain = new KeyPoolServiceClient(server.grpcAddress, credentials.createInsecure());
    clients.push(plain);
    expect((await failure(acquire(plain))).code).toBe(status.UNAVAILABLE);
  });

  it("with a client CA: a certificate from it is served, and its name stands for a token; none or another CA's is refused at the handshake", async ({ keypool }) => {
    const dir = tempDir();
    const tokens = join(dir, "tokens.json");
    writeFileSync(tokens, JSON.stringify({ clients: [{ name: "batch", certificate_cn: "batch.internal", providers: ["openai"] }] }), { mode: 0o600 });
    server = await keypool.start({
      config: poolConfig({ openai: fakeKeys(1) }),
      tokensFile: tokens,
      env: {},
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert },
    });
    const lease = await acquire(connect({ cert: pki.clientCert, key: pki.clientKey }));
    expect(lease.keyId).toBe("k1");
    expect((await failure(acquire(connect()))).code).toBe(status.UNAVAILABLE);
    expect((await failure(acquire(connect({ cert: pki.strangerCert, key: pki.strangerKey })))).code).toBe(status.UNAVAILABLE);
  });

  it("serves a renewed certificate without a restart", async ({ keypool }) => {
    const dir = tempDir();
    const cert = join(dir, "tls.crt");
    const key = join(dir, "tls.key");
    copyFileSync(pki.serverCert, cert);
    copyFileSync(pki.serverKey, key);
    server = await keypool.start({
      config: poolConfig({ openai: fakeKeys(1) }),
      tls: { certFile: cert, keyFile: key, refreshMs: 200 },
    });
    // A client that trusts only the other CA is refused until the renewed certificate (from that CA) is in place.
    expect((await failure(acquire(connect(undefined, pki.otherCaCert)))).code).toBe(status.UNAVAILABLE);
    copyFileSync(pki.otherServerCert, cert);
    copyFileSync(pki.otherServerKey, key);
    let lease: AcquireKeyResponse | undefined;
    await waitUntil(async () => {
      lease = await acquire(connect(undefined, pki.otherCaCert)).catch(() => undefined);
      return lease !== undefined;
    }, "the renewed certificate to be served");
    expect(lease?.keyId).toBe("k1");
  });
});

describe("TLS on the admin listener", () => {
  it("serves HTTPS with the same files, and with a client CA refuses clients without a certificate", async ({ keypool }) => {
    const { request } = await import("node:https");
    server = await keypool.start({
      adminListen: "127.0.0.1:0",
      config: poolConfig({ openai: fakeKeys(1) }),
      tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert },
    });
    const port = Number(server.adminAddress?.split(":").pop());
    const get = (withCert: boolean) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          {
            host: "localhost",
            port,
            path: "/healthz",
            ca: readFileSync(pki.caCert),
            ...(withCert ? { cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) } : {}),
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on("error", reject);
        req.end();
      });
    expect(await get(true)).toBe(200);
    await expect(get(false)).rejects.toThrow();
  });
});

describe("TLS on the proxy listener", () => {
  it("serves HTTPS; with a client CA a verified certificate stands for a token, a token still works, and no certificate or another CA's is refused at the handshake", async ({ keypool }) => {
    const { request } = await import("node:https");
    const { startSimulator } = await import("../../src/simulator/index.js");
    const sim = await startSimulator({ keys: { "sk-test-tlsproxy-0001": { label: "k1" } } });
    const dir = tempDir();
    const tokens = join(dir, "tokens.json");
    const APP = "kp-test-tlsproxy-app-token";
    writeFileSync(
      tokens,
      JSON.stringify({
        clients: [
          { name: "batch", certificate_cn: "batch.internal", providers: ["openai"] },
          { name: "app", token: APP, providers: ["openai"] },
        ],
      }),
      { mode: 0o600 },
    );
    try {
      server = await keypool.start({
        proxyListen: "127.0.0.1:0",
        config: poolConfig({ openai: [{ id: "k1", secret: "sk-test-tlsproxy-0001", baseUrl: `${sim.url}/v1` }] }),
        tokensFile: tokens,
        env: {},
        watch: false,
        tls: { certFile: pki.serverCert, keyFile: pki.serverKey, clientCaFile: pki.caCert },
      });
      const port = Number(server.proxyAddress?.split(":").pop());
      const chat = (cert: { cert: string; key: string } | undefined, token?: string, ca = pki.caCert) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }], max_tokens: 8 });
          const req = request(
            {
              host: "localhost",
              port,
              method: "POST",
              path: "/openai/v1/chat/completions",
              ca: readFileSync(ca),
              headers: { "content-type": "application/json", ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
              ...(cert === undefined ? {} : { cert: readFileSync(cert.cert), key: readFileSync(cert.key) }),
            },
            (res) => {
              let text = "";
              res.setEncoding("utf8");
              res.on("data", (c: string) => (text += c));
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
            },
          );
          req.on("error", reject);
          req.end(body);
        });
      const byCert = await chat({ cert: pki.clientCert, key: pki.clientKey });
      expect(byCert.status).toBe(200);
      expect(JSON.parse(byCert.body).choices).toHaveLength(1);
      expect((await chat({ cert: pki.clientCert, key: pki.clientKey }, APP)).status).toBe(200);
      // A wrong token is not rescued by the certificate: a token that is sent must be valid.
      expect((await chat({ cert: pki.clientCert, key: pki.clientKey }, "kp-test-wrong")).status).toBe(401);
      await expect(chat(undefined, APP)).rejects.toThrow();
      await expect(chat({ cert: pki.strangerCert, key: pki.strangerKey }, APP)).rejects.toThrow();
      expect(sim.keyStats("k1")?.successes).toBe(2);
    } finally {
      await sim.close();
    }
  });
});
