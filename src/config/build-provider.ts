import { keyIdFor } from "./key-id.js";
import { maskSecret } from "./mask-secret.js";
import { type Path, type Problem } from "./problem.js";
import type { KeyConfig, LimitSet, ProviderConfig, ScopeConfig, WindowLimit } from "./types.js";

/**
 * One key as a source describes it, with every default already applied.
 * Both sources (env and JSON file) produce drafts; the rules about ids and
 * duplicates live here once.
 */
export interface KeyDraft {
  /** Where the key was written, for messages: "openai.keys[2]", "OPENAI_API_KEYS (key 3)". */
  readonly where: string;
  readonly path: Path;
  readonly secret: string;
  readonly id: string | undefined;
  readonly label: string | undefined;
  readonly weight: number;
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly rpd: number | undefined;
  readonly maxConcurrent: number | undefined;
  readonly windows: readonly WindowLimit[];
  readonly models: readonly string[] | undefined;
  readonly modelLimits?: Readonly<Record<string, LimitSet>> | undefined;
  readonly scope?: string | undefined;
  readonly baseUrl: string | undefined;
  readonly enabled: boolean;
  readonly probe?: boolean | undefined;
}

export interface BuiltProvider {
  readonly provider: ProviderConfig;
  readonly problems: Problem[];
  readonly warnings: string[];
}

/**
 * Assigns ids, merges repeated secrets (kept once, with a warning) and
 * rejects two different secrets under one id: the pool tracks state by id,
 * so that would silently merge two keys' windows.
 */
export function buildProvider(
  name: string,
  baseUrl: string | undefined,
  drafts: readonly KeyDraft[],
  /** Every secret of the whole config, for the id/label check; defaults to this provider's. */
  allSecrets: ReadonlySet<string> = new Set(drafts.map((d) => d.secret)),
  scopes: Readonly<Record<string, ScopeConfig>> = {},
): BuiltProvider {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const keys: KeyConfig[] = [];
  const bySecret = new Map<string, { where: string; id: string }>();
  const byId = new Map<string, string>();

  for (const draft of drafts) {
    const id = draft.id ?? keyIdFor(draft.secret);
    const earlier = bySecret.get(draft.secret);
    if (earlier !== undefined) {
      warnings.push(`${draft.where}: duplicate of ${earlier.where}, key id ${earlier.id}; ignored`);
      continue;
    }
    const holder = byId.get(id);
    if (holder !== undefined) {
      problems.push({ path: draft.path, message: `${draft.where}: id ${id} is already used by ${holder} for a different key` });
      continue;
    }
    const label = draft.label ?? id;
    // An id or label is shown everywhere; one that carries a key would leak it.
    if (containsSecret(label, allSecrets) || containsSecret(id, allSecrets)) {
      problems.push({ path: draft.path, message: `${draft.where}: the id or label must not contain an API key` });
      continue;
    }
    bySecret.set(draft.secret, { where: draft.where, id });
    byId.set(id, draft.where);
    keys.push({
      id,
      secret: draft.secret,
      masked: maskSecret(draft.secret),
      label,
      provider: name,
      weight: draft.weight,
      rpm: draft.rpm,
      tpm: draft.tpm,
      rpd: draft.rpd,
      maxConcurrent: draft.maxConcurrent,
      windows: draft.windows,
      models: draft.models,
      baseUrl: draft.baseUrl,
      enabled: draft.enabled,
      ...(draft.probe === true ? { probe: true } : {}),
      ...(draft.scope === undefined ? {} : { scope: draft.scope }),
      ...(draft.modelLimits === undefined ? {} : { modelLimits: draft.modelLimits }),
    });
  }
  const provider: ProviderConfig = Object.keys(scopes).length === 0 ? { name, keys, baseUrl } : { name, keys, baseUrl, scopes };
  return { provider, problems, warnings };
}

/** Secrets shorter than this are test values; matching them would only cause false alarms. */
const MIN_CHECKED_SECRET = 8;

function containsSecret(text: string, secrets: ReadonlySet<string>): boolean {
  for (const s of secrets) if (s.length >= MIN_CHECKED_SECRET && text.includes(s)) return true;
  return false;
}
