import type { PoolConfig } from "../../config/types.js";
import { MirroredKey } from "./mirrored-key.js";

/** What a configuration changed in a sidecar's local view, as "provider/key" names. */
export interface MirrorDiff {
  readonly added: string[];
  readonly removed: string[];
  readonly updated: string[];
  readonly unchanged: string[];
  readonly settingsChanged: boolean;
}

/**
 * Brings a sidecar's local view of the keys in line with a new
 * configuration: a new key gets a view, a changed one is reconfigured, a
 * removed one (or every key of a removed provider) is marked draining until
 * the store says its last lease ended. The store itself is written apart,
 * by the configuration script; this is what the sidecar reports and shows.
 */
export function mirrorConfig(
  views: ReadonlyMap<string, Map<string, MirroredKey>>,
  previous: PoolConfig | undefined,
  config: PoolConfig,
  viewsOf: (provider: string) => Map<string, MirroredKey>,
): MirrorDiff {
  const settingsChanged = previous === undefined || JSON.stringify(previous.settings) !== JSON.stringify(config.settings);
  const diff: MirrorDiff = { added: [], removed: [], updated: [], unchanged: [], settingsChanged };
  const drain = (provider: string, key: MirroredKey) => {
    if (key.draining) return;
    key.draining = true;
    diff.removed.push(`${provider}/${key.id}`);
  };
  for (const [name, pc] of config.providers) {
    const keys = viewsOf(name);
    const wanted = new Set(pc.keys.map((k) => k.id));
    for (const kc of pc.keys) {
      const qualified = `${name}/${kc.id}`;
      const existing = keys.get(kc.id);
      if (existing === undefined || existing.draining) {
        keys.set(kc.id, new MirroredKey(kc, config.settings));
        diff.added.push(qualified);
      } else if (JSON.stringify(existing.config) !== JSON.stringify(kc)) {
        existing.reconfigure(kc, config.settings);
        diff.updated.push(qualified);
      } else {
        if (settingsChanged) existing.reconfigure(kc, config.settings);
        diff.unchanged.push(qualified);
      }
    }
    for (const key of keys.values()) if (!wanted.has(key.id)) drain(name, key);
  }
  for (const [name, keys] of views) {
    if (!config.providers.has(name)) for (const key of keys.values()) drain(name, key);
  }
  return diff;
}
