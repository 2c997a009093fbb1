import type { Clock } from "../../clock/clock.js";
import type { StoreLocation } from "../../config/store-location.js";
import { KeypoolError } from "../../protocol/keypool-error.js";
import type { PoolEvent } from "../../pool/types.js";
import { schemaKey } from "./redis-key-names.js";
import { RedisLeasePool } from "./redis-lease-pool.js";
import { StoreScripts } from "./store-scripts.js";
import { connectStore, keepReconnecting, type StoreConnection } from "./store-connection.js";

/** The layout of the data this version writes; a store holding another refuses to start. */
export const SCHEMA_VERSION = "keypool-redis-1";

export interface OpenRedisPoolOptions {
  readonly location: Extract<StoreLocation, { kind: "redis" }>;
  readonly prefix: string;
  readonly clock: Clock;
  readonly onEvent?: ((event: PoolEvent) => void) | undefined;
  readonly configuredClients?: (() => number) | undefined;
  /** Longest the first connection may take; default 5 s. */
  readonly connectTimeoutMs?: number | undefined;
  readonly viewIntervalMs?: number | undefined;
  readonly warn?: ((message: string) => void) | undefined;
  /** Errors of the connections after start (reconnects), already masked. */
  readonly onConnectionError?: ((message: string) => void) | undefined;
}

/**
 * Connects to the Redis store, checks that what it holds under the prefix is
 * of this version (or claims an empty prefix for it), loads the scripts and
 * returns the pool. Every failure is a KeypoolError naming the store by its
 * masked URL: unreachable, refused credentials, incompatible data. Bounded
 * by the connect timeout: never hangs.
 */
export async function openRedisPool(options: OpenRedisPoolOptions): Promise<RedisLeasePool> {
  const { location, prefix } = options;
  const timeoutMs = options.connectTimeoutMs ?? 5_000;
  const where = location.masked;
  // During start the last error is the reason given; afterwards errors go to the log (reconnects).
  let started = false;
  let lastError: string | undefined;
  const noteError = (err: Error) => {
    const message = safeMessage(err, location.password);
    if (started) options.onConnectionError?.(message);
    else lastError = message;
  };
  let connections: [StoreConnection, StoreConnection] | undefined;
  const pending = connectStore(location, timeoutMs, noteError);
  try {
    connections = await withTimeout(pending, timeoutMs, where);
    const [redis] = connections;
    await withTimeout(checkSchema(redis, prefix, where), timeoutMs, where);
    const scripts = new StoreScripts(redis);
    await withTimeout(scripts.load(), timeoutMs, where);
    for (const c of connections) keepReconnecting(c);
    started = true;
    const [, subscriber] = connections;
    return new RedisLeasePool({
      redis,
      subscriber,
      scripts,
      prefix,
      where,
      clock: options.clock,
      onEvent: options.onEvent,
      configuredClients: options.configuredClients,
      viewIntervalMs: options.viewIntervalMs,
      warn: options.warn,
      claimSchema: () => checkSchema(redis, prefix, where),
    });
  } catch (err) {
    for (const c of connections ?? []) c.disconnect();
    // Connections still being made when the timeout struck are closed when they are.
    if (connections === undefined) void pending.then((cs) => cs.forEach((c) => c.disconnect()), () => undefined);
    if (err instanceof KeypoolError) throw err;
    const message = safeMessage(err, location.password);
    throw new KeypoolError("UNAVAILABLE", storeFailure(where, lastError !== undefined && /Connection is closed/.test(message) ? lastError : message));
  }
}

async function checkSchema(redis: StoreConnection, prefix: string, where: string): Promise<void> {
  const key = schemaKey(prefix);
  let found: string | null;
  try {
    await redis.set(key, SCHEMA_VERSION, "NX");
    found = await redis.get(key);
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("WRONGTYPE")) found = "(not a keypool schema record)";
    else throw err;
  }
  if (found !== SCHEMA_VERSION) {
    throw new KeypoolError(
      "FAILED_PRECONDITION",
      `the store at ${where} holds data of schema ${JSON.stringify(found)} under prefix ${JSON.stringify(prefix)}, ` +
        `and this keypool reads ${JSON.stringify(SCHEMA_VERSION)}: use another --store-prefix, or clear that prefix`,
    );
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, where: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new KeypoolError("UNAVAILABLE", `the store at ${where} did not answer within ${ms} ms`)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/** What went wrong, in words an operator can act on. */
function storeFailure(where: string, message: string): string {
  if (/NOAUTH/i.test(message)) return `the store at ${where} needs a password, and the URL gives none (redis://:PASSWORD@host:port)`;
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) return `the store at ${where} refused the user name or password in the URL`;
  if (/ECONNREFUSED/.test(message)) return `the store at ${where} is unreachable: connection refused`;
  if (/ENOTFOUND|EAI_AGAIN/.test(message)) return `the store at ${where} is unreachable: its host name does not resolve`;
  return `the store at ${where} failed: ${message}`;
}

/** An error's message with the password removed, should a library ever echo it. */
function safeMessage(err: unknown, password: string | undefined): string {
  const text = err instanceof Error ? err.message : String(err);
  return password === undefined || password === "" ? text : text.split(password).join("***");
}
