/**
 * Masks a key the way OpenAI does in "Incorrect API key provided: ...": the
 * length is kept, and only the first 8 and last 4 characters of a full-length
 * key show. Short keys show proportionally less (at most a quarter at each
 * end), so a short test secret is never echoed whole.
 */
export function maskSecret(secret: string): string {
  const shown = Math.floor(secret.length / 4);
  const head = Math.min(8, shown);
  const tail = Math.min(4, shown);
  return secret.slice(0, head) + "*".repeat(secret.length - head - tail) + secret.slice(secret.length - tail);
}
