import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { TestClient } from "../support/grpc-client.js";
import { runCli, startCli } from "../support/run-cli.js";

const SECRETS = ["sk-test-cli-0001", "sk-test-cli-0002", "sk-test-cli-0003", "sk-test-cli-0004", "sk-test-cli-0005"];

describe("keypool CLI", () => {
  it("prints help", async () => {
    const res = await runCli(["--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("serve");
    expect(res.stdout).toContain("check-config");
  });

  it("serves OPENAI_API_KEYS: ten concurrent pairs lease each of five keys twice; SIGTERM exits 0", async () => {
    const cli = startCli(["serve", "--listen", "127.0.0.1:0"], { OPENAI_API_KEYS: SECRETS.join(",") });
    const [, address] = await cli.waitFor(/"grpc":"(127\.0\.0\.1:\d+)"/);
    const client = new TestClient(address as string);
    const keys = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lease = await client.acquire({ provider: "openai" });
        await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 10 });
        return lease.apiKey;
      }),
    );
    client.close();
    for (const s of SECRETS) expect(keys.filter((k) => k === s)).toHaveLength(2);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    for (const s of SECRETS) expect(cli.output()).not.toContain(s);
  });

  it("the single-key OPENAI_API_KEY still works", async () => {
    const res = await runCli(["check-config"], { OPENAI_API_KEY: "sk-test-single-0001" });
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("openai");
    expect(res.stdout + res.stderr).not.toContain("sk-test-single-0001");
  });

  it("refuses to start without keys and says how to configure them", async () => {
    const res = await runCli(["serve", "--listen", "127.0.0.1:0"]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toMatch(/OPENAI_API_KEYS/);
  });

  it("a gRPC port in use: one plain line naming the address and the reason, non-zero exit", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    const { port } = taken.address() as { port: number };
    try {
      const res = await runCli(["serve", "--listen", `127.0.0.1:${port}`, "--admin-listen", "off"], { OPENAI_API_KEYS: SECRETS.join(",") });
      expect(res.code).not.toBe(0);
      expect(res.stderr).toBe(`keypool: cannot listen on 127.0.0.1:${port} for gRPC: address already in use\n`);
      expect(res.stdout).not.toMatch(/No address added/);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it("refuses a malformed config file naming the problem, without printing a secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keypool-cli-"));
    const syntax = join(dir, "syntax.json");
    writeFileSync(syntax, '{\n  "openai": {\n    "keys": ["sk-test-cli-0001",]\n  }\n}\n');
    const res1 = await runCli(["serve", "--listen", "127.0.0.1:0", "--config", syntax]);
    expect(res1.code).not.toBe(0);
    expect(res1.stderr).toMatch(/line 3, column \d+/);
    const schema = join(dir, "schema.json");
    writeFileSync(schema, JSON.stringify({ openai: { keys: ["sk-test-cli-0001", { key: "sk-test-cli-0002", rpm: -3 }] } }));
    const res2 = await runCli(["check-config", "--config", schema]);
    expect(res2.code).not.toBe(0);
    expect(res2.stderr).toContain("openai.keys[1].rpm");
    for (const r of [res1, res2]) for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it("check-config prints each key with id, masked key and limits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keypool-cli-"));
    const file = join(dir, "keypool.json");
    writeFileSync(file, JSON.stringify({ openai: { rpm: 3, keys: ["${OPENAI_API_KEYS}"] } }));
    const res = await runCli(["check-config", "--config", file], { OPENAI_API_KEYS: SECRETS.slice(0, 2).join(",") });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/0001/);
    expect(res.stdout).toMatch(/0002/);
    expect(res.stdout).toMatch(/rpm/);
    for (const s of SECRETS) expect(res.stdout).not.toContain(s);
  });
});
