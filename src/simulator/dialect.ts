import type { LimitSnapshot } from "./limits.js";
import type { HttpReply, SimError } from "./sim-error.js";

/**
 * One provider's way of speaking: where it takes the credential from, how
 * its errors look, and which rate-limit headers it sends.
 */
export interface Dialect {
  readonly name: "openai" | "azure" | "gemini" | "anthropic";
  /** The header that carries the request id on a successful reply, if the provider sends one. */
  readonly requestIdHeader: string | undefined;
  /** The credential this provider reads, or undefined when none was sent. */
  credential(headers: Headers, url: URL): string | undefined;
  /** The error reply; `limits` is the key's state when one is known. */
  error(error: SimError, limits: LimitSnapshot | undefined, now: number): HttpReply;
  /** Rate-limit headers for a successful reply. */
  limitHeaders(limits: LimitSnapshot, now: number): Record<string, string>;
}

/** Lower-cased single-valued request headers. */
export type Headers = Record<string, string | undefined>;

/** The token of "Authorization: Bearer <token>", if that is what was sent. */
export function bearerToken(headers: Headers): string | undefined {
  const value = headers["authorization"];
  if (value === undefined) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  const token = match?.[1]?.trim();
  return token === undefined || token.length === 0 ? undefined : token;
}

/** A non-empty header value. */
export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name]?.trim();
  return value === undefined || value.length === 0 ? undefined : value;
}
