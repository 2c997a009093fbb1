import { inspect } from "node:util";
import { durationToMs, timestampToMs } from "../../../src/protocol/duration.js";
import type { AcquireKeyResponse } from "./gen/keypool/v1/keypool.js";

/**
 * A leased key. `apiKey` is the secret to call the provider with; it is not
 * enumerable, so logging, spreading or JSON-serialising a lease shows the
 * masked key only.
 */
export class Lease {
  /** Empty for a fallback lease, which is never reported. */
  readonly leaseId: string;
  /** Stable key id, safe to log. */
  readonly keyId: string;
  readonly provider: string;
  /** The key's endpoint when configured; undefined uses the provider's default. */
  readonly baseUrl: string | undefined;
  /** The key's masked form, safe to log. */
  readonly maskedKey: string;
  /** When the lease ends by itself unless reported (ms since the epoch). */
  readonly expiresAtMs: number | undefined;
  /** Time the acquisition waited for a key. */
  readonly waitedMs: number;
  /** True when the sidecar was unreachable and the configured fallback key is used. */
  readonly fallback: boolean;
  /** The provider secret. */
  declare readonly apiKey: string;

  constructor(fields: LeaseFields) {
    this.leaseId = fields.leaseId;
    this.keyId = fields.keyId;
    this.provider = fields.provider;
    this.baseUrl = fields.baseUrl;
    this.maskedKey = fields.maskedKey;
    this.expiresAtMs = fields.expiresAtMs;
    this.waitedMs = fields.waitedMs;
    this.fallback = fields.fallback;
    Object.defineProperty(this, "apiKey", { value: fields.apiKey, enumerable: false, writable: false });
  }

  /** The lease without its secret. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object) };
  }

  [inspect.custom](): string {
    return `Lease ${inspect({ ...this })}`;
  }
}

/** What a lease is made of. */
export interface LeaseFields {
  readonly leaseId: string;
  readonly keyId: string;
  readonly apiKey: string;
  readonly provider: string;
  readonly baseUrl: string | undefined;
  readonly maskedKey: string;
  readonly expiresAtMs: number | undefined;
  readonly waitedMs: number;
  readonly fallback: boolean;
}

export function leaseFromProto(res: AcquireKeyResponse): Lease {
  return new Lease({
    leaseId: res.leaseId,
    keyId: res.keyId,
    apiKey: res.apiKey,
    provider: res.provider,
    baseUrl: res.baseUrl === "" ? undefined : res.baseUrl,
    maskedKey: res.maskedKey,
    expiresAtMs: timestampToMs(res.expiresAt),
    waitedMs: durationToMs(res.waited) ?? 0,
    fallback: false,
  });
}

/** A key to use when the sidecar cannot be reached. */
export interface FallbackKey {
  readonly apiKey: string;
  /** Endpoint for the key; undefined uses the SDK's own. */
  readonly baseUrl?: string;
}

export function fallbackLease(provider: string, key: FallbackKey): Lease {
  return new Lease({
    leaseId: "",
    keyId: "fallback",
    apiKey: key.apiKey,
    provider,
    baseUrl: key.baseUrl,
    // Like the broker's masking: at most the last four characters, none of a short key.
    maskedKey: key.apiKey.length >= 12 ? `…${key.apiKey.slice(-4)}` : "…",
    expiresAtMs: undefined,
    waitedMs: 0,
    fallback: true,
  });
}
