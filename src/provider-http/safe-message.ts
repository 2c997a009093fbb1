/** Longest error message passed on to the broker. */
const MAX_MESSAGE = 300;

/** Shapes of common provider keys, removed even when the leased one is not known. */
const KEY_PATTERNS = [/\bsk-[A-Za-z0-9_-]{12,}/g, /\bAIza[0-9A-Za-z_-]{20,}/g];

/**
 * A provider error message made safe to report: the given secrets and
 * anything shaped like a provider key are replaced, and it is kept short.
 */
export function safeMessage(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join("[redacted]");
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, "[redacted]");
  out = out.replace(/\s+/g, " ").trim();
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE - 1)}…` : out;
}
