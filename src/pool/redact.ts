const MAX_DETAIL = 200;

/**
 * Runs of credential-like text: 16 or more characters of the alphabets keys
 * and tokens are written in, with a digit among them. Provider error
 * messages quote keys (sometimes whole), and a caller may paste anything into
 * its report; losing a long request id from a state reason is the price.
 */
const CREDENTIAL_LIKE = /[A-Za-z0-9_\-.+/=]{16,}/g;

/**
 * Makes provider error text safe to keep as a state reason: removes the
 * key's own secret wherever it appears, anything credential-like and control
 * characters, and bounds the length.
 */
export function redactSecret(text: string, secret: string): string {
  // Most reports carry no message: skip the regular expressions on the hot path.
  if (text === "") return "";
  let out = text;
  if (secret !== "") out = out.split(secret).join("[redacted]");
  out = out.replace(/Bearer\s+\S+/gi, "Bearer [redacted]");
  out = out.replace(CREDENTIAL_LIKE, (run) => (/\d/.test(run) ? "[redacted]" : run));
  out = out.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL - 1)}…` : out;
}
