import { join } from "node:path";
import { Server, ServerCredentials } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import type { Tracer } from "@opentelemetry/api";
import { HealthImplementation } from "grpc-health-check";
import { KeyPoolServiceService } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { KeyPool } from "../pool/key-pool.js";
import type { ConfigReloader } from "../reload/config-reloader.js";
import type { Logger } from "../telemetry/logger.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { keyPoolService } from "./key-pool-service.js";
import { formatListenAddress, parseListenAddress } from "./listen-address.js";
import { protoRoot } from "./proto-path.js";
import { tracedService } from "./traced-service.js";

const SERVICE_NAME = "keypool.v1.KeyPoolService";

export interface GrpcServerOptions {
  readonly pool: KeyPool;
  readonly log: Logger;
  readonly reloader: ConfigReloader;
  /** Live StreamStats streams: bounded, counted, ended on shutdown. */
  readonly statsSubscribers?: StatsSubscribers | undefined;
  /** A span per RPC when set. */
  readonly tracer?: Tracer | undefined;
}

/** The gRPC listener: KeyPoolService, standard health checking and server reflection. */
export class GrpcServer {
  private readonly server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  private readonly health = new HealthImplementation({ "": "NOT_SERVING", [SERVICE_NAME]: "NOT_SERVING" });
  private boundAddress = "";

  constructor(private readonly options: GrpcServerOptions) {
    this.server.addService(KeyPoolServiceService, tracedService(KeyPoolServiceService, keyPoolService(options), options.tracer));
    this.health.addToServer(this.server);
    const definition = loadSync(join(protoRoot(), "keypool", "v1", "keypool.proto"), {
      includeDirs: [protoRoot()],
    });
    new ReflectionService(definition).addToServer(this.server);
  }

  /** Binds and starts serving; resolves with the bound address (the real port when 0 was asked). */
  async listen(address: string): Promise<string> {
    const addr = parseListenAddress(address);
    const target = formatListenAddress(addr);
    const port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(target, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
    });
    this.boundAddress = addr.kind === "unix" ? target : `${addr.host}:${port}`;
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
