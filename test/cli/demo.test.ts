import { describe, expect, it } from "vitest";
import { stateChanges, pushBounded } from "../../src/demo/demo-events.js";
import { DEMO_KEYS, demoConfigDocument } from "../../src/demo/demo-keys.js";
import { parseConfigDocument } from "../../src/config/index.js";
import type { KeySnapshot, PoolSnapshot } from "../../src/pool/stats-types.js";
import type { KeyStateName } from "../../src/pool/types.js";
import { runCli, startCli } from "../support/run-cli.js";

function expectNoSecret(text: string): void {
  for (const k of DEMO_KEYS) expect(text).not.toContain(k.secret);
  // Not even a long piece of one: masked keys show at most the last four characters.
  expect(text).not.toMatch(/sk-demo-not-a-real-key/);
}

describe("keypool demo", () => {
  it("runs for --duration, prints a line per key and a summary, no secret, and exits 0", async () => {
    const res = await runCli(["demo", "--duration", "3"], {}, 30_000);
    expect(res.code).toBe(0);
    for (const k of DEMO_KEYS) expect(res.stdout).toMatch(new RegExp(`^${k.id}\\s+…\\w{4}\\s+\\w+`, "m"));
    expect(res.stdout).toContain("keypool demo finished after");
    expect(res.stdout).toMatch(/dashboard\s+http:\/\/127\.0\.0\.1:\d+\//);
    expectNoSecret(res.stdout + res.stderr);
  });

  it("stops on SIGINT before its duration and exits 0", async () => {
    const cli = startCli(["demo", "--duration", "600"]);
    await cli.waitFor(/keypool statistics at/, 20_000);
    cli.child.kill("SIGINT");
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain("keypool demo finished after");
    expectNoSecret(cli.output());
  });

  it("refuses a duration that is not a positive number", async () => {
    const res = await runCli(["demo", "--duration", "soon"]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("--duration");
  });
});

describe("demo configuration", () => {
  it("is a valid config document whose keys carry the demo ids", () => {
    const parsed = parseConfigDocument(demoConfigDocument("http://127.0.0.1:9"), {}, "demo");
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.config.providers.get("openai")?.keys.map((k) => k.id)).toEqual(DEMO_KEYS.map((k) => k.id));
  });
});

describe("stateChanges", () => {
  const key = (keyId: string, state: KeyStateName, stateReason = ""): KeySnapshot =>
    ({ keyId, state, stateReason }) as unknown as KeySnapshot;
  const snap = (at: number, keys: KeySnapshot[]): PoolSnapshot =>
    ({ generatedAt: at, configGeneration: 1, providers: [{ provider: "openai", keys }] }) as unknown as PoolSnapshot;

  it("reports nothing on first sight, then each change with its reason, and the recovery", () => {
    const states = new Map<string, KeyStateName>();
    const t = Date.UTC(2026, 0, 1, 12, 0, 3);
    expect(stateChanges(states, snap(t, [key("a", "active"), key("b", "active")]))).toEqual([]);
    expect(stateChanges(states, snap(t, [key("a", "cooling_down", "rate limited (429)"), key("b", "active")]))).toEqual([
      "12:00:03  a  active → cooling_down  rate limited (429)",
    ]);
    expect(stateChanges(states, snap(t + 2000, [key("a", "active"), key("b", "active")]))).toEqual(["12:00:05  a  cooling_down → active"]);
    expect(stateChanges(states, snap(t + 3000, [key("a", "active"), key("b", "active")]))).toEqual([]);
  });

  it("pushBounded keeps the last lines", () => {
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) pushBounded(lines, String(i), 3);
    expect(lines).toEqual(["2", "3", "4"]);
  });
});
