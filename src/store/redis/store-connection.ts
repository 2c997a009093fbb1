import { Cluster, Redis } from "ioredis";
import type { StoreLocation } from "../../config/store-location.js";
import { KeypoolError } from "../../protocol/keypool-error.js";

/** A connection to the store: one Redis (or Valkey) server, or a Redis Cluster reached through one of its nodes. */
export type StoreConnection = Redis | Cluster;

type RedisLocation = Extract<StoreLocation, { kind: "redis" }>;

/**
 * Opens the store's two connections (commands, and pub/sub, which a
 * subscribed connection can do nothing else than) to the server the URL
 * names, or, when that server says it is a node of a cluster, to the
 * cluster: the same URL serves both, as operators expect of a seed address.
 * Every key a script touches carries its provider's hash tag, so a script
 * runs on the one node that holds its slot.
 *
 * Connections give up at once during start (a decision waits for no
 * reconnect); {@link keepReconnecting} turns retries on once started.
 */
export async function connectStore(location: RedisLocation, timeoutMs: number, onError: (err: Error) => void): Promise<[StoreConnection, StoreConnection]> {
  const single = (): Redis =>
    new Redis({ host: location.host, port: location.port, db: location.db, ...serverOptions(location, timeoutMs), lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => null });
  const probe = single();
  probe.on("error", onError);
  let clustered: boolean;
  try {
    await probe.connect();
    clustered = /^cluster_enabled:1\s*$/m.test(await probe.info("cluster"));
  } catch (err) {
    probe.disconnect();
    throw err;
  }
  if (!clustered) {
    const subscriber = single();
    subscriber.on("error", onError);
    try {
      await subscriber.connect();
    } catch (err) {
      probe.disconnect();
      throw err;
    }
    return [probe, subscriber];
  }
  probe.disconnect();
  if (location.db !== 0) {
    throw new KeypoolError("INVALID_ARGUMENT", `store: ${location.masked} is a node of a Redis Cluster, which has database 0 only; remove /${location.db} from the URL`);
  }
  const cluster = (): Cluster =>
    new Cluster([{ host: location.host, port: location.port }], {
      redisOptions: serverOptions(location, timeoutMs),
      enableOfflineQueue: false,
      lazyConnect: true,
      clusterRetryStrategy: () => null,
      slotsRefreshTimeout: timeoutMs,
    });
  const commands = cluster();
  const subscriber = cluster();
  commands.on("error", onError);
  subscriber.on("error", onError);
  try {
    await Promise.all([commands.connect(), subscriber.connect()]);
  } catch (err) {
    commands.disconnect();
    subscriber.disconnect();
    throw err;
  }
  return [commands, subscriber];
}

/** After start, a lost connection is retried in the background; calls made meanwhile fail with UNAVAILABLE. */
export function keepReconnecting(c: StoreConnection): void {
  const backoff = (times: number) => Math.min(100 * times, 2_000);
  if (c instanceof Cluster) c.options.clusterRetryStrategy = backoff;
  else c.options.retryStrategy = backoff;
}

/** The servers that run scripts: every master of a cluster, or the one server. */
export function scriptServers(c: StoreConnection): Redis[] {
  return c instanceof Cluster ? c.nodes("master") : [c];
}

function serverOptions(location: RedisLocation, timeoutMs: number) {
  return {
    ...(location.username === undefined ? {} : { username: location.username }),
    ...(location.password === undefined ? {} : { password: location.password }),
    ...(location.tls ? { tls: { servername: location.host } } : {}),
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // A decision waits for no reconnect: it fails at once with UNAVAILABLE, and the caller retries.
    maxRetriesPerRequest: 0,
  };
}
