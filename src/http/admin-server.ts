import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { AuthState } from "../auth/auth-state.js";
import type { AddressInfo } from "node:net";
import { KeypoolError } from "../errors.js";
import type { ListenAddress } from "../grpc/listen-address.js";
import type { KeyPool } from "../pool/key-pool.js";
import { snapshotToJson } from "../pool/stats-json.js";
import type { KeypoolMetrics } from "../telemetry/keypool-metrics.js";
import type { Logger } from "../telemetry/logger.js";
import { parseStatsRequest } from "../telemetry/stats-request.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { sendError, sendJson } from "./http-errors.js";
import { queryProviders } from "./stats-query.js";
import { serveStatsStream } from "./stats-stream-route.js";

export interface AdminServerOptions {
  readonly pool: KeyPool;
  readonly metrics: KeypoolMetrics;
  readonly subscribers: StatsSubscribers;
  readonly log: Logger;
  /** True once a configuration is loaded and the gRPC listener serves; false again while shutting down. */
  readonly ready: () => boolean;
  /** With client tokens configured, every endpoint but the health checks takes an admin token. */
  readonly auth?: AuthState | undefined;
  /** Serve /metrics without a token even when tokens are configured (scrapers often cannot send one). */
  readonly metricsOpen?: boolean | undefined;
}

/** Paths anyone may read: liveness and readiness probes carry no data worth a token. */
const OPEN_PATHS = new Set(["/healthz", "/readyz"]);

/**
 * The admin HTTP listener, for monitoring rather than for callers:
 * GET /metrics (Prometheus text), /healthz (the process answers), /readyz
 * (a configuration is loaded and keypool serves), /v1/stats (the statistics
 * snapshot as JSON) and /v1/stats/stream (the same as Server-Sent Events).
 * Read-only and secret-free; it binds to loopback by default.
 */
export class AdminServer {
  private readonly server: Server;
  private boundAddress = "";

  constructor(private readonly options: AdminServerOptions) {
    this.server = createServer((req, res) => this.handle(req, res));
    // Statistics streams are long-lived; only the headers of a request are time-bounded.
    this.server.requestTimeout = 0;
  }

  /** Binds and serves; resolves with the bound address (the real port when 0 was asked). */
  async listen(address: ListenAddress): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once("error", onError);
      const done = () => {
        this.server.removeListener("error", onError);
        resolve();
      };
      if (address.kind === "unix") this.server.listen(address.path, done);
      else this.server.listen(address.port, address.host.replace(/^\[(.*)\]$/, "$1"), done);
    });
    const bound = this.server.address();
    this.boundAddress =
      address.kind === "unix"
        ? `unix:${address.path}`
        : `${address.host}:${typeof bound === "object" && bound !== null ? (bound as AddressInfo).port : address.port}`;
    this.server.on("error", (err) => this.options.log.error({ err: err.message }, "admin server error"));
    return this.boundAddress;
  }

  get address(): string {
    return this.boundAddress;
  }

  /** Stops accepting connections and closes idle ones; open requests get `graceMs`, then are cut. */
  async close(graceMs = 1_000): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
      timer.unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  /** Throws UNAUTHENTICATED or PERMISSION_DENIED unless the request may see `path`. */
  private authorize(req: IncomingMessage, path: string): void {
    const auth = this.options.auth;
    if (auth === undefined || !auth.enabled || OPEN_PATHS.has(path)) return;
    if (path === "/metrics" && this.options.metricsOpen === true) return;
    const header = req.headers.authorization;
    const token = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    AuthState.requireAdmin(auth.authenticate(token, undefined));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const { pool, metrics, subscribers, log, ready } = this.options;
    try {
      const url = new URL(req.url ?? "/", "http://admin.invalid");
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "only GET is served" } }, { allow: "GET, HEAD" });
        return;
      }
      this.authorize(req, url.pathname);
      switch (url.pathname) {
        case "/metrics":
          metrics.exporter.getMetricsRequestHandler(req, res);
          return;
        case "/healthz":
          sendJson(res, 200, { status: "ok" });
          return;
        case "/readyz":
          if (ready()) sendJson(res, 200, { status: "ready", config_generation: pool.configGeneration });
          else sendJson(res, 503, { status: "not ready" });
          return;
        case "/v1/stats": {
          const { providers } = parseStatsRequest(queryProviders(url), undefined, pool.providerNames());
          sendJson(res, 200, snapshotToJson(pool.snapshot(providers)));
          return;
        }
        case "/v1/stats/stream":
          // A HEAD would open a stream whose body is never sent.
          if (req.method !== "GET") {
            sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "the stream is served to GET only" } }, { allow: "GET" });
            return;
          }
          serveStatsStream(req, res, url, pool, subscribers);
          return;
        default:
          throw new KeypoolError("NOT_FOUND", `no such admin endpoint; try /metrics, /healthz, /readyz, /v1/stats, /v1/stats/stream`);
      }
    } catch (err) {
      sendError(res, err, log);
    }
  }
}
