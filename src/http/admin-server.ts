import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { sourceOf } from "../auth/auth-failures.js";
import { AuthState } from "../auth/auth-state.js";
import { ANONYMOUS, mayUse, maySeeKeyDetails, type ClientIdentity } from "../auth/client-identity.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { ListenAddress } from "../listen/listen-address.js";
import { openListener } from "../listen/open-listener.js";
import type { TlsFiles } from "../listen/server-credentials.js";
import type { LeasePool } from "../pool/lease-pool.js";
import { snapshotToJson } from "../pool/stats-json.js";
import { poolDirectory } from "../telemetry/history/pool-history-feed.js";
import type { StatsHistory } from "../telemetry/history/stats-history.js";
import type { KeypoolMetrics } from "../telemetry/keypool-metrics.js";
import type { Logger } from "../telemetry/logger.js";
import { scopedSnapshot } from "../telemetry/scoped-snapshot.js";
import { parseStatsRequest } from "../telemetry/stats-request.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { CSRF_HEADER, guardAdminRequest } from "./admin-request-guard.js";
import { CSRF_TOKEN_TTL_MS, CsrfTokens } from "./csrf-token.js";
import { DASHBOARD_PATHS, serveDashboardAsset } from "./dashboard-route.js";
import { allowedHosts } from "./host-check.js";
import { sendError, sendJson } from "./http-errors.js";
import { listenHttp } from "../listen/listen-http.js";
import { createHttpListener, verifiedCertificateCn, type HttpListener } from "../listen/tls-server.js";
import { queryProviders } from "./stats-query.js";
import { keyStatePath, serveKeyState } from "./key-state-route.js";
import { serveStatsHistory } from "./stats-history-route.js";
import { serveStatsStream } from "./stats-stream-route.js";

export interface AdminServerOptions {
  readonly pool: LeasePool;
  readonly metrics: KeypoolMetrics;
  readonly subscribers: StatsSubscribers;
  readonly log: Logger;
  /** True once a configuration is loaded and the gRPC listener serves; false again while shutting down. */
  readonly ready: () => boolean;
  /** With client tokens configured, every endpoint but the health checks takes an admin token. */
  readonly auth?: AuthState | undefined;
  /** Serve /metrics without a token even when tokens are configured (scrapers often cannot send one). */
  readonly metricsOpen?: boolean | undefined;
  /** HTTPS (mTLS with a client CA) from PEM files, re-read when they change. */
  readonly tls?: TlsFiles | undefined;
  /** Accept a non-loopback bind without TLS or tokens. */
  readonly insecure?: boolean | undefined;
  /** File mode of a unix: socket; default 0600. */
  readonly socketMode?: number | undefined;
  /** Served at /v1/stats/history; without it that path is not served. */
  readonly history?: StatsHistory | undefined;
  /** What this sidecar knows of the fleet sharing its store, in /v1/stats for administrators; undefined alone. */
  readonly fleet?: (() => Record<string, unknown>) | undefined;
}

/**
 * Paths anyone may read: liveness and readiness probes carry no data worth a
 * token, and the dashboard's page, script, style and icon (`/`,
 * `/dashboard.js`, `/dashboard.css`, `/favicon.svg`) are static files without
 * data: the page reads /v1/stats/stream with the admin token it asks for.
 */
const OPEN_PATHS = new Set(["/healthz", "/readyz", ...DASHBOARD_PATHS]);

/** What a client with the `stats` right may read here too, within its providers. */
const STATS_PATHS = new Set(["/v1/session", "/v1/stats", "/v1/stats/stream", "/v1/stats/history"]);

/**
 * The admin HTTP listener, for monitoring rather than for callers:
 * GET /metrics (Prometheus text), /healthz (the process answers), /readyz
 * (a configuration is loaded and keypool serves), /v1/stats (the statistics
 * snapshot as JSON), /v1/stats/stream (the same as Server-Sent Events),
 * /v1/stats/history (the past in fixed buckets) and
 * / (the live dashboard, which reads that stream). Read-only and secret-free; it binds to loopback by default.
 */
export class AdminServer {
  private server: Server | undefined;
  private listener: HttpListener | undefined;
  private boundAddress = "";
  private hosts: ReadonlySet<string> | undefined;
  private readonly csrf = new CsrfTokens();

  constructor(private readonly options: AdminServerOptions) {}

