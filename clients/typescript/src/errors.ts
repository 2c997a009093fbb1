import { status, type ServiceError } from "@grpc/grpc-js";
import { decodeStatusDetails, RETRY_AFTER_MS_KEY, STATUS_DETAILS_KEY } from "../../../src/protocol/status-details.js";

/**
 * A call to the keypool sidecar failed. `code` is the gRPC status
 * (`RESOURCE_EXHAUSTED` when the pool is busy, with `retryAfterMs`;
 * `FAILED_PRECONDITION` when no key can ever serve the request; ...).
 */
export class KeyPoolError extends Error {
  override readonly name: string = "KeyPoolError";
  /** gRPC status code. */
  readonly code: status;
  /** The status code's name, e.g. `RESOURCE_EXHAUSTED`. */
  readonly codeName: string;
  /** The server's explanation. */
  readonly details: string;
  /** When the pool is busy: how long until a key can serve (google.rpc.RetryInfo). */
  readonly retryAfterMs: number | undefined;
  /** The server's machine-readable reason (google.rpc.ErrorInfo), e.g. `POOL_BUSY`, `ALL_KEYS_DISABLED`, `NO_KEY_CAN_SERVE`. */
  readonly reason: string | undefined;

  constructor(code: status, details: string, message: string, retryAfterMs?: number, options?: { cause?: unknown; reason?: string }) {
    super(message, options);
    this.reason = options?.reason;
    this.code = code;
    this.codeName = status[code] ?? String(code);
    this.details = details;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The sidecar could not be reached or did not answer in time. The client fails
 * closed with this error unless a fallback key is configured.
 */
export class KeyPoolUnavailableError extends KeyPoolError {
  override readonly name: string = "KeyPoolUnavailableError";
}

/** Codes meaning that the sidecar itself is not there, rather than that it answered. */
const UNREACHABLE = new Set<status>([status.UNAVAILABLE, status.DEADLINE_EXCEEDED]);

/** The client's error for a failed gRPC call of `method` to `target`. */
export function toKeyPoolError(err: unknown, method: string, target: string): KeyPoolError {
  if (err instanceof KeyPoolError) return err;
  const e = err as Partial<ServiceError>;
  const code = typeof e.code === "number" ? e.code : status.UNKNOWN;
  const details = typeof e.details === "string" ? e.details : String((err as Error)?.message ?? err);
  const codeName = status[code] ?? String(code);
  if (UNREACHABLE.has(code)) {
    return new KeyPoolUnavailableError(
      code,
      details,
      `keypool sidecar at ${target} is unavailable: ${method} failed with ${codeName} (${details})`,
      undefined,
      { cause: err },
    );
  }
  const statusDetails = detailsOf(e);
  const retryAfterMs = code === status.RESOURCE_EXHAUSTED ? (statusDetails.retryAfterMs ?? retryTrailerOf(e)) : undefined;
  const wait = retryAfterMs === undefined ? "" : `; retry in ${Math.ceil(retryAfterMs)} ms`;
  const reason = statusDetails.reason === undefined ? {} : { reason: statusDetails.reason };
  return new KeyPoolError(code, details, `keypool ${method} failed with ${codeName}: ${details}${wait}`, retryAfterMs, { cause: err, ...reason });
}

function detailsOf(e: Partial<ServiceError>): { reason?: string; retryAfterMs?: number } {
  const bytes = e.metadata?.get(STATUS_DETAILS_KEY)[0];
  return bytes instanceof Uint8Array ? decodeStatusDetails(bytes) : {};
}

function retryTrailerOf(e: Partial<ServiceError>): number | undefined {
  const trailer = e.metadata?.get(RETRY_AFTER_MS_KEY)[0];
  const ms = typeof trailer === "string" ? Number(trailer) : NaN;
  return Number.isFinite(ms) ? ms : undefined;
}
