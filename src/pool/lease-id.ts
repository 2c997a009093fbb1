import { randomFillSync } from "node:crypto";

const ID_BYTES = 15;
/** Random bytes fetched at once: one call into the system's generator per 273 ids instead of one per id. */
const POOL_BYTES = ID_BYTES * 273;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

const PREFIX = "ls_";
const ALPHABET = Buffer.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", "latin1");
const RANDOM_CHARS = (ID_BYTES / 3) * 4;
/** Characters of the slot number after the random part: 30 bits, more slots than an array can hold. */
const SLOT_CHARS = 5;
/** `ls_`, 20 base64url characters (15 bytes, no padding) and room for a slot, written in place and read out as one string. */
const text = Buffer.alloc(PREFIX.length + RANDOM_CHARS + SLOT_CHARS);
text.write(PREFIX, "latin1");

/** Each base64url character's value, -1 for any other code. */
const VALUE = new Int8Array(128).fill(-1);
ALPHABET.forEach((c, i) => {
  VALUE[c] = i;
});

/** Writes 120 fresh random bits after the prefix. */
function writeRandom(): void {
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
}

/**
 * A new lease id: `ls_` and 120 bits from the cryptographic generator,
 * base64url. The bytes come from a buffer refilled in bulk, each used once,
 * because a call into the generator per lease was a quarter of the
 * balancer's time; the characters are written into one buffer and read out
 * as a single flat string, where prefix + encoding made two strings and a
 * concatenation to flatten on the id's first use as a map key.
 */
export function newLeaseId(): string {
  writeRandom();
  return text.toString("latin1", 0, PREFIX.length + RANDOM_CHARS);
}

/**
 * A lease id that also names the slot of its record: `ls_`, the 120 random
 * bits of {@link newLeaseId}, then the slot number in five base64url
 * characters. A report finds its record by index instead of hashing the id
 * into a map of every lease remembered; the random part stays whole, so the
 * id is as hard to guess as before, and the holder compares the full id, so
 * a stale or forged one that names a reused slot finds nothing.
 */
export function newSlottedLeaseId(slot: number): string {
  writeRandom();
  let at = text.length;
  for (let n = slot, k = 0; k < SLOT_CHARS; k++, n = Math.floor(n / 64)) text[--at] = ALPHABET[n & 63] as number;
  return text.toString("latin1", 0, text.length);
}

/** The slot a {@link newSlottedLeaseId} names; -1 for any string not of that shape. */
export function slotOfLeaseId(id: string): number {
  if (id.length !== text.length) return -1;
  let slot = 0;
  for (let i = text.length - SLOT_CHARS; i < text.length; i++) {
    const c = id.charCodeAt(i);
    const v = c < 128 ? (VALUE[c] as number) : -1;
    if (v < 0) return -1;
    slot = slot * 64 + v;
  }
  return slot;
}
