import type { KeyConfig, PoolConfig, ProviderConfig } from "../../config/types.js";

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
