import { status, type ServiceError } from "@grpc/grpc-js";
import { errorCodeOf, genericReason, KeypoolError, type ErrorReason } from "../../../src/protocol/keypool-error.js";
import { decodeStatusDetails, RETRY_AFTER_MS_KEY, STATUS_DETAILS_KEY, type StatusDetails } from "../../../src/protocol/status-details.js";

/**
 * A call to the keypool sidecar failed: keypool's one error type, under the
 * name this client has always exported. `code` is the status
 * (`RESOURCE_EXHAUSTED` when the pool is busy, with `retryAfterMs`;
 * `FAILED_PRECONDITION` when no key can serve, ...), `reason` what the server
 * said about it (`POOL_BUSY`, `ALL_KEYS_DISABLED`, `NO_KEY_CAN_SERVE`, ...),
 * `details` the server's own explanation as its one line.
 */
export { KeypoolError as KeyPoolError };

/**
 * The sidecar could not be reached or did not answer in time. The client fails
 * closed with this error unless a fallback key is configured.
 */
export class KeyPoolUnavailableError extends KeypoolError {
  override readonly name: string = "KeyPoolUnavailableError";
}

/** Codes meaning that the sidecar itself is not there, rather than that it answered. */
const UNREACHABLE = new Set<status>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

/** The client's error for a failed gRPC call of `method` to `target`. */
export function toKeyPoolError(err: unknown, method: string, target: string): KeypoolError {
  if (err instanceof KeypoolError) return err;
  const e = err as Partial<ServiceError>;
  const grpcCode = typeof e.code === "number" ? e.code : status.UNKNOWN;
  const details = typeof e.details === "string" ? e.details : String((err as Error)?.message ?? err);
  const codeName = status[grpcCode] ?? String(grpcCode);
  const code = errorCodeOf(codeName);
  const said = statusDetailsOf(e);
  const reason = (said.reason as ErrorReason | undefined) ?? genericReason(code);
  if (UNREACHABLE.has(grpcCode)) {
    const message = `keypool sidecar at ${target} is unavailable: ${method} failed with ${codeName} (${details})`;
    return new KeyPoolUnavailableError(code, message, undefined, [details], reason, { cause: err });
  }
  const retryAfterMs = grpcCode === status.RESOURCE_EXHAUSTED ? (said.retryAfterMs ?? retryTrailerOf(e)) : undefined;
  const wait = retryAfterMs === undefined ? "" : `; retry in ${Math.ceil(retryAfterMs)} ms`;
  return new KeypoolError(code, `keypool ${method} failed with ${codeName}: ${details}${wait}`, retryAfterMs, [details], reason, { cause: err });
}

function statusDetailsOf(e: Partial<ServiceError>): StatusDetails {
  const bytes = e.metadata?.get(STATUS_DETAILS_KEY)[0];
  return bytes instanceof Uint8Array ? decodeStatusDetails(bytes) : {};
}

function retryTrailerOf(e: Partial<ServiceError>): number | undefined {
  const trailer = e.metadata?.get(RETRY_AFTER_MS_KEY)[0];
  const ms = typeof trailer === "string" ? Number(trailer) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}
