import type { PoolConfig } from "../../config/types.js";
import { invalidConfig } from "../../protocol/keypool-error.js";

/**
 * Refuses what the Redis store does not share across the fleet yet: quota
 * scopes and per-model limits. Running them per sidecar would multiply the
 * limits by the number of sidecars, which is what the store exists to
 * prevent, so they are an error rather than ignored.
 */
export function refuseUnmirrored(config: PoolConfig): void {
  const problems: string[] = [];
  for (const [name, provider] of config.providers) {
    if (provider.scopes !== undefined && Object.keys(provider.scopes).length > 0) {
      problems.push(`${name}.scopes: not supported with a Redis store yet (use the memory store, or remove the scopes)`);
    }
    provider.keys.forEach((key, i) => {
      if (key.scope !== undefined) problems.push(`${name}.keys[${i}].scope: not supported with a Redis store yet`);
      if (key.modelLimits !== undefined && Object.keys(key.modelLimits).length > 0) {
        problems.push(`${name}.keys[${i}].models: per-model limit objects are not supported with a Redis store yet (a list of model names is)`);
      }
    });
  }
  if (problems.length > 0) throw invalidConfig("configuration: features the Redis store does not share yet", problems);
}
