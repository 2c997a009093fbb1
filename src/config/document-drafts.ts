import type { KeyDraft } from "./build-provider.js";
import type { KeySettingsDoc, ProviderDoc } from "./document-schema.js";
import { formatPath, type Path } from "./problem.js";

/**
 * Key drafts of one validated provider section. A key's own setting wins over
 * its provider's, which wins over the built-in default. `limits` is replaced
 * as a whole, not merged: a key that lists its windows means exactly those.
 */
export function documentDrafts(name: string, doc: ProviderDoc): KeyDraft[] {
  const drafts: KeyDraft[] = [];
  for (const [index, entry] of doc.keys.entries()) {
    const path: Path = [name, "keys", index];
    const where = formatPath(path);
    if (entry.kind === "list") {
      for (const [i, secret] of entry.secrets.entries()) {
        const part = entry.secrets.length > 1 ? `${where} (key ${i + 1} of ${entry.secrets.length})` : where;
        drafts.push(draft(part, path, secret, undefined, undefined, {}, doc));
      }
    } else {
      drafts.push(draft(where, path, entry.key, entry.id, entry.label, entry, doc));
    }
  }
  return drafts;
}

function draft(
  where: string,
  path: Path,
  secret: string,
  id: string | undefined,
  label: string | undefined,
  own: KeySettingsDoc,
  provider: KeySettingsDoc,
): KeyDraft {
  return {
    where,
    path,
    secret,
    id,
    label,
    weight: own.weight ?? provider.weight ?? 1,
    rpm: own.rpm ?? provider.rpm,
    tpm: own.tpm ?? provider.tpm,
    rpd: own.rpd ?? provider.rpd,
    maxConcurrent: own.max_concurrent ?? provider.max_concurrent,
    windows: own.limits ?? provider.limits ?? [],
    models: own.models ?? provider.models,
    baseUrl: own.base_url ?? provider.base_url,
    enabled: own.enabled ?? provider.enabled ?? true,
  };
}
