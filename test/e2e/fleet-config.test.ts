import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startCli, type RunningCli } from "../support/run-cli.js";
import { waitUntil } from "../support/wait-until.js";

/**
 * Two real `keypool serve` processes over one real redis-server, each
 * reading its own config file and watching none: a reload on one sidecar
 * reaches the other within 2 s, which re-reads its own sources; where those
 * give another configuration, or none that is valid, it says so in its
 * statistics and log, naming key ids and never a secret.
 */

const PREFIX = "fleet-config:";
const SECRETS = ["sk-test-fleetcfg-0001", "sk-test-fleetcfg-0002", "sk-test-fleetcfg-0003", "sk-test-fleetcfg-0004", "sk-test-fleetcfg-0005"];

let redis: RedisServer;
let dir: string;
const sidecars: RunningCli[] = [];

interface Sidecar {
  cli: RunningCli;
  file: string;
  admin: string;
}

function writeConfig(file: string, keys: readonly number[], rpm = 60): void {
  writeFileSync(file, JSON.stringify({ openai: { rpm, keys: keys.map((i) => ({ key: SECRETS[i - 1], id: `k${i}` })) } }));
}

async function startSidecar(name: string, keys: readonly number[]): Promise<Sidecar> {
  const file = join(dir, `${name}.json`);
  writeConfig(file, keys);
  const cli = startCli(["serve", "--listen", "127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--no-watch", "--config", file, "--store", redis.url, "--store-prefix", PREFIX]);
  sidecars.push(cli);
  const [, admin] = await cli.waitFor(/"admin":"(127\.0\.0\.1:\d+)"/, 20_000);
  return { cli, file, admin: admin as string };
}

interface FleetStats {
  providers: { keys: { key_id: string }[] }[];
  fleet: { config: { sidecar: string; in_step: boolean; differences: string[]; latest: { sidecar: string } | null } };
}

async function stats(s: Sidecar): Promise<FleetStats> {
  const res = await fetch(`http://${s.admin}/v1/stats`);
  expect(res.status).toBe(200);
  return (await res.json()) as FleetStats;
}

async function keyIds(s: Sidecar): Promise<string[]> {
  return (await stats(s)).providers[0]!.keys.map((k) => k.key_id).sort();
}

/** SIGHUP re-reads the file; resolves once the sidecar has logged the reload it made. */
async function reloadBySignal(s: Sidecar, generation: number): Promise<void> {
  s.cli.child.kill("SIGHUP");
  await s.cli.waitFor(new RegExp(`"generation":${generation}[^\\n]*"config reloaded"|"config reloaded"[^\\n]*"generation":${generation}`), 10_000);
}

let a: Sidecar;
let b: Sidecar;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = mkdtempSync(join(tmpdir(), "keypool-fleet-config-"));
  a = await startSidecar("a", [1, 2]);
  b = await startSidecar("b", [1, 2]);
}, 60_000);

afterAll(async () => {
  for (const s of sidecars) if (s.child.exitCode === null) s.child.kill("SIGKILL");
  await redis?.close();
});

describe("one configuration across the fleet", () => {
  it("two sidecars started from the same document are in step, each knowing the other's announcement", async () => {
    const sa = await stats(a);
    const sb = await stats(b);
    expect(sa.fleet.config.in_step).toBe(true);
    expect(sb.fleet.config.in_step).toBe(true);
    expect(sa.fleet.config.sidecar).not.toBe(sb.fleet.config.sidecar);
    // b started last: its announcement is the fleet's latest, and a compared itself with it.
    await waitUntil(async () => (await stats(a)).fleet.config.latest?.sidecar === sb.fleet.config.sidecar, "a to see b's announcement");
  });

  it("a reload on one sidecar is applied by the other from its own sources within 2 s", async () => {
    writeConfig(a.file, [1, 2, 3]);
    writeConfig(b.file, [1, 2, 3]);
    // b watches no file: only a's announcement can make it read its file again.
    await reloadBySignal(a, 2);
    const reloadedAt = Date.now();
    await waitUntil(async () => (await keyIds(b)).includes("k3"), "b to apply the same document", 2_000);
    expect(Date.now() - reloadedAt).toBeLessThanOrEqual(2_000);
    expect(await keyIds(b)).toEqual(["k1", "k2", "k3"]);
    await b.cli.waitFor(/"trigger":"fleet"[^\n]*"config reloaded"/);
    expect((await stats(b)).fleet.config.in_step).toBe(true);
  });

  it("a sidecar whose sources give another configuration keeps its own and says what differs, by key id", async () => {
    writeConfig(a.file, [1, 2, 3, 5]);
    writeConfig(b.file, [1, 2, 3, 4]);
    await reloadBySignal(a, 3);
    await waitUntil(async () => !(await stats(b)).fleet.config.in_step, "b to report that it differs", 2_000);
    const { fleet } = await stats(b);
    expect(fleet.config.differences).toEqual(["provider openai: keys only here: k4", "provider openai: keys only there: k5"]);
    // It applied what its own sources say: the fleet's document is not forced on it.
    expect(await keyIds(b)).toEqual(["k1", "k2", "k3", "k4"]);
    await b.cli.waitFor(/configuration differs from the one the fleet last announced/);
  });

  it("a sidecar whose sources are rejected keeps its running configuration and says why", async () => {
    writeConfig(a.file, [1, 2, 3, 4, 5]);
    writeFileSync(b.file, '{"openai": {"rpm": "many", "keys": []}}');
    await reloadBySignal(a, 4);
    await waitUntil(async () => (await stats(b)).fleet.config.differences.some((d) => d.startsWith("this sidecar's sources were rejected: ")), "b to say why", 2_000);
    const { fleet } = await stats(b);
    expect(fleet.config.in_step).toBe(false);
    expect(fleet.config.differences.join("\n")).toMatch(/rpm/);
    expect(await keyIds(b)).toEqual(["k1", "k2", "k3", "k4"]);
  });

  it("back in step once its sources agree again; no secret in any output", async () => {
    writeConfig(b.file, [1, 2, 3, 4, 5]);
    b.cli.child.kill("SIGHUP");
    await waitUntil(async () => (await stats(b)).fleet.config.in_step, "b to be in step again", 5_000);
    await b.cli.waitFor(/configuration in step with the fleet/);
    const outputs = [a.cli.output(), b.cli.output(), JSON.stringify(await stats(a)), JSON.stringify(await stats(b))];
    for (const secret of SECRETS) for (const out of outputs) expect(out).not.toContain(secret);
  });
});
