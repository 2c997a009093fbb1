import type { StoreConnection } from "./store-connection.js";

/** A sidecar's record as the store returns it. */
export interface StoredRecord {
  readonly record: string;
  readonly values: readonly (string | null)[];
}

/**
 * Each sidecar's statistics history, as one hash per sidecar
 * (`<prefix>history:<record>`) that expires a while after its last write,
 * and a sorted set of record names scored by their last write, so that a
 * reader finds them all without SCAN: SCAN walks the whole key space, and on
 * Redis Cluster every node's. The set is trimmed of records whose hash has
 * expired by each writer. Every command names one key, so each lands in its
 * own slot on Cluster. Off the request path: no script, no lease waits on it.
 */
export class RedisHistoryShelf {
  private readonly names: string;

  constructor(
    private readonly redis: StoreConnection,
    private readonly prefix: string,
  ) {
    this.names = `${prefix}history-sidecars`;
  }

  private key(record: string): string {
    return `${this.prefix}history:${record}`;
  }

  async write(record: string, fields: ReadonlyMap<string, string>, ttlMs: number, now: number): Promise<boolean> {
    const key = this.key(record);
    // Sent in this order on one connection, so EXISTS sees the record as it was before this write.
    const [existed] = await Promise.all([
      this.redis.exists(key),
      this.redis.hset(key, Object.fromEntries(fields)),
      this.redis.pexpire(key, ttlMs),
      this.redis.zadd(this.names, now, record),
      this.redis.zremrangebyscore(this.names, "-inf", now - ttlMs),
      this.redis.pexpire(this.names, ttlMs),
    ]);
    return existed === 1;
  }

  async read(fields: readonly string[], since: number, except: string): Promise<readonly StoredRecord[]> {
    const records = (await this.redis.zrangebyscore(this.names, since, "+inf")).filter((r) => r !== except);
    const values = await Promise.all(records.map((r) => this.redis.hmget(this.key(r), ...fields)));
    return records.map((record, i) => ({ record, values: values[i] ?? [] }));
  }
}
