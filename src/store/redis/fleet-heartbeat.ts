import type { StoreConnection } from "./store-connection.js";
import { schemaKey } from "./redis-key-names.js";

/** What one heartbeat found in the store. */
export interface HeartbeatReply {
  /** Sidecars of this prefix whose last heartbeat is younger than its TTL, this one included. */
  readonly alive: number;
  /** False when the schema record is gone: the store lost its data (restarted without persistence, flushed). */
  readonly schema: boolean;
  /** Ids of the live sidecars. */
  readonly members: readonly string[];
  /** Another sidecar holds a share of the limits for this one, as if it were serving alone: it must release it. */
  readonly heldFor: boolean;
}

/** The sorted set of live sidecars (member: sidecar id, score: when its heartbeat runs out), in a slot of its own. */
export function sidecarsKey(prefix: string): string {
  return `${prefix}{sidecars}:alive`;
}

/** Marks that other sidecars hold a share for `sidecarId` in the shared windows. */
export function heldKey(prefix: string, sidecarId: string): string {
  return `${prefix}{sidecars}:held:${sidecarId}`;
}

/**
 * One heartbeat, a transaction and a read sent together: renews this sidecar's entry until
 * now + TTL, forgets those that ran out, lists the rest, and looks for the
 * schema record and for a share held for this sidecar. Times are the sidecar's clock, as for every decision.
 */
export async function heartbeat(redis: StoreConnection, prefix: string, sidecarId: string, now: number, ttlMs: number): Promise<HeartbeatReply> {
  const key = sidecarsKey(prefix);
  // The schema record sits outside the {sidecars} slot: on a Redis Cluster a transaction holds one slot's keys only, so it is asked beside it.
  const [replies, schema] = await Promise.all([
    redis
      .multi()
      .zadd(key, now + ttlMs, sidecarId)
      .zremrangebyscore(key, "-inf", now)
      .pexpire(key, ttlMs * 2)
      .zrange(key, 0, -1)
      .exists(heldKey(prefix, sidecarId))
      .exec(),
    redis.exists(schemaKey(prefix)),
  ]);
  if (replies === null) throw new Error("heartbeat transaction aborted");
  for (const [err] of replies) if (err !== null) throw err;
  const members = (replies[3]?.[1] ?? []) as string[];
  return { alive: Math.max(1, members.length), members, schema: schema === 1, heldFor: Number(replies[4]?.[1] ?? 0) === 1 };
}

/** Takes this sidecar out of the count at once (a clean shutdown), instead of after its TTL. */
export async function leaveFleet(redis: StoreConnection, prefix: string, sidecarId: string): Promise<void> {
  await redis.zrem(sidecarsKey(prefix), sidecarId);
}
