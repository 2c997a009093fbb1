import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { AuthFailures } from "./auth/auth-failures.js";
import { AuthState } from "./auth/auth-state.js";
import type { PenaltySettings } from "./auth/failure-penalty.js";
import { systemClock, type Clock } from "./clock/clock.js";
import { readableByOthersWarning } from "./config/file-permissions.js";
import { loadConfig } from "./config/index.js";
import type { PoolConfig } from "./config/types.js";
import { invalidConfig, KeypoolError } from "./protocol/keypool-error.js";
import { GrpcServer } from "./grpc/grpc-server.js";
import type { TlsFiles } from "./listen/server-credentials.js";
import { startObservability } from "./observability.js";
import { fleetConfigJson } from "./http/fleet-status-json.js";
import { MemoryLeasePool } from "./store/memory/memory-lease-pool.js";
import { openRedisPool } from "./store/redis/open-redis-pool.js";
import { parseStoreFailure, parseStoreLocation, parseStorePrefix } from "./config/store-location.js";
import { FailoverLeasePool } from "./store/failover/failover-lease-pool.js";
import type { StoreStatus } from "./pool/stats-types.js";
import type { LeasePool } from "./pool/lease-pool.js";
import { StateKeeper } from "./store/memory/state-keeper.js";
import type { ProxyOptions } from "./proxy/proxy-options.js";
import { ProxyServer } from "./proxy/proxy-server.js";
import { KeyRechecker, type RecheckOutcome } from "./recheck/key-rechecker.js";
import type { ConfigDiff, PoolEvent } from "./pool/types.js";
import { ConfigReloader, type ReloadEvent } from "./reload/config-reloader.js";
import { sidecarName, startFleetConfigSync } from "./reload/start-fleet-config-sync.js";
import type { ConfigAnnouncements } from "./config/config-announcement.js";
import { watchSources, type SourceWatcher } from "./reload/watch-sources.js";
import { FleetHistoryWriter } from "./telemetry/history/fleet-history-writer.js";
import type { HistoryShelf } from "./telemetry/history/history-shelf.js";
import { recordName } from "./telemetry/history/history-wire.js";
import { followPool } from "./telemetry/history/pool-history-feed.js";
import { shelfHistorySource } from "./telemetry/history/shelf-history-source.js";
import { StatsHistory } from "./telemetry/history/stats-history.js";
import type { KeypoolMetrics } from "./telemetry/keypool-metrics.js";
import { keyStateMessage } from "./telemetry/key-state-message.js";
import { createLogger, type Logger } from "./telemetry/logger.js";
import type { StatsSubscribers } from "./telemetry/stats-subscribers.js";

