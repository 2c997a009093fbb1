import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startCli } from "../support/run-cli.js";

const SERVING = /"msg":"keypool serving"/;

function configFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), "keypool-signals-")), "keypool.json");
  writeFileSync(file, JSON.stringify({ openai: { keys: ["sk-test-signal-0001", "sk-test-signal-0002"] } }), { mode: 0o600 });
  return file;
}

describe("keypool serve and signals", () => {
  // The signal is sent in the same tick as the line arrives: a handler installed after the line would leave a window
  // in which the default action kills the process (exit code null, no shutdown lines).
  it("SIGTERM the moment it says it is serving: a clean shutdown, exit 0", async () => {
    const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--config", configFile()]);
    await cli.waitFor(SERVING);
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/"signal":"SIGTERM".*"msg":"signal received"/);
    expect(cli.output()).toMatch(/"msg":"keypool shutting down"/);
    expect(cli.output()).toMatch(/"msg":"keypool stopped"/);
  });

  it("SIGHUP the moment it says it is serving: reloads and keeps serving", async () => {
    const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "off", "--config", configFile()]);
    await cli.waitFor(SERVING);
    cli.child.kill("SIGHUP");
    await cli.waitFor(/"trigger":"signal".*"msg":"config reloaded"/);
    expect(cli.child.exitCode).toBeNull();
    expect(cli.child.signalCode).toBeNull();
    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
  });
});
