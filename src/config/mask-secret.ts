/**
 * The only form of a secret that may be shown: an ellipsis and at most its
 * last four characters, which is what people use to tell keys apart in
 * provider dashboards. Never more than a third of the secret is revealed, so
 * short secrets show two characters or none at all.
 */
export function maskSecret(secret: string): string {
  const chars = Array.from(secret); // by code point: never split a surrogate pair
  const shown = chars.length >= 12 ? 4 : chars.length >= 6 ? 2 : 0;
  return "…" + chars.slice(chars.length - shown).join("");
}