export interface KeypoolServerOptions {
  /** gRPC listen address: host:port or unix:/path. */
  readonly listen?: string | undefined;
  readonly configFile?: string | undefined;
  readonly envFile?: string | undefined;
  /** Environment for key variables and ${VAR} interpolation; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** A ready configuration, instead of reading the sources. */
  readonly config?: PoolConfig | undefined;
  readonly log?: Logger | undefined;
  readonly clock?: Clock | undefined;
  /** Reload when the config or env file changes (default true). */
  readonly watch?: boolean | undefined;
  /** Quiet time after a file event before reloading. */
  readonly watchDebounceMs?: number | undefined;
  /** Admin HTTP address (/metrics, /healthz, /readyz, /v1/stats); undefined or "off" runs none. */
  readonly adminListen?: string | undefined;
  /** When the admin address is taken: warn and run without it (the CLI's default address) instead of failing. */
  readonly adminOptional?: boolean | undefined;
  /** RPC spans go to this exporter instead of where the OTEL_* variables say (tests: InMemorySpanExporter). */
  readonly spanExporter?: SpanExporter | undefined;
  /** Most live statistics streams (StreamStats and SSE together); default 64. */
  readonly maxStatsStreams?: number | undefined;
  /** Client tokens (JSON); watched and reloaded like the config. Without it every caller is anonymous. */
  readonly tokensFile?: string | undefined;
  /** TLS, or mTLS with a client CA, for the gRPC listener. */
  readonly tls?: TlsFiles | undefined;
  /** Accept a non-loopback listener without TLS or client tokens. */
  readonly insecure?: boolean | undefined;
  /** File mode of a unix: socket listener; default 0600. */
  readonly socketMode?: number | undefined;
  /** Serve /metrics without the admin token. */
  readonly metricsOpen?: boolean | undefined;
  /** HTTP proxy address (host:port or unix:/path): `/{provider}/...` forwarded with pooled keys; undefined or "off" runs none. */
  readonly proxyListen?: string | undefined;
  /** Proxy limits and failover policy (body and header limits, timeouts, attempts, concurrency). */
  readonly proxy?: Partial<ProxyOptions> | undefined;
  /** The memory store's state survives restarts in this file (windows, day counts, cooldowns, disabled keys); default: the config's `state_file`. */
  readonly stateFile?: string | undefined;
  /** Time between saves of the state file; default: the config's, else 5 s. */
  readonly stateIntervalMs?: number | undefined;
  /** Where the pool's state lives: "memory" or a redis:// URL; default: the config's `store`, else memory. */
  readonly store?: string | undefined;
  /** Prefix of every Redis key; default: the config's `store_prefix`, else "keypool:". */
  readonly storePrefix?: string | undefined;
  /** While the shared store is unreachable: "local" (serve alone with 1/N of every limit) or "closed"; default: the config's `store_failure`, else local. */
  readonly storeFailure?: string | undefined;
  /** Time between heartbeats to the shared store (tests shorten it); default 1 s. */
  readonly storeHeartbeatMs?: number | undefined;
  /** Period of the Redis store's read of every key's fleet-wide state (tests shorten it); default 500 ms. */
  readonly storeViewIntervalMs?: number | undefined;
  /** How failed authentications are slowed per source; the defaults suit production (tests shorten the delays). */
  readonly authPenalty?: PenaltySettings | undefined;
  /** How often keys with `probe: true` are looked over for a due recheck; default 5 s. */
  readonly recheckScanMs?: number | undefined;
  /** With the Redis store, how often this sidecar writes its statistics history for the fleet; default 5 s. */
  readonly historyWriteIntervalMs?: number | undefined;
}

export const DEFAULT_GRPC_LISTEN = "127.0.0.1:50051";

/** A running keypool: the pool and the listeners around it. */
export interface KeypoolServer {
  readonly pool: LeasePool;
  readonly grpcAddress: string;
  readonly log: Logger;
  /** The one reload path: re-read the sources or apply a document. */
  readonly reloader: ConfigReloader;
  /** The admin HTTP server's address, when it runs. */
  readonly adminAddress: string | undefined;
  /** The OpenTelemetry instruments (recordReload, ...). */
  readonly metrics: KeypoolMetrics;
  /** Live statistics streams (StreamStats and SSE), with what each was sent and skipped. */
  readonly statsStreams: StatsSubscribers;
  /** The HTTP proxy's address (host:port or unix:/path), when it runs; an OpenAI SDK's baseURL is `http://${proxyAddress}/openai/v1`. */
  readonly proxyAddress: string | undefined;
  stop(graceMs?: number): Promise<void>;
}

/** Reads the configuration sources; throws INVALID_ARGUMENT listing every problem. */
export async function readConfig(options: Pick<KeypoolServerOptions, "configFile" | "envFile" | "env">): Promise<PoolConfig> {
  const result = await loadConfig({
    configFile: options.configFile,
    envFile: options.envFile,
    env: options.env ?? process.env,
  });
  if (!result.ok) throw invalidConfig("invalid configuration", result.errors);
  return result.config;
}

