import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { runCli } from "../support/run-cli.js";
import { startWithTokensFile } from "../support/tokens-server.js";

const TOKEN = "kp-test-token-cli-000001";
let server: KeypoolServer;
let dir: string;

beforeAll(async () => {
  ({ server, dir } = await startWithTokensFile(
    { clients: [{ name: "ops", token: TOKEN, providers: ["*"], admin: true }] },
    { openai: { keys: ["sk-test-cli-token-0001"] } },
  ));
  writeFileSync(join(dir, "token"), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "wrong-token"), "kp-test-token-cli-wrong9\n", { mode: 0o600 });
});
afterAll(() => server.stop(1_000));

const stats = (args: string[], env: Record<string, string> = {}) => runCli(["stats", "--target", server.grpcAddress, "--json", ...args], env);

describe("the client token of the CLI", () => {
  it("--token-file and KEYPOOL_TOKEN authenticate without a warning", async () => {
    for (const res of [await stats(["--token-file", join(dir, "token")]), await stats([], { KEYPOOL_TOKEN: TOKEN })]) {
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toMatchObject({ providers: [{ provider: "openai" }] });
    }
    const reload = await runCli(["reload", "--target", server.grpcAddress, "--token-file", join(dir, "token")]);
    expect(reload.stderr).toBe("");
    expect(reload.stdout).toMatch(/^config generation \d+$/m);
  });

  it("--token still works and warns on stderr that other local users can see it", async () => {
    const res = await stats(["--token", TOKEN]);
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/warning: --token is visible to other local users through ps/);
    expect(res.stderr).not.toContain(TOKEN);
  });

  it("refuses ambiguous or unusable token options with exit code 2, naming the option and never the token", async () => {
    const both = await stats(["--token", TOKEN, "--token-file", join(dir, "token")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give --token-file or --token, not both/);
    const missing = await stats(["--token-file", join(dir, "absent")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--token-file ${join(dir, "absent")}: cannot be read`);
    writeFileSync(join(dir, "empty"), "\n");
    const empty = await stats(["--token-file", join(dir, "empty")]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/the first line is empty/);
    for (const r of [both, missing, empty]) expect(r.stderr).not.toContain(TOKEN);
  });

  it("a wrong token from a file is UNAUTHENTICATED and the file's content is not printed", async () => {
    const res = await stats(["--token-file", join(dir, "wrong-token")]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/UNAUTHENTICATED/);
    expect(res.stderr).not.toContain("kp-test-token-cli-wrong9");
  });
});
