import { credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { durationFromMs } from "../../src/protocol/duration.js";
import {
  KeyPoolServiceClient,
  type AcquireKeyResponse,
  type ReportUsageRequest,
  type ReportUsageResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";

export { status };

/** The generated client with promise-returning unary calls: the same client for keypool and the no-op server. */
export class BenchClient {
  readonly raw: KeyPoolServiceClient;

  constructor(address: string) {
    this.raw = new KeyPoolServiceClient(address, credentials.createInsecure(), {
      // Several channels would each get their own connection; one is what a sidecar caller has.
      "grpc.keepalive_time_ms": 60_000,
    });
  }

  acquire(provider: string, options: { maxWaitMs?: number; deadlineMs?: number; estimatedTokens?: number } = {}): Promise<AcquireKeyResponse> {
    const req = {
      provider,
      model: "",
      estimatedTokens: options.estimatedTokens ?? 0,
      maxWait: options.maxWaitMs === undefined || options.maxWaitMs <= 0 ? undefined : durationFromMs(options.maxWaitMs),
      leaseTtl: undefined,
      clientId: "bench",
    };
    return new Promise((resolve, reject) =>
      this.raw.acquireKey(req, new Metadata(), { deadline: Date.now() + (options.deadlineMs ?? 30_000) }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  report(req: Partial<ReportUsageRequest> & { leaseId: string }): Promise<ReportUsageResponse> {
    const full: ReportUsageRequest = {
      outcome: 0,
      httpStatus: 0,
      promptTokens: 0,
      completionTokens: 0,
      latency: undefined,
      retryAfter: undefined,
      errorMessage: "",
      responseHeaders: {},
      errorBody: Buffer.alloc(0),
      ...req,
    };
    return new Promise((resolve, reject) =>
      this.raw.reportUsage(full, new Metadata(), { deadline: Date.now() + 30_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  /** Resolves once the channel is connected, so that connection setup is not measured. */
  ready(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) =>
      this.raw.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
    );
  }

  close(): void {
    this.raw.close();
  }
}

export function isServiceError(err: unknown): err is ServiceError {
  return typeof err === "object" && err !== null && "code" in err && "metadata" in err;
}
