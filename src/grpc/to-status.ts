import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { encodeStatusDetails, RETRY_AFTER_MS_KEY, STATUS_DETAILS_KEY } from "../protocol/status-details.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import type { Logger } from "../telemetry/logger.js";

/**
 * The one mapping from thrown values to gRPC status. A KeypoolError keeps its
 * code and safe message, its reason in google.rpc.ErrorInfo and its delay in
 * google.rpc.RetryInfo; anything else is an internal error whose message
 * the caller never sees (it could hold anything), only the log does.
 */
export function toServiceError(err: unknown, log: Logger): Partial<ServiceError> {
  if (!(err instanceof KeypoolError)) {
    log.error({ err: err instanceof Error ? { name: err.name, stack: err.stack } : String(err) }, "internal error");
    return { code: status.INTERNAL, details: "internal error", metadata: new Metadata() };
  }
  const code = status[err.code];
  const message = err.details.length > 0 ? `${err.message}: ${err.details.join("; ")}` : err.message;
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, encodedDetails(code, message, err.reason, err.retryAfterMs));
  if (err.retryAfterMs !== undefined) metadata.set(RETRY_AFTER_MS_KEY, String(Math.ceil(err.retryAfterMs)));
  return { code, details: message, metadata };
}

/**
 * The last status details encoded, reused while the same refusal repeats (a
 * flood of calls refused in one millisecond gets the same answer): grpc-js
 * only reads the buffer, so one can go out on many calls.
 */
let last: { code: number; message: string; reason: string; retryAfterMs: number | undefined; bytes: Buffer } | undefined;

function encodedDetails(code: number, message: string, reason: string, retryAfterMs: number | undefined): Buffer {
  if (last !== undefined && last.code === code && last.message === message && last.reason === reason && last.retryAfterMs === retryAfterMs) {
    return last.bytes;
  }
  const bytes = Buffer.from(encodeStatusDetails(code, message, { reason, retryAfterMs }));
  last = { code, message, reason, retryAfterMs, bytes };
  return bytes;
}
