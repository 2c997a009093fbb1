import type { KeyConfig, PoolConfig, ProviderConfig } from "../../config/types.js";
import { windowSpecs } from "../../pool/pooled-key.js";
import type { PersistedKey } from "../memory/persisted-state.js";
import { seedUsage } from "../redis/view-seeds.js";

/**
 * The configuration a sidecar enforces alone while the shared store is
 * unreachable: every limit of every key divided by the number of sidecars
 * it last saw alive, rounded down, so that the fleet together stays within
 * each limit. A limit smaller than the fleet rounds to 0: that key serves no
 * one until the store is back, rather than the fleet exceeding it.
 * Concurrency is shared after the leases already open fleet-wide (they
 * cannot be seen ending while the store is away): ⌊(limit − open) / n⌋.
 */
export function shareOfLimits(config: PoolConfig, sidecars: number, openLeases: (provider: string, keyId: string) => number): PoolConfig {
  const n = Math.max(1, Math.floor(sidecars));
  const share = (limit: number | undefined) => (limit === undefined ? undefined : Math.floor(limit / n));
  const providers = new Map<string, ProviderConfig>();
  for (const [name, p] of config.providers) {
    const keys = p.keys.map(
      (k): KeyConfig => ({
        ...k,
        rpm: share(k.rpm),
        tpm: share(k.tpm),
        rpd: share(k.rpd),
        maxConcurrent: k.maxConcurrent === undefined ? undefined : Math.floor(Math.max(0, k.maxConcurrent - openLeases(name, k.id)) / n),
        windows: k.windows.map((w) => ({ ...w, limit: Math.floor(w.limit / n) })),
      }),
    );
    providers.set(name, { ...p, keys });
  }
  return { ...config, providers };
}

/**
 * What one other sidecar may have granted alone, per key: its share of
 * every window (as shareOfLimits gives it), as requests at `now`, the
 * latest they could be (see seedUsage). Held in the shared windows for it
 * until it rejoins and replays what it really granted.
 */
export function heldShare(config: PoolConfig, sidecars: number, now: number): PersistedKey[] {
  const n = Math.max(1, Math.floor(sidecars));
  const out: PersistedKey[] = [];
  for (const [name, p] of config.providers) {
    for (const k of p.keys) {
      const specs = windowSpecs(k, config.settings);
      const share = (limit: number) => (Number.isFinite(limit) ? Math.floor(limit / n) : 0);
      const counts = specs.map((s) => (s.kind === "requests" ? ([share(s.limit), 0] as const) : ([0, share(s.limit)] as const)));
      out.push({ provider: name, id: k.id, usage: seedUsage(specs, counts, now), health: undefined });
    }
  }
  return out;
}
