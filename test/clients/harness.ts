import { afterEach } from "vitest";
import { KeyPoolClient, type KeyPoolClientOptions } from "../../clients/typescript/src/index.js";
import type { PoolSettings } from "../../src/config/types.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";
import { silentLogger, type Logger } from "../../src/telemetry/logger.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

/** Everything a test started, stopped after it in reverse order. */
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

/** A real provider simulator on an ephemeral port. */
export async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator(options);
  onCleanup(() => sim.close());
  return sim;
}

/** The real keypool gRPC server on an ephemeral port. */
export async function keypool(providers: Record<string, TestKey[]>, settings: Partial<PoolSettings> = {}, log: Logger = silentLogger()): Promise<KeypoolServer> {
  const server = await startKeypoolServer({ listen: "127.0.0.1:0", config: poolConfig(providers, settings), log });
  onCleanup(() => server.stop(500));
  return server;
}

/** A client of `target`, closed after the test. */
export function client(target: string, options: KeyPoolClientOptions = {}): KeyPoolClient {
  const c = new KeyPoolClient(target, options);
  onCleanup(() => c.close());
  return c;
}

/** n keys k1..kn with obviously fake secrets, served by the simulator at `baseUrl`. */
export function simKeys(prefix: string, n: number, baseUrl: string, extra: Partial<TestKey> = {}): TestKey[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `k${i + 1}`,
    secret: `sk-test-${prefix}-${String(i + 1).padStart(4, "0")}`,
    baseUrl,
    ...extra,
  }));
}

/** Lifetime counters of the pool's keys of one provider, by key id. */
export function poolCounters(server: KeypoolServer, provider: string) {
  const out: Record<string, { requests: number; promptTokens: number; completionTokens: number; state: string; byOutcome: Record<string, number> }> = {};
  for (const { provider: p, key, state } of server.pool.keys()) {
    if (p !== provider) continue;
    const c = key.counters;
    out[key.id] = { requests: c.requests, promptTokens: c.promptTokens, completionTokens: c.completionTokens, state, byOutcome: { ...c.byOutcome } };
  }
  return out;
}
