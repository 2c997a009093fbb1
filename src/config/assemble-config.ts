import { deepFreeze, FrozenMap } from "./deep-freeze.js";
import type { PoolConfig, PoolSettings, ProviderConfig } from "./types.js";

/**
 * The last step of every source: providers without keys are dropped with a
 * warning, and the rest is frozen into the config the pool runs on.
 * Undefined when no key is left at all, which the caller reports its own way.
 */
export function assembleConfig(
  candidates: readonly ProviderConfig[],
  settings: PoolSettings,
  warnings: readonly string[],
): PoolConfig | undefined {
  const allWarnings = [...warnings];
  const providers: ProviderConfig[] = [];
  for (const provider of candidates) {
    if (provider.keys.length === 0) {
      allWarnings.push(`${provider.name}: no keys (all entries are empty); provider skipped`);
    } else {
      providers.push(provider);
    }
  }
  if (providers.length === 0) return undefined;
  return deepFreeze({
    providers: new FrozenMap(providers.map((p) => [p.name, p] as const)),
    settings: { ...settings },
    warnings: allWarnings,
  });
}
