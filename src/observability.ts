import type { Tracer } from "@opentelemetry/api";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { AuthState } from "./auth/auth-state.js";
import type { TlsFiles } from "./listen/server-credentials.js";
import { AdminServer } from "./http/admin-server.js";
import { parseAdminListen } from "./listen/admin-listen.js";
import type { StatsHistory } from "./telemetry/history/stats-history.js";
import type { LeasePool } from "./pool/lease-pool.js";
import { KeypoolMetrics } from "./telemetry/keypool-metrics.js";
import type { Logger } from "./telemetry/logger.js";
import { StatsSubscribers } from "./telemetry/stats-subscribers.js";
import { startTracing, type Tracing } from "./telemetry/tracing.js";

export interface ObservabilityOptions {
  readonly pool: LeasePool;
  readonly log: Logger;
  /** Admin HTTP address (host:port, unix:/path); undefined, empty or "off" runs none. */
  readonly adminListen?: string | undefined;
  /** When the admin address cannot be bound: warn and run without it, instead of failing. */
  readonly adminOptional?: boolean | undefined;
  /** Spans go here instead of where OTEL_* says (tests). */
  readonly spanExporter?: SpanExporter | undefined;
  readonly maxStatsStreams?: number | undefined;
  /** Readiness for /readyz. */
  readonly ready: () => boolean;
  readonly auth?: AuthState | undefined;
  readonly metricsOpen?: boolean | undefined;
  /** HTTPS for the admin listener. */
  readonly tls?: TlsFiles | undefined;
  readonly insecure?: boolean | undefined;
  /** File mode of a unix: socket for the admin listener; default 0600. */
  readonly socketMode?: number | undefined;
  /** Served at /v1/stats/history. */
  readonly history: StatsHistory;
  /** The fleet's part of /v1/stats (shared store only). */
  readonly fleet?: (() => Record<string, unknown>) | undefined;
}

/** Metrics, tracing, statistics streams and the admin server of one keypool server. */
export interface Observability {
  readonly metrics: KeypoolMetrics;
  readonly subscribers: StatsSubscribers;
  readonly tracer: Tracer | undefined;
  /** The admin server's bound address; undefined when it is off. */
  readonly adminAddress: string | undefined;
  /** Ends every statistics stream and refuses new ones (first step of a shutdown). */
  endStreams(): void;
  /** Closes the admin server, flushes spans and releases the meters. */
  stop(): Promise<void>;
}

/** Sets up everything that watches the pool; the gRPC listener is started by the caller. */
export async function startObservability(options: ObservabilityOptions): Promise<Observability> {
  const { pool, log } = options;
  const subscribers = new StatsSubscribers(options.maxStatsStreams);
  const metrics = new KeypoolMetrics({ pool, subscribers, authFailures: options.auth?.enabled === true ? options.auth.failures : undefined });
  let tracing: Tracing | undefined;
  let admin: AdminServer | undefined;
  let adminAddress: string | undefined;
  try {
    tracing = await startTracing({ spanExporter: options.spanExporter });
    const address = parseAdminListen(options.adminListen ?? "");
    if (address !== undefined) {
      admin = new AdminServer({
        pool,
        metrics,
        subscribers,
        log,
        ready: options.ready,
        auth: options.auth,
        metricsOpen: options.metricsOpen,
        tls: options.tls,
        insecure: options.insecure,
        socketMode: options.socketMode,
        history: options.history,
        fleet: options.fleet,
      });
      try {
        adminAddress = await admin.listen(address);
      } catch (err) {
        if (options.adminOptional !== true) throw err;
        log.warn({ adminListen: options.adminListen, err: err instanceof Error ? err.message : String(err) }, "admin server not started; /metrics is unavailable");
        admin = undefined;
      }
    }
  } catch (err) {
    await metrics.shutdown();
    await tracing?.shutdown();
    throw err;
  }
  return {
    metrics,
    subscribers,
    tracer: tracing.tracer,
    adminAddress,
    endStreams: () => subscribers.closeAll(),
    async stop() {
      subscribers.closeAll();
      await admin?.close();
      await tracing?.shutdown();
      await metrics.shutdown();
    },
  };
}
