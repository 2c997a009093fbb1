import { loadConfig, parseConfigDocument, resolveEnv, type ConfigResult } from "../config/index.js";
import { KeypoolError, invalidConfig } from "../protocol/keypool-error.js";
import type { PoolConfig } from "../config/types.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { ConfigDiff } from "../pool/types.js";

/** What started a reload, for the log line and the metrics; "fleet": another sidecar announced a configuration. */
export type ReloadTrigger = "rpc" | "file" | "signal" | "api" | "fleet";

export type ReloadEvent =
  | { result: "applied" | "unchanged"; trigger: ReloadTrigger; diff: ConfigDiff; config: PoolConfig }
  | { result: "rejected"; trigger: ReloadTrigger; errors: readonly string[] };

export interface ReloadSources {
  readonly configFile?: string | undefined;
  readonly envFile?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The one reload path. Every trigger comes here: the configuration is read,
 * interpolated and validated completely, then swapped into the pool in one
 * step, or rejected whole with every error while the running one stays.
 * Reloads run one at a time; re-reads asked for while one runs collapse
 * into a single re-read after it.
 */
export class ConfigReloader {
  private tail: Promise<unknown> = Promise.resolve();
  private queuedReread: Promise<ConfigDiff> | undefined;
  private readonly listeners = new Set<(e: ReloadEvent) => void>();

  constructor(
    private readonly pool: LeasePool,
    private readonly sources: ReloadSources,
  ) {}

  subscribe(listener: (e: ReloadEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Re-reads the sources. Joins a re-read that is queued and not yet started. */
  reread(trigger: ReloadTrigger): Promise<ConfigDiff> {
    if (this.queuedReread !== undefined) return this.queuedReread;
    const run = this.enqueue(async () => {
      // From here on a new trigger must cause another read: this one may already be past the change.
      this.queuedReread = undefined;
      return this.apply(await loadConfig(this.sources), trigger);
    });
    this.queuedReread = run;
    return run;
  }

  /** Applies a configuration document given inline, in the file's format; the file itself is not rewritten. */
  applyDocument(json: string, trigger: ReloadTrigger): Promise<ConfigDiff> {
    return this.enqueue(async () => {
      const env = await resolveEnv(this.sources);
      const result: ConfigResult = env.ok ? parseConfigDocument(json, env.value, "config_json") : { ok: false, errors: [env.error] };
      return this.apply(result, trigger);
    });
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.tail.then(task, task);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private apply(result: ConfigResult, trigger: ReloadTrigger): ConfigDiff {
    if (!result.ok) {
      this.emit({ result: "rejected", trigger, errors: result.errors });
      throw invalidConfig("configuration rejected; the running configuration stays", result.errors);
    }
    const before = this.pool.configGeneration;
    let diff: ConfigDiff;
    try {
      diff = this.pool.applyConfig(result.config);
    } catch (err) {
      // A store may refuse what it cannot keep (the Redis store: quota scopes, per-model limits).
      if (err instanceof KeypoolError) this.emit({ result: "rejected", trigger, errors: err.details.length > 0 ? err.details : [err.message] });
      throw err;
    }
    this.emit({ result: diff.generation === before ? "unchanged" : "applied", trigger, diff, config: result.config });
    return diff;
  }

  private emit(e: ReloadEvent): void {
    for (const l of this.listeners) l(e);
  }
}
