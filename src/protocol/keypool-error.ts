/**
 * The one error type of keypool. It carries a status code named after the
 * gRPC codes and a message that is safe to show to any caller: it never
 * contains a secret. Transports map it to their own status in one place.
 */
export type ErrorCode =
  | "INVALID_ARGUMENT"
  | "NOT_FOUND"
  | "RESOURCE_EXHAUSTED"
  | "FAILED_PRECONDITION"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "UNAVAILABLE"
  | "DEADLINE_EXCEEDED"
  | "CANCELLED"
  | "UNIMPLEMENTED"
  | "INTERNAL";

export class KeypoolError extends Error {
  override readonly name = "KeypoolError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For RESOURCE_EXHAUSTED: when capacity is expected back. */
    readonly retryAfterMs?: number,
    /** Extra safe detail lines, e.g. every config error of a rejected reload. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

export function invalidArgument(message: string, details: readonly string[] = []): KeypoolError {
  return new KeypoolError("INVALID_ARGUMENT", message, undefined, details);
}

export function notFound(message: string): KeypoolError {
  return new KeypoolError("NOT_FOUND", message);
}
