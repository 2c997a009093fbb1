/**
 * The one error type of keypool, on the server and in the TypeScript client
 * (which exports it as KeyPoolError). It carries a status code named after the gRPC codes, a machine-readable
 * `reason` that tells refusals of one code apart (the transports map both,
 * gRPC in ErrorInfo, HTTP in status and body), and a message that is safe to
 * show to any caller: it never contains a secret.
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
  | "INTERNAL"
  | "UNKNOWN";

/**
 * Why a call failed, stable across versions. Where one code has several
 * causes a caller would handle differently, each has its own reason; the
 * others carry their code's generic reason.
 */
export type ErrorReason =
  /** A request field is missing or out of range; the message names it. */
  | "INVALID_FIELD"
  /** A configuration, tokens file or command line was rejected; the details list every problem. */
  | "INVALID_CONFIG"
  /** Every key is at its limits or cooling down: retry after `retryAfterMs`. */
  | "POOL_BUSY"
  /** The calling client is over its own acquisition rate or open-lease limit. */
  | "CLIENT_LIMITED"
  /** Every live key of the provider is disabled: nothing serves until an operator acts. */
  | "ALL_KEYS_DISABLED"
  /** No key can ever serve this request (model not served, estimate above every token limit). */
  | "NO_KEY_CAN_SERVE"
  /** Every other code is its own generic reason. */
  | Exclude<ErrorCode, "INVALID_ARGUMENT">;

/** The reason an error of `code` has when nothing more specific is said. */
export function genericReason(code: ErrorCode): ErrorReason {
  return code === "INVALID_ARGUMENT" ? "INVALID_FIELD" : code;
}

const errorCodes: ReadonlySet<string> = new Set<ErrorCode>([
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "UNAUTHENTICATED",
  "PERMISSION_DENIED",
  "UNAVAILABLE",
  "DEADLINE_EXCEEDED",
  "CANCELLED",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNKNOWN",
]);

/** A status code's name as keypool's code; names keypool never answers with (ABORTED, ...) are UNKNOWN. */
export function errorCodeOf(name: string): ErrorCode {
  return errorCodes.has(name) ? (name as ErrorCode) : "UNKNOWN";
}

export class KeypoolError extends Error {
  override readonly name: string = "KeypoolError";

  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For RESOURCE_EXHAUSTED: when capacity is expected back. */
    readonly retryAfterMs?: number,
    /** Extra safe detail lines, e.g. every config error of a rejected reload. */
    readonly details: readonly string[] = [],
    readonly reason: ErrorReason = genericReason(code),
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The code's name, the same as `code`: the name the TypeScript client has always offered. */
  get codeName(): ErrorCode {
    return this.code;
  }
}

export function invalidArgument(message: string, details: readonly string[] = []): KeypoolError {
  return new KeypoolError("INVALID_ARGUMENT", message, undefined, details);
}

export function invalidConfig(message: string, details: readonly string[]): KeypoolError {
  return new KeypoolError("INVALID_ARGUMENT", message, undefined, details, "INVALID_CONFIG");
}

export function notFound(message: string): KeypoolError {
  return new KeypoolError("NOT_FOUND", message);
}

export function poolBusy(message: string, retryAfterMs: number | undefined): KeypoolError {
  return new KeypoolError("RESOURCE_EXHAUSTED", message, retryAfterMs, [], "POOL_BUSY");
}

export function clientLimited(message: string, retryAfterMs: number): KeypoolError {
  return new KeypoolError("RESOURCE_EXHAUSTED", message, retryAfterMs, [], "CLIENT_LIMITED");
}

export function allKeysDisabled(message: string): KeypoolError {
  return new KeypoolError("FAILED_PRECONDITION", message, undefined, [], "ALL_KEYS_DISABLED");
}

export function noKeyCanServe(message: string): KeypoolError {
  return new KeypoolError("FAILED_PRECONDITION", message, undefined, [], "NO_KEY_CAN_SERVE");
}
