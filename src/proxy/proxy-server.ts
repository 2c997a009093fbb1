import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Tracer } from "@opentelemetry/api";
import type { Dispatcher } from "undici";
import type { AuthState } from "../auth/auth-state.js";
import { systemClock, type Clock } from "../clock/clock.js";
import type { TlsFiles } from "../listen/server-credentials.js";
import { listenHttp } from "../listen/listen-http.js";
import { createHttpListener, type HttpListener } from "../listen/tls-server.js";
import { parseListenAddress } from "../listen/listen-address.js";
import { openListener } from "../listen/open-listener.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { Logger } from "../telemetry/logger.js";
import { ConcurrencyGate } from "./concurrency-gate.js";
import { DeadlineSweep } from "./deadline-sweep.js";
import { errorBody } from "../provider-http/error-body.js";
import { handleProxyRequest, type ProxyContext } from "./proxy-handler.js";
import { ProxyError } from "./proxy-error.js";
import { resolveProxyOptions, type ProxyOptions } from "./proxy-options.js";
import { RoutableProviders } from "./routable-providers.js";
import { upstreamAgent } from "./upstream-call.js";
import { UpstreamTargets } from "./upstream-targets.js";

export interface ProxyServerOptions {
  /** The pool the proxy leases from: the same one gRPC callers use, so statistics and metrics are shared. */
  readonly pool: LeasePool;
  readonly log: Logger;
  /** Client tokens; when enabled, the SDK's API key must be a keypool client token. */
  readonly auth?: AuthState | undefined;
  /** A span per proxied request when set. */
  readonly tracer?: Tracer | undefined;
  /** Accept a non-loopback bind without client tokens. */
  readonly insecure?: boolean | undefined;
  /** Limits and failover policy; defaults in DEFAULT_PROXY_OPTIONS. */
  readonly options?: Partial<ProxyOptions> | undefined;
  /** Sends upstream requests (tests, benchmarks); default: a keep-alive undici Agent owned by the proxy. */
  readonly dispatcher?: Dispatcher | undefined;
  /** File mode of a unix: socket; default 0600. */
  readonly socketMode?: number | undefined;
  /** HTTPS from these PEM files (re-read when they change); with a client CA, mTLS, and a verified certificate's name stands for a token. */
  readonly tls?: TlsFiles | undefined;
  /** Time of the answers read for their rate limits; default the system clock. */
  readonly clock?: Clock | undefined;
}

/** How late a request's deadline or a body's idle limit may fire: the period of the one timer that checks them all. */
const DEADLINE_RESOLUTION_MS = 20;

/** Longest a client may take to send its whole request (a slow upload must not hold a connection forever). */
const REQUEST_RECEIVE_TIMEOUT_MS = 120_000;

/**
 * The HTTP pass-through: `/{provider}/<path>` is forwarded to the provider
 * with a leased key in place of the client's credential (see
 * handleProxyRequest). HTTP/1.1, or HTTPS (and mTLS) from the same PEM
 * files as the other listeners; a non-loopback bind needs TLS and client
 * tokens, or --insecure, like the gRPC listener.
 */
export class ProxyServer {
  private server: Server | undefined;
  private listener: HttpListener | undefined;
  private readonly context: ProxyContext;
  private readonly ownsDispatcher: boolean;
  private readonly sockets = new Set<Socket>();
  /** Requests being handled, so that shutdown can wait for their reports before closing the upstream pool. */
  private readonly handling = new Set<Promise<void>>();
  private boundAddress = "";

