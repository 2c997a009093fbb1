import { status } from "@grpc/grpc-js";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { Metadata } from "@grpc/grpc-js";
import type { ReloadConfigResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { grpcError, TestClient } from "../support/grpc-client.js";
import { runCli, startCli } from "../support/run-cli.js";
import { keysDoc, tempDir } from "./support.js";
import { it } from "../support/keypool-fixture.js";

function reload(c: TestClient, configJson = ""): Promise<ReloadConfigResponse> {
  return new Promise((resolve, reject) =>
    c.raw.reloadConfig({ configJson }, new Metadata(), { deadline: Date.now() + 5_000 }, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

describe("ReloadConfig", () => {
  it("applies inline JSON with the exact diff; the same document twice is an empty diff at the same generation", async ({ keypool }) => {
    const dir = tempDir();
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { keys: keysDoc(["a1", "a2", "a3"]) } }));
    const server = await keypool.start({ configFile: file, env: {}, watch: false });
    const client = keypool.connect(server.grpcAddress);
    const doc = JSON.stringify({
      openai: { keys: [...keysDoc(["a1"]), { key: "sk-test-reload-a2", id: "a2", rpm: 9 }, ...keysDoc(["a4"])] },
    });
    const first = await reload(client, doc);
    expect(first).toEqual({
      configGeneration: 2,
      addedKeyIds: ["openai/a4"],
      removedKeyIds: ["openai/a3"],
      updatedKeyIds: ["openai/a2"],
      unchangedKeyIds: ["openai/a1"],
      warnings: [],
    });
    const again = await reload(client, doc);
    expect(again).toEqual({
      configGeneration: 2,
      addedKeyIds: [],
      removedKeyIds: [],
      updatedKeyIds: [],
      unchangedKeyIds: ["openai/a1", "openai/a2", "openai/a4"],
      warnings: [],
    });
    // An empty request re-reads the file, which inline JSON did not rewrite.
    const reread = await reload(client);
    expect(reread).toMatchObject({ configGeneration: 3, addedKeyIds: ["openai/a3"], removedKeyIds: ["openai/a4"], updatedKeyIds: ["openai/a2"] });
  });

  it("rejects a bad document with INVALID_ARGUMENT listing every error, no secret, and the running config untouched", async ({ keypool }) => {
    const server = await keypool.start({ config: undefined, env: { OPENAI_API_KEYS: "sk-test-reload-env1,sk-test-reload-env2" } });
    const client = keypool.connect(server.grpcAddress);
    const err = await grpcError(
      reload(client, JSON.stringify({ openai: { keys: [{ key: "sk-test-reload-bad1", rpm: 0 }, { key: "sk-test-reload-bad2", wieght: 2 }] } })),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toContain("openai.keys[0].rpm");
    expect(err.details).toContain("openai.keys[1].wieght: unknown field");
    expect(err.details).not.toMatch(/sk-test-reload/);
    expect(server.pool.configGeneration).toBe(1);
    const lease = await client.acquire({ provider: "openai" });
    expect(lease.apiKey).toMatch(/^sk-test-reload-env[12]$/);
  });
});

describe("keypool reload and SIGHUP", () => {
  it("SIGHUP re-reads an unwatched config; `keypool reload` prints the diff and fails on a rejected document", async () => {
    const dir = tempDir();
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { keys: keysDoc(["a1"]) } }));
    const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--config", file, "--no-watch"]);
    try {
      const [, address] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)"/);
      writeFileSync(file, JSON.stringify({ openai: { keys: keysDoc(["a1", "a2"]) } }));
      await new Promise((r) => setTimeout(r, 300));
      expect(cli.output()).not.toMatch(/config reloaded/);
      cli.child.kill("SIGHUP");
      await cli.waitFor(/"trigger":"signal","result":"applied","generation":2,"added":1/);

      const docFile = join(dir, "inline.json");
      writeFileSync(docFile, JSON.stringify({ openai: { keys: keysDoc(["a2", "a3"]) } }));
      const ok = await runCli(["reload", "--target", address as string, "--config-json", docFile]);
      expect(ok.code).toBe(0);
      expect(ok.stdout).toContain("config generation 3");
      expect(ok.stdout).toMatch(/added \(1\):\n {2}openai\/a3/);
      expect(ok.stdout).toMatch(/removed \(draining\) \(1\):\n {2}openai\/a1/);

      writeFileSync(docFile, "{ not json");
      const bad = await runCli(["reload", "--target", address as string, "--config-json", docFile]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/reload failed: .*invalid JSON at line 1/);
      expect(cli.output()).not.toContain("sk-test-reload");
    } finally {
      cli.child.kill("SIGTERM");
      await cli.exited;
    }
  });
});