/** Loads the configuration, builds the pool and starts serving. */
export async function startKeypoolServer(options: KeypoolServerOptions = {}): Promise<KeypoolServer> {
  const log = options.log ?? createLogger();
  const clock = options.clock ?? systemClock;
  const config = options.config ?? (await readConfig(options));
  const env = options.env ?? process.env;
  const auth = new AuthState({ tokensFile: options.tokensFile, envFile: options.envFile, env }, new AuthFailures(systemClock, options.authPenalty));
  const location = parseStoreLocation(options.store ?? config.settings.store);
  // Checked with any store, so that a mistyped mode is found before the day the store fails.
  const failureMode = parseStoreFailure(options.storeFailure ?? config.settings.storeFailure);
  const onEvent = (e: PoolEvent) => logEvent(log, e);
  const configuredClients = () => auth.clientCount;
  let pool: LeasePool;
  let keeper: StateKeeper | undefined;
  /** Closes the shared store's connections, once the last report is in. */
  let quitStore: (() => Promise<void>) | undefined;
  let diff: ConfigDiff;
  let announcements: ConfigAnnouncements | undefined;
  let historyShelf: HistoryShelf | undefined;
  if (location.kind === "redis") {
    const prefix = parseStorePrefix(options.storePrefix ?? config.settings.storePrefix);
    const redisPool = await openRedisPool({
      location,
      prefix,
      clock,
      configuredClients,
      viewIntervalMs: options.storeViewIntervalMs,
      warn: (message) => log.warn(message),
      onConnectionError: (message) => log.warn({ store: location.masked, err: message }, "redis store connection error"),
    });
    const failover = new FailoverLeasePool({
      shared: redisPool,
      location: location.masked,
      mode: failureMode,
      clock,
      configuredClients,
      heartbeatMs: options.storeHeartbeatMs,
      onDegraded: (s) => logDegraded(log, s),
      onRejoined: (s, replayed, degradedMs) =>
        log.info({ store: s.location, sidecars: s.sidecarsAlive, replayedRequests: replayed, degradedMs }, "shared store back: rejoined"),
      warn: (message) => log.warn(message),
    });
    failover.subscribe(onEvent);
    try {
      diff = failover.applyConfig(config);
      await redisPool.ready();
      await failover.start();
    } catch (err) {
      await failover.quit();
      throw err;
    }
    quitStore = () => failover.quit();
    announcements = redisPool.configAnnouncements();
    historyShelf = redisPool.historyShelf();
    log.info({ store: location.masked, prefix, storeFailure: failureMode, sidecar: failover.sidecarId, sidecars: failover.status().sidecarsAlive }, "pool state in the shared redis store");
    if ((options.stateFile ?? config.settings.stateFile) !== undefined) log.warn("the state file is the memory store's; with a Redis store the state lives in Redis, and the file is not used");
    pool = failover;
  } else {
    const memory = new MemoryLeasePool({ clock, onEvent, configuredClients });
    diff = memory.applyConfig(config);
    const stateFile = options.stateFile ?? config.settings.stateFile;
    const stateIntervalMs = options.stateIntervalMs ?? config.settings.stateIntervalMs;
    keeper = stateFile === undefined ? undefined : new StateKeeper(memory, stateFile, clock, log, stateIntervalMs);
    await keeper?.restore();
    pool = memory;
  }
  const rechecker = new KeyRechecker({
    pool,
    clock,
    scanMs: options.recheckScanMs,
    onRecheck: (r) => logRecheck(log, r),
    onError: (err, provider, keyId) => log.warn({ provider, keyId, err: err instanceof Error ? err.message : String(err) }, "key recheck failed"),
  });
  const sidecar = sidecarName();
  const recordingSince = clock.now();
  const history = new StatsHistory({
    clock,
    configGeneration: diff.generation,
    sidecar,
    recordingSince,
    fleet: historyShelf === undefined ? undefined : shelfHistorySource(historyShelf, recordName(sidecar, recordingSince), clock),
  });
  const unfollowPool = followPool(pool, history);
  const historyWriter = historyShelf === undefined ? undefined : startHistoryWriter(history, historyShelf, clock, log, options.historyWriteIntervalMs);
  for (const w of config.warnings) log.warn({ warning: w }, "configuration warning");
  const configFile = options.configFile ?? (env["KEYPOOL_CONFIG"] || undefined);
  const reloader = new ConfigReloader(pool, { configFile, envFile: options.envFile, env });
  reloader.subscribe((e) => logReload(log, e));
  reloader.subscribe((e) => {
    if (e.result === "applied") history.recordReload(e.diff.generation, reloadSummary(e.diff));
  });
  const fleetConfig = announcements === undefined ? undefined : await startFleetConfigSync(announcements, reloader, config, diff.generation, clock, log, options.config === undefined);
  await auth.load();
  for (const [file, what] of [
    [configFile, "config file"],
    [options.envFile, "env file"],
    [options.tokensFile, "tokens file"],
  ] as const) {
    const warning = file === undefined ? undefined : await readableByOthersWarning(file, what);
    if (warning !== undefined) log.warn(warning);
  }
  const watched = [configFile, options.envFile].filter((f): f is string => f !== undefined);
  const watchers: SourceWatcher[] = [];
  const onWatchError = (err: unknown) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "config watch error");
  if (options.watch !== false && watched.length > 0) {
    watchers.push(
      await watchSources(watched, () => void reloader.reread("file").catch(() => undefined), {
        debounceMs: options.watchDebounceMs,
        onError: onWatchError,
      }),
    );
  }
  if (options.watch !== false && options.tokensFile !== undefined) {
    watchers.push(
      await watchSources([options.tokensFile], () => void reloadTokens(auth, log), { debounceMs: options.watchDebounceMs, onError: onWatchError }),
    );
  }
  let serving = false;
  let stopping: Promise<void> | undefined;
  const closeWatchers = () => Promise.all(watchers.map((w) => w.close()));
  const observability = await startObservability({
    pool,
    log,
    adminListen: options.adminListen,
    adminOptional: options.adminOptional,
    spanExporter: options.spanExporter,
    maxStatsStreams: options.maxStatsStreams,
    ready: () => serving && stopping === undefined && pool.configGeneration > 0 && !closedWithoutStore(pool.storeStatus?.()),
    auth,
    metricsOpen: options.metricsOpen,
    tls: options.tls,
    insecure: options.insecure,
    socketMode: options.socketMode,
    history,
    fleet: fleetConfig === undefined ? undefined : () => ({ config: fleetConfigJson(fleetConfig.status()) }),
  }).catch(async (err: unknown) => {
    await closeWatchers();
    await quitStore?.();
    throw err;
  });
  reloader.subscribe((e) => observability.metrics.recordReload(e.result));
  const grpc = new GrpcServer({
    pool,
    log,
    reloader,
    clock,
    tracer: observability.tracer,
    statsSubscribers: observability.subscribers,
    history,
    auth,
    tls: options.tls,
    insecure: options.insecure,
    socketMode: options.socketMode,
  });
  let grpcAddress: string;
  try {
    grpcAddress = await grpc.listen(options.listen ?? DEFAULT_GRPC_LISTEN);
  } catch (err) {
    await observability.stop();
    await closeWatchers();
    await quitStore?.();
    throw err;
  }
  let proxy: ProxyServer | undefined;
  const proxyListen = options.proxyListen?.trim();
  if (proxyListen !== undefined && proxyListen !== "" && proxyListen.toLowerCase() !== "off") {
    proxy = new ProxyServer({
      pool,
      log,
      auth,
      tracer: observability.tracer,
      insecure: options.insecure,
      options: options.proxy,
      socketMode: options.socketMode,
      tls: options.tls,
    });
    try {
      await proxy.listen(proxyListen);
    } catch (err) {
      await proxy.close(0);
      await grpc.shutdown(0);
      await observability.stop();
      await closeWatchers();
      await quitStore?.();
      throw err;
    }
  }
  keeper?.run();
  rechecker.start();
  historyWriter?.start();
  serving = true;
  log.info(
    {
      grpc: grpcAddress,
      admin: observability.adminAddress ?? "off",
      proxy: proxy?.address ?? "off",
      generation: diff.generation,
      providers: Object.fromEntries([...config.providers].map(([name, p]) => [name, p.keys.length])),
    },
    "keypool serving",
  );
  return {
    pool,
    grpcAddress,
    log,
    reloader,
    adminAddress: observability.adminAddress,
    metrics: observability.metrics,
    statsStreams: observability.subscribers,
    proxyAddress: proxy?.address,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        log.info({ graceMs }, "keypool shutting down");
        await closeWatchers();
        fleetConfig?.close();
        rechecker.close();
        // Waiting acquisitions get an answer now instead of holding the shutdown for their max wait.
        pool.close();
        // Statistics streams end cleanly now; left open they would hold the gRPC shutdown for the whole grace period.
        observability.endStreams();
        await Promise.all([grpc.shutdown(graceMs), proxy?.close(graceMs)]);
        // Saved once the last report is in, so the file holds every request counted.
        await keeper?.stop();
        // Written last, so that the fleet keeps this sidecar's history up to its stop.
        await historyWriter?.stop();
        await quitStore?.();
        await observability.stop();
        unfollowPool();
        log.info("keypool stopped");
      })();
      return stopping;
    },
  };
}