  constructor(private readonly config: ProxyServerOptions) {
    const options = resolveProxyOptions(config.options);
    this.ownsDispatcher = config.dispatcher === undefined;
    this.context = {
      pool: config.pool,
      auth: config.auth,
      log: config.log,
      tracer: config.tracer,
      options,
      dispatcher: config.dispatcher ?? upstreamAgent(options),
      gate: new ConcurrencyGate(options.maxConcurrent),
      routable: new RoutableProviders(config.pool),
      clock: config.clock ?? systemClock,
      timers: new DeadlineSweep(DEADLINE_RESOLUTION_MS),
      targets: new UpstreamTargets(),
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const handled = handleProxyRequest(this.context, req, res)
      .catch((err: unknown) => {
        // The handler answers every failure itself; reaching here is a bug, which must not take the process down.
        this.config.log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err) }, "proxy handler failed");
        res.destroy();
      })
      .finally(() => this.handling.delete(handled));
    this.handling.add(handled);
  }

  private async createServer(): Promise<Server> {
    const { log, tls } = this.config;
    this.listener = await createHttpListener(
      (req, res) => this.handle(req, res),
      tls,
      (err) => log.warn({ err: err instanceof Error ? err.message : String(err) }, "proxy TLS files not reloaded"),
      { maxHeaderSize: this.context.options.maxHeaderBytes },
    );
    const server = this.listener.server;
    // Counted by the handler instead (431 with a message): Node would silently drop headers beyond its count.
    server.maxHeadersCount = 0;
    // Receiving a request (head and body) is time-bounded; answering it is not (long streams are normal).
    server.requestTimeout = REQUEST_RECEIVE_TIMEOUT_MS;
    server.on("clientError", (err: NodeJS.ErrnoException, socket: Socket) => rejectMalformed(err, socket));
    // With TLS, sockets arrive through secureConnection; "connection" sees the raw TCP socket, which is what must be cut at shutdown.
    server.on("connection", (socket: Socket) => {
      this.sockets.add(socket);
      socket.once("close", () => this.sockets.delete(socket));
    });
    return server;
  }

  /** Binds (host:port or unix:/path) and serves; resolves with the bound address, the real port when 0 was asked. */
  async listen(address: string): Promise<string> {
    const addr = parseListenAddress(address);
    const server = await this.createServer();
    this.server = server;
    this.boundAddress = await openListener(
      addr,
      {
        name: "proxy",
        tls: this.config.tls !== undefined,
        tokens: this.config.auth?.enabled === true,
        insecure: this.config.insecure === true,
        socketMode: this.config.socketMode ?? 0o600,
        log: this.config.log,
      },
      () => listenHttp(server, addr),
    );
    server.on("error", (err) => this.config.log.error({ err: err.message }, "proxy server error"));
    return this.boundAddress;
  }

  /** host:port (or unix:/path) once listening. */
  get address(): string {
    return this.boundAddress;
  }

  /** Upstream requests in flight now. */
  get inFlight(): number {
    return this.context.gate.inFlight;
  }

  /**
   * Stops accepting connections; requests in flight (streams included) get
   * `graceMs` to finish, then their connections are cut, which ends their
   * upstream requests and reports their leases as cancelled.
   */
  async close(graceMs = 10_000): Promise<void> {
    await this.listener?.close();
    const server = this.server;
    if (server?.listening === true) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.closeAllConnections();
          for (const socket of this.sockets) socket.destroy();
        }, graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
    }
    // Cut connections make their handlers report the leases as cancelled; then the upstream pool can go.
    await Promise.race([Promise.all(this.handling), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    this.context.timers.stop();
    if (this.ownsDispatcher) await this.context.dispatcher.destroy();
  }
}

/** A request Node could not take: 431 for a head over the size limit, 408 for one too slow, 400 otherwise, in JSON; then the connection closes. */
function rejectMalformed(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable || err.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const failure =
    err.code === "HPE_HEADER_OVERFLOW"
      ? new ProxyError(431, "request_header_fields_too_large", "keypool: the request headers are larger than the proxy's limit")
      : err.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new ProxyError(408, "request_timeout", "keypool: the request was not received in time")
        : new ProxyError(400, "bad_request", "keypool: malformed HTTP request");
  const body = `${JSON.stringify(errorBody(undefined, failure))}\n`;
  const reason = STATUS_CODES[failure.status] ?? "Bad Request";
  socket.end(
    `HTTP/1.1 ${failure.status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
