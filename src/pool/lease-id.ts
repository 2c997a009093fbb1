import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
/** Random bytes fetched at once: one call into the system's generator per 273 ids instead of one per id. */
const POOL_BYTES = ID_BYTES * 273;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * A new lease id: `ls_` and 120 bits from the cryptographic generator,
 * base64url. The bytes come from a buffer refilled in bulk, each used once,
 * because a call into the generator per lease was a quarter of the
 * balancer's time.
 */
export function newLeaseId(): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `ls_${id}`;
}
