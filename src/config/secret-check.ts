/**
 * Checks on the secret itself. Reasons never include the secret: they are
 * shown next to a path, which is enough to find the offending entry.
 */

/** Long enough for JWT-style tokens, short enough to catch a pasted file. */
export const MAX_SECRET_LENGTH = 4096;

// Provider keys are sent in HTTP headers: visible ASCII only. This also
// catches a masked key ("sk-…AbCd") pasted back into a config by mistake.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

/** Why `secret` cannot be a key, or undefined when it can. */
export function secretProblem(secret: string): string | undefined {
  if (secret.length === 0) return "the key is empty";
  if (secret.length > MAX_SECRET_LENGTH) return `the key is longer than ${MAX_SECRET_LENGTH} characters`;
  if (!VISIBLE_ASCII.test(secret)) return "the key contains whitespace, control or non-ASCII characters";
  return undefined;
}

/** "k1, k2,,k3 " → ["k1", "k2", "k3"]: the list form used by env vars and key strings. */
export function splitKeyList(text: string): string[] {
  return text
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}
