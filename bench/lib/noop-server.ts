import { Server, ServerCredentials, type ServiceError, type sendUnaryData, type ServerUnaryCall } from "@grpc/grpc-js";
import { durationFromMs, timestampFromMs } from "../../src/protocol/duration.js";
import { toServiceError } from "../../src/grpc/to-status.js";
import { refusalError } from "../../src/pool/refusal-error.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import {
  GetStatsHistoryResponse,
  KeyPoolServiceService,
  KeyState,
  Outcome,
  SetKeyStateResponse,
  type AcquireKeyResponse,
  type KeyPoolServiceServer,
  type ReportUsageResponse,
} from "../../clients/typescript/src/gen/keypool/v1/keypool.js";

/** Answers shaped like keypool's (same fields, same sizes), so that only the work behind them differs. */
const LEASE: AcquireKeyResponse = {
  leaseId: "ls_AAAAAAAAAAAAAAAAAAAA",
  keyId: "k000001",
  apiKey: "sk-bench-000001",
  provider: "openai",
  expiresAt: timestampFromMs(Date.UTC(2030, 0, 1)),
  baseUrl: "",
  maskedKey: "…0001",
  waited: durationFromMs(0),
};

const REPORTED: ReportUsageResponse = {
  keyState: KeyState.KEY_STATE_ACTIVE,
  alreadyReported: false,
  keyId: "k000001",
  outcome: Outcome.OUTCOME_SUCCESS,
};

/**
 * The ceiling of the broker-overhead benchmark: a grpc-js server implementing
 * KeyPoolService (the generated service definition, same as keypool's) that
 * answers every call at once with a constant. AcquireKey for `refuseProvider`
 * is answered RESOURCE_EXHAUSTED at once, as keypool refuses a provider at its
 * limit, with the same trailers (google.rpc.Status details and retry-after-ms),
 * so that a client flooding it pays for errors on both servers alike.
 */
export async function startNoopServer(
  address = "127.0.0.1:0",
  refuseProvider?: string,
): Promise<{ address: string; stop(): Promise<void> }> {
  const server = new Server({ "grpc.max_receive_message_length": 4 * 1024 * 1024 });
  const refusal = refusalLike(refuseProvider ?? "");
  const impl: KeyPoolServiceServer = {
    acquireKey: (call: ServerUnaryCall<{ provider: string }, AcquireKeyResponse>, cb: sendUnaryData<AcquireKeyResponse>) =>
      refuseProvider !== undefined && call.request.provider === refuseProvider ? cb(refusal) : cb(null, LEASE),
    reportUsage: (_call: ServerUnaryCall<unknown, ReportUsageResponse>, cb: sendUnaryData<ReportUsageResponse>) => cb(null, REPORTED),
    streamStats: (call) => call.end(),
    reloadConfig: (_call, cb) =>
      cb(null, { configGeneration: 1, addedKeyIds: [], removedKeyIds: [], updatedKeyIds: [], unchangedKeyIds: [], warnings: [] }),
    getStatsHistory: (_call, cb) => cb(null, GetStatsHistoryResponse.fromPartial({})),
    setKeyState: (_call, cb) => cb(null, SetKeyStateResponse.fromPartial({})),
  };
  server.addService(KeyPoolServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.slice(0, address.lastIndexOf(":"));
  return {
    address: `${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

/**
 * A refusal built as keypool builds it for a provider at its limits (the same
 * error, through the same mapping to a status and trailers), once.
 */
function refusalLike(provider: string): Partial<ServiceError> {
  return toServiceError(refusalError(provider, undefined, 1000), silentLogger());
}
