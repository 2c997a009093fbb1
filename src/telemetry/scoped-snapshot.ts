import { mayUse, maySeeKeyDetails, type ClientIdentity } from "../auth/client-identity.js";
import type { KeySnapshot, PoolSnapshot } from "../pool/stats-types.js";

const NO_LIMITS: KeySnapshot["limits"] = Object.freeze({ rpm: undefined, tpm: undefined, rpd: undefined, maxConcurrent: undefined, windows: [] });

/**
 * What one client may see of a snapshot: only the providers in its scope,
 * and keys' reasons and limits only with the right to see them. A reason can
 * quote a provider's error text and limits describe someone's contract; a
 * client that merely leases keys needs neither.
 */
export function scopedSnapshot(snapshot: PoolSnapshot, client: ClientIdentity): PoolSnapshot {
  const details = maySeeKeyDetails(client);
  if (details && client.providers === undefined) return snapshot;
  return {
    ...snapshot,
    providers: snapshot.providers
      .filter((p) => mayUse(client, p.provider))
      .map((p) => (details ? p : { ...p, keys: p.keys.map((k) => ({ ...k, stateReason: "", limits: NO_LIMITS })) })),
  };
}
