import { parseStoreLocation } from "../../src/config/store-location.js";
import type { PoolConfig } from "../../src/config/types.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { openRedisPool } from "../../src/store/redis/open-redis-pool.js";
import type { RedisLeasePool } from "../../src/store/redis/redis-lease-pool.js";
import type { ManualClock } from "./manual-clock.js";
import type { RedisServer } from "./redis-server.js";

let prefixes = 0;

/** A prefix no other pool of this test run uses, so that tests sharing one redis-server stay apart. */
export function freshPrefix(): string {
  prefixes += 1;
  return `kptest${process.pid}-${prefixes}:`;
}

/**
 * A RedisLeasePool over a real redis-server on a manual clock, configured;
 * the periodic read is off (the clock only moves when told), so every read
 * of the store is one the test caused.
 */
export async function redisPool(
  server: RedisServer,
  clock: ManualClock,
  config: PoolConfig,
  options: { prefix?: string; events?: PoolEvent[] } = {},
): Promise<RedisLeasePool> {
  const location = parseStoreLocation(server.url);
  if (location.kind !== "redis") throw new Error("not a redis URL");
  const events = options.events;
  const pool = await openRedisPool({
    location,
    prefix: options.prefix ?? freshPrefix(),
    clock,
    viewIntervalMs: 0,
    ...(events === undefined ? {} : { onEvent: (e: PoolEvent) => events.push(e) }),
  });
  pool.applyConfig(config);
  await pool.ready();
  return pool;
}
