import { createHash } from "node:crypto";

/**
 * Stable id of a key, derived from its secret so that a key keeps its
 * windows, cooldown and statistics across reloads without anyone naming it.
 * 40 bits of SHA-256: collisions need about a million keys in one provider
 * (and are still detected), while the id reveals nothing usable about the secret.
 */
export function keyIdFor(secret: string): string {
  return "k_" + createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 10);
}

/** Explicit ids are shown in logs, metrics and paths, so keep them plain. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
