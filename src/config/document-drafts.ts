import type { KeyDraft } from "./build-provider.js";
import type { KeySettingsDoc, ProviderDoc } from "./document-schema.js";
import { canProbeKeys } from "../provider-http/key-probe.js";
import { formatPath, type Path, type Problem, problemAt } from "./problem.js";

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
    models: (own.models ?? provider.models)?.allowed,
    modelLimits: (own.models ?? provider.models)?.limits,
    scope: own.scope ?? provider.scope,
    baseUrl: own.base_url ?? provider.base_url,
    enabled: own.enabled ?? provider.enabled ?? true,
    probe: own.probe ?? provider.probe ?? false,
  };
}

/**
 * A key's `scope` must name one of its provider's `scopes`. The message
 * lists the defined names, never the unknown one: a misplaced key could sit there.
 */
export function scopeProblems(name: string, doc: ProviderDoc): Problem[] {
  const defined = Object.keys(doc.scopes ?? {});
  const reason = `unknown scope (defined under ${name}.scopes: ${defined.length === 0 ? "none" : defined.join(", ")})`;
  const problems: Problem[] = [];
  if (doc.scope !== undefined && !defined.includes(doc.scope)) problems.push(problemAt([name, "scope"], reason));
  for (const [index, entry] of doc.keys.entries()) {
    if (entry.kind === "object" && entry.scope !== undefined && !defined.includes(entry.scope)) {
      problems.push(problemAt([name, "keys", index, "scope"], reason));
    }
  }
  return problems;
}

/** `probe: true` needs a call that checks a key; Azure's keys have none, so they would never come back. */
export function probeProblems(name: string, doc: ProviderDoc): Problem[] {
  if (canProbeKeys(name)) return [];
  const reason = "this provider's API has no call that checks a key (Azure); leave probe off and enable rechecked keys by hand";
  const problems: Problem[] = [];
  if (doc.probe === true) problems.push(problemAt([name, "probe"], reason));
  for (const [index, entry] of doc.keys.entries()) {
    if (entry.kind === "object" && entry.probe === true) problems.push(problemAt([name, "keys", index, "probe"], reason));
  }
  return problems;
}
