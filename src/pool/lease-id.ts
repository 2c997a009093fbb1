import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
/** Random bytes fetched at once: one call into the system's generator per 273 ids instead of one per id. */
const POOL_BYTES = ID_BYTES * 273;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

const PREFIX = "ls_";
const ALPHABET = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", "latin1");
/** `ls_` and 20 base64url characters (15 bytes, no padding), written in place and read out as one string. */
const text = Buffer.alloc(PREFIX.length + (ID_BYTES / 3) * 4);
text.write(PREFIX, "latin1");

/**
 * A new lease id: `ls_` and 120 bits from the cryptographic generator,
 * base64url. The bytes come from a buffer refilled in bulk, each used once,
 * because a call into the generator per lease was a quarter of the
 * balancer's time; the characters are written into one buffer and read out
 * as a single flat string, where prefix + encoding made two strings and a
 * concatenation to flatten on the id's first use as a map key.
 */
export function newLeaseId(): string {
  if (offset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  let at = PREFIX.length;
  for (let i = offset; i < offset + ID_BYTES; i += 3) {
    const n = ((pool[i] as number) << 16) | ((pool[i + 1] as number) << 8) | (pool[i + 2] as number);
    text[at++] = ALPHABET[n >> 18] as number;
    text[at++] = ALPHABET[(n >> 12) & 63] as number;
    text[at++] = ALPHABET[(n >> 6) & 63] as number;
    text[at++] = ALPHABET[n & 63] as number;
  }
  offset += ID_BYTES;
  return text.toString("latin1", 0, text.length);
}