  /** Binds and serves; resolves with the bound address (the real port when 0 was asked). */
  async listen(address: ListenAddress): Promise<string> {
    const { tls, auth, insecure, log } = this.options;
    this.hosts = address.kind === "unix" ? undefined : allowedHosts(address);
    this.listener = await createHttpListener((req, res) => void this.handle(req, res), tls, (err) =>
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "admin TLS files not reloaded"),
    );
    const server = this.listener.server;
    this.server = server;
    // Statistics streams are long-lived; only the headers of a request are time-bounded.
    server.requestTimeout = 0;
    try {
      this.boundAddress = await openListener(
        address,
        { name: "admin", tls: tls !== undefined, tokens: auth?.enabled === true, insecure: insecure === true, socketMode: this.options.socketMode ?? 0o600, log },
        () => listenHttp(server, address),
      );
    } catch (err) {
      // Not serving after all (refused exposure, address in use): the certificate watcher must not outlive it.
      await this.listener.close();
      throw err;
    }
    server.on("error", (err) => log.error({ err: err.message }, "admin server error"));
    return this.boundAddress;
  }

  get address(): string {
    return this.boundAddress;
  }

  /** Stops accepting connections and closes idle ones; open requests get `graceMs`, then are cut. */
  async close(graceMs = 1_000): Promise<void> {
    await this.listener?.close();
    const server = this.server;
    if (server === undefined || !server.listening) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  /**
   * Who may see `path`: anyone for open paths, everyone without tokens (the
   * local operator, an administrator). With tokens, statistics are for
   * administrators and clients with the `stats` right (each within its
   * providers); everything else for administrators. Rejects with
   * UNAUTHENTICATED (late, or RESOURCE_EXHAUSTED, for a source that keeps
   * failing) or PERMISSION_DENIED.
   */
  private async authorize(req: IncomingMessage, path: string): Promise<ClientIdentity> {
    const auth = this.options.auth;
    if (auth === undefined || !auth.enabled || OPEN_PATHS.has(path)) return ANONYMOUS;
    if (path === "/metrics" && this.options.metricsOpen === true) return ANONYMOUS;
    const header = req.headers.authorization;
    const token = typeof header === "string" ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
    const attempt = { listener: "admin" as const, source: sourceOf(req.socket.remoteAddress), method: `${req.method ?? ""} ${path}`, log: this.options.log };
    const client = await auth.authenticateAttempt(token, verifiedCertificateCn(req), attempt);
    if (!(STATS_PATHS.has(path) && req.method !== "POST" && maySeeKeyDetails(client))) AuthState.requireAdmin(client);
    return client;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { pool, metrics, subscribers, log, ready } = this.options;
    try {
      const url = new URL(req.url ?? "/", "http://admin.invalid");
      guardAdminRequest(req, { hosts: this.hosts, tokensEnabled: this.options.auth?.enabled === true, csrf: this.csrf });
      const keyTarget = keyStatePath(url.pathname);
      if (keyTarget !== undefined) {
        if (req.method !== "POST") {
          sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "an action on a key is a POST" } }, { allow: "POST" });
          return;
        }
        await serveKeyState(req, res, keyTarget, pool, await this.authorize(req, url.pathname));
        return;
      }
      if (req.method !== "GET" && req.method !== "HEAD") {
        sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "only GET is served" } }, { allow: "GET, HEAD" });
        return;
      }
      const client = await this.authorize(req, url.pathname);
      // A provider outside the client's scope is as unknown to it as an unconfigured one.
      const visible = pool.providerNames().filter((p) => mayUse(client, p));
      switch (url.pathname) {
        case "/v1/session":
          // What the dashboard may offer: actions on keys only to an administrator.
          sendJson(res, 200, { client: client.name, admin: client.admin });
          return;
        case "/metrics":
          metrics.exporter.getMetricsRequestHandler(req, res);
          return;
        case "/v1/csrf-token":
          // Readable only by the admin server's own origin: no CORS headers, and only to a Host it answers to.
          sendJson(res, 200, { header: CSRF_HEADER, token: this.csrf.issue(), ttl_seconds: CSRF_TOKEN_TTL_MS / 1000 });
          return;
        case "/healthz":
          sendJson(res, 200, { status: "ok", ...storeHealth(pool) });
          return;
        case "/readyz":
          if (ready()) sendJson(res, 200, { status: "ready", config_generation: pool.configGeneration, ...storeHealth(pool) });
          else sendJson(res, 503, { status: "not ready", ...storeHealth(pool) });
          return;
        case "/v1/stats": {
          const { providers } = parseStatsRequest(queryProviders(url), undefined, visible);
          const body = snapshotToJson(scopedSnapshot(pool.snapshot(providers), client));
          // Another sidecar's key ids and settings are an administrator's business.
          if (client.admin && this.options.fleet !== undefined) body["fleet"] = this.options.fleet();
          sendJson(res, 200, body);
          return;
        }
        case "/v1/stats/history":
          if (this.options.history === undefined) throw new KeypoolError("NOT_FOUND", "no statistics history is recorded by this server");
          if (!mayUse(client, (url.searchParams.get("provider") ?? "").trim().toLowerCase())) {
            throw new KeypoolError("PERMISSION_DENIED", "provider: outside this client's providers");
          }
          await serveStatsHistory(res, url, this.options.history, poolDirectory(pool));
          return;
        case "/v1/stats/stream":
          // A HEAD would open a stream whose body is never sent.
          if (req.method !== "GET") {
            sendJson(res, 405, { error: { code: "METHOD_NOT_ALLOWED", message: "the stream is served to GET only" } }, { allow: "GET" });
            return;
          }
          serveStatsStream(req, res, url, pool, subscribers, visible, (snapshot) => scopedSnapshot(snapshot, client));
          return;
        default:
          if (DASHBOARD_PATHS.includes(url.pathname)) {
            serveDashboardAsset(req, res, url.pathname);
            return;
          }
          throw new KeypoolError("NOT_FOUND", `no such admin endpoint; try / (the dashboard), /metrics, /healthz, /readyz, /v1/stats, /v1/stats/stream, /v1/stats/history, /v1/session, POST /v1/keys/{provider}/{key_id}/state`);
      }
    } catch (err) {
      sendError(res, err, log);
    }
  }
}

/** The shared store's state for the probes' bodies: whether it answers, and what the sidecar does meanwhile. */
function storeHealth(pool: LeasePool): { store?: Record<string, unknown> } {
  const s = pool.storeStatus?.();
  if (s === undefined) return {};
  return { store: { kind: s.kind, degraded: s.degraded, failure_mode: s.failureMode, sidecars_alive: s.sidecarsAlive } };
}
