import type { PoolSettings, ProviderConfig } from "../../config/types.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import { QuotaScope } from "../../pool/quota-scope.js";
import type { ProviderKeys } from "./provider-keys.js";

/**
 * Brings a provider's scopes in line with its configuration and points each
 * key at its scope. A scope that stays keeps its windows, hold and learned
 * limits, as a key does; a key whose scope is gone becomes its own scope.
 * Returns true when any scope or membership changed.
 */
export function linkScopes(rt: ProviderKeys, provider: ProviderConfig | undefined, settings: PoolSettings): boolean {
  let changed = false;
  const wanted = provider?.scopes ?? {};
  for (const [name, scope] of rt.scopes) {
    if (wanted[name] === undefined) {
      rt.scopes.delete(name);
      changed = true;
      for (const key of scope.members) key.scope = undefined;
    }
  }
  for (const [name, config] of Object.entries(wanted)) {
    const scope = rt.scopes.get(name);
    if (scope === undefined) {
      rt.scopes.set(name, new QuotaScope<PooledKey>(config, settings));
      changed = true;
    } else if (JSON.stringify(scope.config) !== JSON.stringify(config)) {
      scope.reconfigure(config, settings);
      changed = true;
    }
  }
  for (const scope of rt.scopes.values()) scope.members.clear();
  for (const key of rt.keys.values()) {
    const scope = key.config.scope === undefined ? undefined : rt.scopes.get(key.config.scope);
    if (key.scope !== scope) changed = true;
    key.scope = scope;
    scope?.members.add(key);
  }
  return changed;
}
