const MAX_DETAIL = 200;

/**
 * Makes provider error text safe to keep as a state reason: removes the
 * key's own secret wherever it appears, drops anything that looks like a
 * credential, and bounds the length.
 */
export function redactSecret(text: string, secret: string): string {
  let out = text;
  if (secret !== "") out = out.split(secret).join("[redacted]");
  out = out.replace(/\b(sk-[A-Za-z0-9_-]{8,}|AIza[0-9A-Za-z_-]{20,}|Bearer\s+\S+)/g, "[redacted]");
  out = out.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL - 1)}…` : out;
}