/** Writes the history for the fleet; one warning when writes start failing, one line when they succeed again. */
function startHistoryWriter(history: StatsHistory, shelf: HistoryShelf, clock: Clock, log: Logger, intervalMs: number | undefined): FleetHistoryWriter {
  return new FleetHistoryWriter(history, shelf, clock, {
    intervalMs,
    onError: (message) => log.warn({ err: message }, "could not write the statistics history to the shared store; the fleet sees this sidecar's as of its last write"),
    onRecovered: () => log.info("statistics history written to the shared store again"),
  });
}

/** A sidecar told to refuse while its store is away serves nothing then: not ready. Serving alone, it is. */
function closedWithoutStore(s: StoreStatus | undefined): boolean {
  return s !== undefined && s.degraded && s.failureMode === "closed";
}

function logDegraded(log: Logger, s: StoreStatus): void {
  const fields = { store: s.location, reason: s.reason, sidecars: s.sidecarsAlive };
  if (s.failureMode === "closed") log.error(fields, "shared store unreachable: refusing every acquisition until it is back (--store-failure closed)");
  else log.error({ ...fields, limitsDividedBy: s.limitsDividedBy }, `shared store unreachable: serving alone with 1/${s.limitsDividedBy ?? 1} of every limit`);
}

/** Re-reads the tokens file; a rejected one leaves the previous tokens in force. */
async function reloadTokens(auth: AuthState, log: Logger): Promise<void> {
  try {
    await auth.load();
    log.info("client tokens reloaded");
  } catch (err) {
    const details = err instanceof KeypoolError ? err.details : [];
    log.warn({ errors: details }, "tokens file rejected; the previous tokens stay");
  }
}

