/**
 * A proxy request that cannot be served, with the HTTP status, a stable
 * snake_case code and a message safe for any client (never a secret). One
 * mapper (toProxyError) turns anything thrown into one of these.
 */
export class ProxyError extends Error {
  override readonly name = "ProxyError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** When the client should retry (429, 503). */
    readonly retryAfterMs?: number,
    /** Close the connection after answering (the request body was not read to its end). */
    readonly closeConnection = false,
  ) {
    super(message);
  }
}
