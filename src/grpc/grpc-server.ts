import { join } from "node:path";
import { Server } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type { Tracer } from "@opentelemetry/api";
import { HealthImplementation } from "grpc-health-check";
import { KeyPoolServiceService } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { AuthState } from "../auth/auth-state.js";
import type { Clock } from "../clock/clock.js";
import type { LeasePool } from "../pool/lease-pool.js";
import type { ConfigReloader } from "../reload/config-reloader.js";
import type { Logger } from "../telemetry/logger.js";
import type { StatsHistory } from "../telemetry/history/stats-history.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { admittedService } from "./admitted-service.js";
import { authorizedService } from "./authorized-service.js";
import { FairAdmission } from "./fair-admission.js";
import { keyPoolService } from "./key-pool-service.js";
import { formatListenAddress, parseListenAddress } from "../listen/listen-address.js";
import { protoRoot } from "./proto-path.js";
import { serverCredentials, type TlsFiles } from "../listen/server-credentials.js";
import { REQUEST_WIRE_FIELDS } from "./request-wire-fields.js";
import { tracedService } from "./traced-service.js";
import { wireCheckedDefinition, wireCheckedService } from "./wire-checked-service.js";
import { openListener } from "../listen/open-listener.js";

const SERVICE_NAME = "keypool.v1.KeyPoolService";

export interface GrpcServerOptions {
  readonly pool: LeasePool;
  readonly log: Logger;
  readonly reloader: ConfigReloader;
  /** Live StreamStats streams: bounded, counted, ended on shutdown. */
  readonly statsSubscribers?: StatsSubscribers | undefined;
  /** Served by GetStatsHistory. */
  readonly history: StatsHistory;
  /** Time of the answers a report carries; the pool's own clock. */
  readonly clock?: Clock | undefined;
  /** A span per RPC when set. */
  readonly tracer?: Tracer | undefined;
  /** Client tokens; without a tokens file every caller is anonymous. */
  readonly auth?: AuthState | undefined;
  /** TLS (and mTLS with a client CA) from PEM files. */
  readonly tls?: TlsFiles | undefined;
  /** Accept a non-loopback bind without TLS or tokens. */
  readonly insecure?: boolean | undefined;
  /** File mode of a unix: socket; default 0600. */
  readonly socketMode?: number | undefined;
}

/** Largest request accepted: an inline configuration of some thousands of keys fits, a memory bomb does not. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** HTTP/2 streams one connection may open at once. */
const MAX_CONCURRENT_STREAMS = 1_000;

/** The gRPC listener: KeyPoolService, standard health checking and server reflection. */
export class GrpcServer {
  private readonly server = new Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_concurrent_streams": MAX_CONCURRENT_STREAMS,
  });
  private readonly health = new HealthImplementation({ "": "NOT_SERVING", [SERVICE_NAME]: "NOT_SERVING" });
  private boundAddress = "";
  /** Per-client admission of the calls that reach the pool. */
  readonly admission = new FairAdmission();

  constructor(private readonly options: GrpcServerOptions) {
    const auth = options.auth;
    // Admission inside authorization, so that a client is known by its name before its calls are queued.
    const admitted = admittedService(keyPoolService(options), this.admission);
    const service = auth?.enabled === true ? authorizedService(admitted, auth, options.log) : admitted;
    // Out-of-range wire values are refused before authentication, as a decoding error would be.
    const definition = wireCheckedDefinition(KeyPoolServiceService, REQUEST_WIRE_FIELDS);
    // Tracing outermost, so that refused calls have their spans too.
    this.server.addService(definition, tracedService(definition, wireCheckedService(service, options.log), options.tracer));
    this.health.addToServer(this.server);
    const reflected = loadSync(join(protoRoot(), "keypool", "v1", "keypool.proto"), {
      includeDirs: [protoRoot()],
    });
    new ReflectionService(reflected).addToServer(this.server);
  }

  /** Binds and starts serving; resolves with the bound address (the real port when 0 was asked). */
  async listen(address: string): Promise<string> {
    const addr = parseListenAddress(address);
    const target = formatListenAddress(addr);
    const credentials = await serverCredentials(this.options.tls);
    this.boundAddress = await openListener(
      addr,
      {
        name: "gRPC",
        tls: this.options.tls !== undefined,
        tokens: this.options.auth?.enabled === true,
        insecure: this.options.insecure === true,
        socketMode: this.options.socketMode ?? 0o600,
        log: this.options.log,
      },
      () =>
        new Promise<number>((resolve, reject) => {
          this.server.bindAsync(target, credentials, (err, p) => (err ? reject(err) : resolve(p)));
        }),
    );
    this.health.setStatus("", "SERVING");
    this.health.setStatus(SERVICE_NAME, "SERVING");
    return this.boundAddress;
  }

  get address(): string {
    return this.boundAddress;
  }

  /** Stops accepting calls and lets running ones finish within `graceMs`, then cuts the rest. */
  async shutdown(graceMs: number): Promise<void> {
    this.health.setStatus("", "NOT_SERVING");
    this.health.setStatus(SERVICE_NAME, "NOT_SERVING");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.options.log.warn({ graceMs }, "grace period over; cancelling remaining calls");
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
