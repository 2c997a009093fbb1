/**
 * Last line of defence for invariant 6 ("no output carries a secret"):
 * messages are built without input values, and anything that still contains
 * a known secret is redacted before it leaves the config module.
 */

/** Shorter strings are not realistic secrets and would garble messages. */
const MIN_REDACTED_LENGTH = 8;

export function redactAll(messages: readonly string[], secrets: Iterable<string>): string[] {
  const candidates = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_REDACTED_LENGTH)
    // Longest first, so a secret containing another is replaced whole.
    .sort((a, b) => b.length - a.length);
  if (candidates.length === 0) return [...messages];
  return messages.map((m) => candidates.reduce((text, s) => text.split(s).join("[redacted]"), m));
}

/**
 * Strings a document puts where secrets go: a "keys" value or its array
 * items (whole and split at commas) and any "key" field. Found even in
 * documents that fail validation, which is when messages are most likely.
 */
export function secretCandidates(document: unknown): string[] {
  const found: string[] = [];
  const take = (node: unknown): void => {
    if (typeof node === "string") found.push(node, node.trim(), ...node.split(",").map((s) => s.trim()));
  };
  const visit = (node: unknown, depth: number): void => {
    if (depth > 64 || node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    for (const [field, value] of Object.entries(node)) {
      if (field === "key") take(value);
      if (field === "keys") {
        take(value);
        if (Array.isArray(value)) value.forEach(take);
      }
      visit(value, depth + 1);
    }
  };
  visit(document, 0);
  return found;
}
