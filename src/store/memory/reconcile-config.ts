import type { PoolConfig } from "../../config/types.js";
import { healthReconfigured } from "../../pool/key-action.js";
import { keyStateAt } from "../../pool/key-transitions.js";
import { PooledKey } from "../../pool/pooled-key.js";
import type { KeyStateName } from "../../pool/types.js";
import type { ProviderKeys } from "./provider-keys.js";

export interface Reconciliation {
  readonly added: string[];
  readonly removed: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly settingsChanged: boolean;
}

export interface ReconcileHooks {
  provider(name: string): ProviderKeys;
  drain(rt: ProviderKeys, key: PooledKey): void;
  stateChanged(key: PooledKey, from: KeyStateName, to: KeyStateName): void;
}

/**
 * Brings the held keys in line with a new configuration. Keys that stay keep
 * their windows, leases, health and counters; removed keys (and every key of
 * a removed provider) drain; new keys start empty.
 */
export function reconcileConfig(
  providers: ReadonlyMap<string, ProviderKeys>,
  previous: PoolConfig | undefined,
  config: PoolConfig,
  now: number,
  hooks: ReconcileHooks,
): Reconciliation {
  const r: Reconciliation = {
    added: [],
    removed: [],
    updated: [],
    unchanged: [],
    settingsChanged: previous === undefined || !sameJson(previous.settings, config.settings),
  };
  for (const [name, provider] of config.providers) {
    const rt = hooks.provider(name);
    const wanted = new Set<string>();
    for (const kc of provider.keys) {
      wanted.add(kc.id);
      const qualified = `${name}/${kc.id}`;
      const existing = rt.keys.get(kc.id);
      if (existing === undefined || existing.draining) {
        // A key removed and added back starts fresh: that is how an operator re-enables it.
        rt.keys.set(kc.id, new PooledKey(kc, config.settings));
        r.added.push(qualified);
      } else if (existing.config.secret !== kc.secret) {
        // Same id, new secret: a different key upstream, so nothing it knew
        // applies, but an operator's hold does: rotating a key is when one is placed.
        const fresh = new PooledKey(kc, config.settings);
        const { hold, by } = existing.health;
        if (hold !== undefined) fresh.health = healthReconfigured({ ...fresh.health, hold, by });
        rt.keys.set(kc.id, fresh);
        r.updated.push(qualified);
      } else if (!sameJson(existing.config, kc)) {
        const before = keyStateAt(existing, now);
        existing.reconfigure(kc, config.settings);
        existing.health = healthReconfigured(existing.health);
        const after = keyStateAt(existing, now);
        if (before !== after) hooks.stateChanged(existing, before, after);
        r.updated.push(qualified);
      } else {
        if (r.settingsChanged) existing.reconfigure(kc, config.settings);
        r.unchanged.push(qualified);
      }
    }
    for (const key of rt.keys.values()) {
      if (!wanted.has(key.id) && !key.draining) {
        hooks.drain(rt, key);
        r.removed.push(`${name}/${key.id}`);
      }
    }
  }
  for (const rt of providers.values()) {
    if (config.providers.has(rt.name)) continue;
    for (const key of rt.keys.values()) {
      if (!key.draining) {
        hooks.drain(rt, key);
        r.removed.push(`${rt.name}/${key.id}`);
      }
    }
  }
  return r;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
