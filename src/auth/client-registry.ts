import { createHash, timingSafeEqual } from "node:crypto";
import type { ClientIdentity } from "./client-identity.js";

export interface RegisteredClient extends ClientIdentity {
  /** SHA-256 of the client's token; undefined for a client known only by its certificate. */
  readonly tokenSha256: Buffer | undefined;
  /** Common name of a client certificate that stands for the token under mTLS. */
  readonly certificateCn: string | undefined;
}

/**
 * The configured clients. Tokens are kept only as SHA-256 digests and
 * compared in constant time against every client, so neither the timing nor
 * the memory of the process says which token is valid.
 */
export class ClientRegistry {
  constructor(readonly clients: readonly RegisteredClient[]) {}

  /** The client a bearer token belongs to, if any. */
  byToken(token: string): RegisteredClient | undefined {
    const digest = sha256(token);
    let found: RegisteredClient | undefined;
    for (const c of this.clients) {
      // No early exit: every digest is compared, whether or not one matched.
      if (c.tokenSha256 !== undefined && timingSafeEqual(c.tokenSha256, digest) && found === undefined) found = c;
    }
    return found;
  }

  /** The client a verified certificate's common name stands for, if any. */
  byCertificate(commonName: string): RegisteredClient | undefined {
    return this.clients.find((c) => c.certificateCn !== undefined && c.certificateCn === commonName);
  }
}

export function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
