import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startSimulator, type Simulator } from "../../src/simulator/index.js";
import { runCli } from "../support/run-cli.js";

const SECRETS = {
  good: "sk-test-check-keys-good-0001",
  revoked: "sk-test-check-keys-revoked-0002",
  limited: "sk-test-check-keys-limited-0003",
  anthropic: "sk-ant-test-check-keys-0004",
  gemini: "AIzaTestCheckKeysGemini00000005",
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(): Promise<{ sim: Simulator; config: string }> {
  const sim = await startSimulator({ keys: {} });
  cleanups.push(() => sim.close());
  sim.addKey(SECRETS.good, { label: "good", rpm: 60, tpm: 40_000 });
  sim.addKey(SECRETS.revoked, { label: "revoked" });
  sim.addKey(SECRETS.limited, { label: "limited" });
  sim.addKey(SECRETS.anthropic, { label: "anthropic", rpm: 50 });
  sim.addKey(SECRETS.gemini, { label: "gemini" });
  sim.revoke(SECRETS.revoked);
  sim.failNext(SECRETS.limited, 429, { retryAfterSeconds: 20 });
  const dir = mkdtempSync(join(tmpdir(), "keypool-check-keys-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, "keypool.json");
  writeFileSync(
    config,
    JSON.stringify({
      openai: {
        base_url: `${sim.url}/v1`,
        keys: [
          { key: SECRETS.good, id: "good" },
          { key: SECRETS.revoked, id: "revoked" },
          { key: SECRETS.limited, id: "limited" },
        ],
      },
      anthropic: { base_url: sim.url, keys: [{ key: SECRETS.anthropic, id: "ant" }] },
      google: { base_url: sim.url, keys: [{ key: SECRETS.gemini, id: "gem" }] },
    }),
    { mode: 0o600 },
  );
  return { sim, config };
}

function expectNoSecret(output: string): void {
  for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
}

describe("keypool check-keys", () => {
  it("reports the revoked key invalid with its masked reason, the others valid or rate limited with their limits, and exits 1", async () => {
    const { sim, config } = await setup();
    const res = await runCli(["check-keys", "--config", config]);
    expectNoSecret(res.stdout + res.stderr);
    expect(res.stderr).toBe("");
    expect(res.code).toBe(1);
    const lines = res.stdout.split("\n");
    const line = (id: string) => lines.find((l) => l.trimStart().startsWith(`${id} `)) ?? "";
    expect(line("good")).toMatch(/^ {2}good {2}…0001 {2}valid$/);
    expect(line("revoked")).toMatch(/^ {2}revoked {2}…0002 {2}invalid \(.*Incorrect API key provided/);
    expect(line("limited")).toMatch(/^ {2}limited {2}…0003 {2}rate limited \(/);
    expect(line("ant")).toMatch(/valid$/);
    expect(line("gem")).toMatch(/valid$/);
    // The limits the answers stated, below their key.
    const after = (id: string) => lines[lines.indexOf(line(id)) + 1] ?? "";
    expect(after("good")).toMatch(/^ {6}requests: 60 of 60 left per minute \(organization\), resets in /);
    expect(res.stdout).toMatch(/tokens: 40000 of 40000 left per minute/);
    expect(after("ant")).toMatch(/^ {6}requests: 50 of 50 left per minute \(organization\)/);
    expect(res.stdout).toMatch(/retry after 20s/);
    expect(lines).toContain("5 keys: 3 valid, 1 invalid, 1 rate limited, 0 unchecked");
    // Every key was asked once, with its own credential; the listing cost none of its limits.
    for (const label of ["good", "revoked", "limited", "anthropic", "gemini"]) expect(sim.keyStats(label)?.requests).toBe(1);
    expect(sim.keyStats("good")?.peakRequestsPerWindow).toBe(0);
  });

  it("--provider narrows the check; all valid exits 0; --json gives the same verdicts", async () => {
    const { sim, config } = await setup();
    const res = await runCli(["check-keys", "--config", config, "--provider", "anthropic", "--provider", "google", "--json"]);
    expectNoSecret(res.stdout + res.stderr);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { keys: { provider: string; keyId: string; masked: string; result: { verdict: string } }[]; counts: Record<string, number> };
    expect(doc.keys.map((k) => [k.provider, k.keyId, k.result.verdict])).toEqual([
      ["anthropic", "ant", "valid"],
      ["google", "gem", "valid"],
    ]);
    expect(doc.counts).toEqual({ valid: 2, invalid: 0, rate_limited: 0, unchecked: 0 });
    expect(sim.keyStats("good")?.requests).toBe(0);
  });

  it("names an unknown --provider and a bad --timeout without probing anything", async () => {
    const { sim, config } = await setup();
    const unknown = await runCli(["check-keys", "--config", config, "--provider", "nosuch"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/--provider "nosuch": not configured \(configured: openai, anthropic, google\)/);
    const timeout = await runCli(["check-keys", "--config", config, "--timeout", "soon"]);
    expect(timeout.code).toBe(1);
    expect(timeout.stderr).toMatch(/--timeout "soon": expected a duration such as 10s/);
    expect(sim.keyStats("good")?.requests).toBe(0);
  });
});
