import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import {
  KeyPoolServiceClient,
  type AcquireKeyRequest,
  type AcquireKeyResponse,
  type GetStatsHistoryRequest,
  type GetStatsHistoryResponse,
  type ReportUsageRequest,
  type ReportUsageResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { decodeRetryDelayMs, RETRY_AFTER_MS_KEY, STATUS_DETAILS_KEY } from "../../src/protocol/status-details.js";

/** The generated client with promise-returning calls, for tests; with a token, every call presents it. */
export class TestClient {
  readonly raw: KeyPoolServiceClient;

  constructor(
    address: string,
    private readonly token?: string,
  ) {
    this.raw = new KeyPoolServiceClient(address, credentials.createInsecure());
  }

  private metadata(): Metadata {
    const m = new Metadata();
    if (this.token !== undefined) m.set("authorization", `Bearer ${this.token}`);
    return m;
  }

  acquire(req: Partial<AcquireKeyRequest>, deadlineMs = 10_000): Promise<AcquireKeyResponse> {
    const full: AcquireKeyRequest = {
      provider: "",
      model: "",
      estimatedTokens: 0,
      maxWait: undefined,
      leaseTtl: undefined,
      clientId: "",
      ...req,
    };
    return new Promise((resolve, reject) =>
      this.raw.acquireKey(full, this.metadata(), { deadline: Date.now() + deadlineMs }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  report(req: Partial<ReportUsageRequest>): Promise<ReportUsageResponse> {
    const full: ReportUsageRequest = {
      leaseId: "",
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
      this.raw.reportUsage(full, this.metadata(), { deadline: Date.now() + 10_000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  history(req: Partial<GetStatsHistoryRequest>): Promise<GetStatsHistoryResponse> {
    const full: GetStatsHistoryRequest = { provider: "", keyId: "", model: "", range: undefined, resolution: undefined, ...req };
    return new Promise((resolve, reject) =>
      this.raw.getStatsHistory(full, this.metadata(), { deadline: Date.now() + 10_000 }, (err, res) => (err ? reject(err) : resolve(res))),
    );
  }

  close(): void {
    this.raw.close();
  }
}

/** Awaits a call expected to fail and returns its gRPC error. */
export async function grpcError(p: Promise<unknown>): Promise<ServiceError> {
  try {
    await p;
  } catch (err) {
    return err as ServiceError;
  }
  throw new Error("expected the call to fail");
}

/** The retry delay of a RESOURCE_EXHAUSTED error: from google.rpc.RetryInfo and from the trailer. */
export function retryDelays(err: ServiceError): { retryInfoMs: number | undefined; trailerMs: number | undefined } {
  const details = err.metadata.get(STATUS_DETAILS_KEY)[0];
  const trailer = err.metadata.get(RETRY_AFTER_MS_KEY)[0];
  return {
    retryInfoMs: details instanceof Buffer ? decodeRetryDelayMs(details) : undefined,
    trailerMs: trailer === undefined ? undefined : Number(trailer),
  };
}
