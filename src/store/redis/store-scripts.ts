import { scriptServers, type StoreConnection } from "./store-connection.js";
import { ACQUIRE_SCRIPT } from "./acquire-script.js";
import { CONFIG_SCRIPT } from "./config-script.js";
import { HEALTH_SCRIPT } from "./health-script.js";
import { REPLAY_SCRIPT } from "./replay-script.js";
import { REPORT_SCRIPT } from "./report-script.js";
import { VIEW_SCRIPT } from "./view-script.js";

const SOURCES = { acquire: ACQUIRE_SCRIPT, report: REPORT_SCRIPT, view: VIEW_SCRIPT, health: HEALTH_SCRIPT, config: CONFIG_SCRIPT, replay: REPLAY_SCRIPT } as const;
export type ScriptName = keyof typeof SOURCES;

/**
 * The store's scripts, loaded once and called by SHA: one round trip per
 * call. A server that lost them (restarted, SCRIPT FLUSH) answers NOSCRIPT;
 * they are loaded again and the call repeated once.
 */
export class StoreScripts {
  private shas = new Map<ScriptName, string>();
  /** Script calls sent, for tests and benchmarks counting round trips. */
  calls = 0;
  /**
   * Called after the scripts had to be loaded again: the server lost them,
   * most likely with everything else (a restart without persistence), so
   * what the store needs before any decision is written again here.
   */
  afterReload: (() => Promise<void>) | undefined;

  constructor(private readonly redis: StoreConnection) {}

  /** Loads every script on every server that may run it: each master of a cluster, whichever holds a provider's slot. */
  async load(): Promise<void> {
    for (const [name, source] of Object.entries(SOURCES) as [ScriptName, string][]) {
      const shas = await Promise.all(scriptServers(this.redis).map((server) => server.script("LOAD", source) as Promise<string>));
      this.shas.set(name, shas[0] as string);
    }
  }

  async run(name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<string> {
    try {
      return await this.send(name, keys, args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      await this.load();
      await this.afterReload?.();
      return this.send(name, keys, args);
    }
  }

  private async send(name: ScriptName, keys: readonly string[], args: readonly (string | number)[]): Promise<string> {
    const sha = this.shas.get(name);
    if (sha === undefined) throw new Error(`NOSCRIPT ${name} not loaded`);
    this.calls += 1;
    return (await this.redis.evalsha(sha, keys.length, ...keys, ...args)) as string;
  }
}
