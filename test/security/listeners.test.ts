import { credentials, Metadata } from "@grpc/grpc-js";
import { statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { KeyPoolServiceClient } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { checkExposure } from "../../src/listen/exposure-policy.js";
import { parseListenAddress } from "../../src/listen/listen-address.js";
import type { KeypoolServerOptions } from "../../src/keypool-server.js";
import { tempDir } from "../reload/support.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

/** The HTTP status of a GET over a unix socket. */
function statusOverSocket(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

const start = (keypool: Keypools, listen: string, extra: KeypoolServerOptions = {}) => keypool.start({ listen, config: poolConfig({ openai: fakeKeys(1) }), ...extra });

describe("listeners", () => {
  it("serves on a unix socket created with mode 0600, replacing a stale socket", async ({ keypool }) => {
    const dir = tempDir();
    const path = join(dir, "keypool.sock");
    // A socket left behind by a process that died: bound once, never unlinked.
    const stale = createServer();
    await new Promise<void>((r) => stale.listen(path, r));
    (stale as unknown as { _handle: { close(): void } })._handle.close();
    const server = await start(keypool, `unix:${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const client = new KeyPoolServiceClient(`unix:${path}`, credentials.createInsecure());
    const lease = await new Promise<{ keyId: string }>((resolve, reject) =>
      client.acquireKey(
        { provider: "openai", model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "" },
        new Metadata(),
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
    expect(lease.keyId).toBe("k1");
    client.close();
  });

  it("never replaces a live socket or a file that is not a socket", async ({ keypool }) => {
    const dir = tempDir();
    const live = join(dir, "live.sock");
    const other = createServer();
    await new Promise<void>((r) => other.listen(live, r));
    await expect(start(keypool, `unix:${live}`)).rejects.toMatchObject({ code: "FAILED_PRECONDITION", message: expect.stringContaining("in use") });
    other.close();
    const file = join(dir, "notes.txt");
    writeFileSync(file, "keep me");
    await expect(start(keypool, `unix:${file}`)).rejects.toMatchObject({ message: expect.stringContaining("not a socket") });
  });

  it("refuses a non-loopback bind without TLS or tokens unless --insecure, and says why", async ({ keypool }) => {
    await expect(start(keypool, "0.0.0.0:0")).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringMatching(/reachable from other hosts.*--insecure/),
    });
    const addr = parseListenAddress("10.1.2.3:50051");
    expect(checkExposure("gRPC", addr, { tls: false, tokens: false, insecure: true })[0]).toMatch(/without TLS or client tokens/);
    expect(checkExposure("gRPC", addr, { tls: false, tokens: true, insecure: false })[0]).toMatch(/clear text/);
    expect(checkExposure("gRPC", addr, { tls: true, tokens: true, insecure: false })).toEqual([]);
    for (const local of ["127.0.0.1:1", "localhost:1", "[::1]:1", "unix:/tmp/x.sock"]) {
      expect(checkExposure("gRPC", parseListenAddress(local), { tls: false, tokens: false, insecure: false })).toEqual([]);
    }
  });

  it("applies the same policy to the proxy: a wide bind without TLS or tokens is refused and nothing is left running; a unix socket gets 0600", async ({ keypool }) => {
    await expect(start(keypool, "127.0.0.1:0", { proxyListen: "0.0.0.0:0" })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      message: expect.stringMatching(/^proxy listener 0\.0\.0\.0:0 is reachable from other hosts/),
    });
    const path = join(tempDir(), "proxy.sock");
    const server = await start(keypool, "127.0.0.1:0", { proxyListen: `unix:${path}` });
    expect(server.proxyAddress).toBe(`unix:${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await statusOverSocket(path, "/nowhere/v1/models")).toBe(404);
  });

  it("the admin listener on a unix socket is created 0600 too, replacing a stale socket", async ({ keypool }) => {
    const path = join(tempDir(), "admin.sock");
    const stale = createServer();
    await new Promise<void>((r) => stale.listen(path, r));
    (stale as unknown as { _handle: { close(): void } })._handle.close();
    const server = await start(keypool, "127.0.0.1:0", { adminListen: `unix:${path}` });
    expect(server.adminAddress).toBe(`unix:${path}`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await statusOverSocket(path, "/healthz")).toBe(200);
  });
});
