import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** How long a CSRF token stays good: a dashboard tab left open for a working day. */
export const CSRF_TOKEN_TTL_MS = 12 * 60 * 60 * 1000;
const NONCE_BYTES = 16;

/**
 * CSRF tokens for state-changing admin requests made without a client token:
 * `<issued-at ms>.<nonce>.<HMAC-SHA256(secret, issued-at.nonce)>`, base64url.
 * The secret lives only in this process, so nothing is stored per token and a
 * restart invalidates them all. Another site cannot read one: it is served
 * (GET /v1/csrf-token) without CORS headers, and only to a Host the admin
 * server answers to.
 */
export class CsrfTokens {
  private readonly secret: Buffer;

  constructor(
    private readonly now: () => number = Date.now,
    secret: Buffer = randomBytes(32),
  ) {
    this.secret = secret;
  }

  issue(): string {
    const body = `${this.now()}.${randomBytes(NONCE_BYTES).toString("base64url")}`;
    return `${body}.${this.mac(body)}`;
  }

  /** True for a token this process issued less than CSRF_TOKEN_TTL_MS ago. */
  verify(token: string | undefined): boolean {
    if (token === undefined || token.length > 200) return false;
    const parts = token.split(".");
    if (parts.length !== 3) return false;
    const [issued, nonce, mac] = parts as [string, string, string];
    const expected = Buffer.from(this.mac(`${issued}.${nonce}`));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
    const age = this.now() - Number(issued);
    return Number.isFinite(age) && age >= 0 && age < CSRF_TOKEN_TTL_MS;
  }

  private mac(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("base64url");
  }
}
