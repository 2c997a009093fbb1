import { parseStoreLocation } from "../../src/config/store-location.js";
import type { PoolConfig } from "../../src/config/types.js";
import type { PoolEvent } from "../../src/pool/types.js";
import { openRedisPool } from "../../src/store/redis/open-redis-pool.js";
import type { RedisLeasePool } from "../../src/store/redis/redis-lease-pool.js";
import type { ManualClock } from "./manual-clock.js";
import type { RedisServer } from "./redis-server.js";
import { waitUntil } from "./wait-until.js";

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
  server: Pick<RedisServer, "url">,
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

/**
 * Holds `provider`'s only key through `a`, starts a wait for it on `b`, then
 * reports through `a`: with the manual clock standing still, only the store's
 * pub/sub message can wake b's waiter. Resolves to the key b's waiter got.
 */
export async function waiterWokenByReport(a: RedisLeasePool, b: RedisLeasePool, provider: string): Promise<{ before: string | undefined; after: string | undefined }> {
  const held = await a.acquire({ provider });
  let got: string | undefined;
  const waiting = b.acquire({ provider, maxWaitMs: 30_000 }).then((l) => (got = l.keyId));
  await waitUntil(() => b.waitingCount(provider) === 1, "the acquisition to wait");
  const before = got;
  await a.report(held.leaseId, { outcome: "success" });
  await waiting;
  return { before, after: got };
}
