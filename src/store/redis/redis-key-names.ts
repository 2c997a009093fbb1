/**
 * Where one provider's state lives in Redis. Every name of a provider shares
 * one Cluster hash tag (`{openai}`), so that each script's keys sit in one
 * slot: the store works on Redis Cluster and Valkey as on a single server.
 */
export interface ProviderKeyNames {
  /** Open leases: lease id → "key|owner|expiresAt|acquiredAt|model". */
  readonly leases: string;
  /** Open leases by expiry time. */
  readonly expiries: string;
  /** Ended leases: lease id → "how|forgetAt|key|owner", to recognise a second report. */
  readonly ended: string;
  /** Ended leases by the time they are forgotten. */
  readonly endedAt: string;
  /** Sequence of uses, for least-recently-used among equals. */
  readonly sequence: string;
  /** Key ids in the configuration last written. */
  readonly ids: string;
  /** Prefix of a key's hash; its log and token counts append `:log` and `:tok`. */
  readonly keyPrefix: string;
  /** Pub/sub channel announcing freed capacity and changed keys. */
  readonly channel: string;
}

export function providerKeyNames(prefix: string, provider: string): ProviderKeyNames {
  const p = `${prefix}{${provider}}:`;
  return {
    leases: `${p}leases`,
    expiries: `${p}expiries`,
    ended: `${p}ended`,
    endedAt: `${p}ended-at`,
    sequence: `${p}seq`,
    ids: `${p}ids`,
    keyPrefix: `${p}key:`,
    channel: `${p}freed`,
  };
}

/** A key's hash, request log and token counts, in the order the scripts take them. */
export function keyTriple(names: ProviderKeyNames, keyId: string): [string, string, string] {
  const kh = names.keyPrefix + keyId;
  return [kh, `${kh}:log`, `${kh}:tok`];
}

/** The schema version record, outside any provider. */
export function schemaKey(prefix: string): string {
  return `${prefix}schema`;
}

/** Provider names are lower-case words; a brace would break the hash tag. */
export function providerFromChannel(prefix: string, channel: string): string | undefined {
  const m = channel.startsWith(`${prefix}{`) ? /^\{([^}]+)\}:freed$/.exec(channel.slice(prefix.length)) : null;
  return m?.[1];
}
