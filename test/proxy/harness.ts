import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { onTestFinished } from "vitest";
import type { PoolSettings } from "../../src/config/types.js";
import type { KeypoolServer } from "../../src/keypool-server.js";
import type { ProxyOptions } from "../../src/proxy/proxy-options.js";
import { startSimulator, type Simulator, type SimulatorOptions } from "../../src/simulator/index.js";
import type { Logger } from "../../src/telemetry/logger.js";
import { startServerForTest } from "../support/keypool-fixture.js";
import { poolConfig, type TestKey } from "../support/pool-config.js";
import { healthReason } from "../../src/pool/key-health.js";

/** A real provider simulator on an ephemeral port; its keys are added with `simKeys`. */
export async function simulator(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ keys: {}, ...options });
  onTestFinished(() => sim.close());
  return sim;
}

/** n pool keys k1..kn (or `{idPrefix}1..n`) with fake secrets, known to the simulator by the same labels, routed to `baseUrl`. */
export function simKeys(sim: Simulator, prefix: string, n: number, baseUrl: string, extra: Partial<TestKey> = {}, idPrefix = "k"): TestKey[] {
  return Array.from({ length: n }, (_, i) => {
    const key: TestKey = { id: `${idPrefix}${i + 1}`, secret: `sk-test-${prefix}-${String(i + 1).padStart(4, "0")}`, baseUrl, ...extra };
    sim.addKey(key.secret, { label: key.id! });
    return key;
  });
}

/** A client of the proxy: a name, its token and the providers it may use. */
export interface TestClient {
  readonly name: string;
  readonly token: string;
  readonly providers: readonly string[];
  readonly admin?: boolean;
}

export interface ProxyTestOptions {
  readonly settings?: Partial<PoolSettings>;
  readonly proxy?: Partial<ProxyOptions>;
  /** Client tokens: with them the proxy authenticates; without, any credential is accepted. */
  readonly clients?: readonly TestClient[];
  readonly spanExporter?: SpanExporter;
  readonly adminListen?: string;
  readonly log?: Logger;
}

export interface ProxyTestServer extends KeypoolServer {
  /** http://127.0.0.1:PORT */
  readonly proxyUrl: string;
}

/** The real keypool server (gRPC and the proxy on ephemeral loopback ports) over `providers`. */
export async function keypoolProxy(providers: Record<string, TestKey[]>, options: ProxyTestOptions = {}): Promise<ProxyTestServer> {
  let tokensFile: string | undefined;
  if (options.clients !== undefined) {
    const dir = mkdtempSync(join(tmpdir(), "keypool-proxy-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    tokensFile = join(dir, "tokens.json");
    writeFileSync(tokensFile, JSON.stringify({ clients: options.clients.map((c) => ({ name: c.name, token: c.token, providers: c.providers, admin: c.admin === true })) }), { mode: 0o600 });
  }
  const server = await startServerForTest({
    proxyListen: "127.0.0.1:0",
    config: poolConfig(providers, options.settings),
    ...(options.log === undefined ? {} : { log: options.log }),
    env: {},
    watch: false,
    ...(tokensFile === undefined ? {} : { tokensFile }),
    ...(options.proxy === undefined ? {} : { proxy: options.proxy }),
    ...(options.spanExporter === undefined ? {} : { spanExporter: options.spanExporter }),
    ...(options.adminListen === undefined ? {} : { adminListen: options.adminListen }),
  });
  return { ...server, proxyUrl: `http://${server.proxyAddress}` };
}

/** Lifetime counters and state of one provider's keys in the pool, by key id. */
export function poolKeys(server: KeypoolServer, provider: string) {
  const out: Record<string, { requests: number; promptTokens: number; completionTokens: number; state: string; reason: string; byOutcome: Record<string, number> }> = {};
  const now = Date.now();
  for (const { provider: p, key, state } of server.pool.keys()) {
    if (p !== provider) continue;
    const c = key.counters;
    out[key.id] = {
      requests: c.requests,
      promptTokens: c.promptTokens,
      completionTokens: c.completionTokens,
      state,
      reason: healthReason(key.health, now),
      byOutcome: { ...c.byOutcome },
    };
  }
  return out;
}

