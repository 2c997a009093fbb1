import { onTestFinished } from "vitest";
import { KeyPoolClient, type KeyPoolClientOptions } from "../../clients/typescript/src/index.js";
import type { PoolSettings } from "../../src/config/types.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";
import { silentLogger, type Logger } from "../../src/telemetry/logger.js";
import { startServerForTest } from "../support/keypool-fixture.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";

/** A real provider simulator on an ephemeral port. */
export async function simulator(options: SimulatorOptions): Promise<Simulator> {
  const sim = await startSimulator(options);
  onTestFinished(() => sim.close());
  return sim;
}

/** The real keypool gRPC server on an ephemeral port. */
export async function keypool(providers: Record<string, TestKey[]>, settings: Partial<PoolSettings> = {}, log: Logger = silentLogger()): Promise<KeypoolServer> {
  return startServerForTest({ config: poolConfig(providers, settings), log });
}

/** A client of `target`, closed after the test. */
export function client(target: string, options: KeyPoolClientOptions = {}): KeyPoolClient {
  const c = new KeyPoolClient(target, options);
  onTestFinished(() => c.close());
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