/** One line per reload: what changed, or every reason it was rejected. */
function logReload(log: Logger, e: ReloadEvent): void {
  if (e.result === "rejected") {
    log.warn({ trigger: e.trigger, errors: e.errors }, "config reload rejected; the running configuration stays");
    return;
  }
  const { generation, added, removed, updated, warnings } = e.diff;
  log.info(
    { trigger: e.trigger, result: e.result, generation, added: added.length, removed: removed.length, updated: updated.length, warnings },
    "config reloaded",
  );
}

/** What a reload changed, for its history marker: key ids are counted, not listed. */
function reloadSummary(diff: ConfigDiff): string {
  return `generation ${diff.generation}: ${diff.added.length} added, ${diff.removed.length} removed, ${diff.updated.length} updated`;
}

/** A recheck that found the key valid shows as its key_state line; one that did not is a warning. */
function logRecheck(log: Logger, r: RecheckOutcome): void {
  if (r.verdict === "valid") return;
  const message = r.verdict === "invalid" ? "key still refused on recheck" : "key recheck could not ask the provider";
  log.warn({ provider: r.provider, keyId: r.keyId, httpStatus: r.httpStatus, reason: r.reason }, message);
}

/** One line per event that matters to an operator; per-request events stay at debug. */
function reportLimitedMessage(limit: "retry_after_clamped" | "key_action_budget"): string {
  return limit === "retry_after_clamped" ? "report's retry_after clamped" : "client over its key-action budget";
}

function logEvent(log: Logger, e: PoolEvent): void {
  switch (e.type) {
    case "key_state":
      log.info({ provider: e.provider, keyId: e.keyId, from: e.from, to: e.to, reason: e.reason, by: e.by }, keyStateMessage(e.from, e.to));
      break;
    case "scope_state":
      log.info(
        { provider: e.provider, scope: e.scope, state: e.state, reason: e.reason, until: new Date(e.until).toISOString(), keyId: e.keyId, by: e.by },
        e.state === "exhausted" ? "scope exhausted" : "scope cooling down",
      );
      break;
    case "report_limited":
      log.warn({ provider: e.provider, keyId: e.keyId, client: e.client, limit: e.limit, detail: e.detail }, reportLimitedMessage(e.limit));
      break;
    case "lease_expired":
      log.debug({ provider: e.provider, keyId: e.keyId }, "lease expired");
      break;
    default:
      break;
  }
}
