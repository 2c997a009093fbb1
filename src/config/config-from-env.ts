import { assembleConfig } from "./assemble-config.js";
import { buildProvider, type BuiltProvider, type KeyDraft } from "./build-provider.js";
import { type ConfigResult, failure } from "./config-result.js";
import { isHttpUrl } from "./field-schemas.js";
import type { Env } from "./interpolate.js";
import { KNOWN_PREFIXES, OWN_PREFIX, providerForPrefix } from "./known-providers.js";
import { secretProblem, splitKeyList } from "./secret-check.js";
import { defaultSettings } from "./types.js";

/**
 * Builds a config from environment variables alone:
 *
 *   <NAME>_API_KEYS=k1,k2      keys of provider <name> (any NAME)
 *   <NAME>_API_KEY=k           one key (well-known providers only)
 *   <NAME>_KEY_RPM, _KEY_TPM, _KEY_RPD, _KEY_MAX_CONCURRENT   per-key limits
 *   <NAME>_BASE_URL            the provider's base URL
 *
 * Settings stay at their defaults; a config file is the way to change them.
 */
export function configFromEnv(env: Env): ConfigResult {
  const sources = keySources(env);
  const errors: string[] = [];
  const built: BuiltProvider[] = [];

  for (const [provider, { prefixes, variables }] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const limits = providerLimits(env, prefixes, errors);
    const drafts = keyDrafts(env, variables, limits, errors);
    const result = buildProvider(provider, limits.baseUrl, drafts);
    errors.push(...result.problems.map((p) => p.message));
    built.push(result);
  }

  if (errors.length > 0) return failure(errors);
  const config = assembleConfig(
    built.map((b) => b.provider),
    defaultSettings,
    built.flatMap((b) => b.warnings),
  );
  return config === undefined ? failure([NO_KEYS]) : { ok: true, config };
}

export const NO_KEYS =
  "no API keys configured: set OPENAI_API_KEYS=k1,k2 (or <PROVIDER>_API_KEYS, <PROVIDER>_API_KEY) or pass --config FILE";

interface ProviderSources {
  /** Variable prefixes naming this provider, for its limit variables. */
  readonly prefixes: Set<string>;
  /** Key variables in reading order: plural lists first, then single keys. */
  readonly variables: string[];
}

const PLURAL = /^([A-Za-z0-9_]+)_API_KEYS$/;
const SINGULAR = /^([A-Za-z0-9_]+)_API_KEY$/;

function keySources(env: Env): Map<string, ProviderSources> {
  const sources = new Map<string, ProviderSources>();
  const add = (prefix: string, variable: string): void => {
    const provider = providerForPrefix(prefix);
    const entry = sources.get(provider) ?? { prefixes: new Set([provider.toUpperCase()]), variables: [] };
    entry.prefixes.add(prefix);
    entry.variables.push(variable);
    sources.set(provider, entry);
  };
  const names = Object.keys(env)
    .filter((name) => !name.startsWith(OWN_PREFIX) && env[name] !== undefined)
    .sort();
  for (const name of names) {
    const prefix = PLURAL.exec(name)?.[1];
    if (prefix !== undefined) add(prefix, name);
  }
  for (const name of names) {
    const prefix = SINGULAR.exec(name)?.[1];
    if (prefix !== undefined && KNOWN_PREFIXES.has(prefix)) add(prefix, name);
  }
  return sources;
}

interface EnvLimits {
  readonly rpm: number | undefined;
  readonly tpm: number | undefined;
  readonly rpd: number | undefined;
  readonly maxConcurrent: number | undefined;
  readonly baseUrl: string | undefined;
}

function providerLimits(env: Env, prefixes: ReadonlySet<string>, errors: string[]): EnvLimits {
  const integer = (suffix: string): number | undefined =>
    lookup(env, prefixes, suffix, errors, parsePositiveInt, "expected a positive integer");
  return {
    rpm: integer("_KEY_RPM"),
    tpm: integer("_KEY_TPM"),
    rpd: integer("_KEY_RPD"),
    maxConcurrent: integer("_KEY_MAX_CONCURRENT"),
    baseUrl: lookup(env, prefixes, "_BASE_URL", errors, parseHttpUrl, "expected an http or https URL"),
  };
}

function parsePositiveInt(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function parseHttpUrl(text: string): string | undefined {
  return isHttpUrl(text) ? text : undefined;
}

/**
 * Value of `<PREFIX><suffix>` for any of the provider's prefixes. Two
 * prefixes that disagree (GEMINI_KEY_RPM=10, GOOGLE_KEY_RPM=20) are an
 * error rather than a silent pick.
 */
function lookup<T>(
  env: Env,
  prefixes: ReadonlySet<string>,
  suffix: string,
  errors: string[],
  parse: (text: string) => T | undefined,
  reason: string,
): T | undefined {
  const named = [...prefixes]
    .sort()
    .map((prefix) => prefix + suffix)
    .filter((name) => (env[name] ?? "").trim() !== "");
  let value: T | undefined;
  for (const name of named) {
    const parsed = parse((env[name] ?? "").trim());
    if (parsed === undefined) errors.push(`${name}: ${reason}`);
    else value ??= parsed;
  }
  const distinct = new Set(named.map((name) => (env[name] ?? "").trim()));
  if (distinct.size > 1) errors.push(`${named.join(" and ")}: conflicting values; set only one`);
  return value;
}

function keyDrafts(env: Env, variables: readonly string[], limits: EnvLimits, errors: string[]): KeyDraft[] {
  const drafts: KeyDraft[] = [];
  // The same key under OPENAI_API_KEY and OPENAI_API_KEYS is the usual way
  // of migrating from one to the other, not a mistake: merge it silently.
  // Repeats within one variable do reach buildProvider, which warns.
  const seenElsewhere = new Map<string, string>();
  for (const variable of variables) {
    const secrets = splitKeyList(env[variable] ?? "");
    for (const [i, secret] of secrets.entries()) {
      const where = secrets.length > 1 ? `${variable} (key ${i + 1})` : variable;
      const reason = secretProblem(secret);
      if (reason !== undefined) {
        errors.push(`${where}: ${reason}`);
        continue;
      }
      const firstVariable = seenElsewhere.get(secret);
      if (firstVariable !== undefined && firstVariable !== variable) continue;
      seenElsewhere.set(secret, variable);
      drafts.push({
        where,
        path: [variable],
        secret,
        id: undefined,
        label: undefined,
        weight: 1,
        rpm: limits.rpm,
        tpm: limits.tpm,
        rpd: limits.rpd,
        maxConcurrent: limits.maxConcurrent,
        windows: [],
        models: undefined,
        baseUrl: limits.baseUrl,
        enabled: true,
      });
    }
  }
  return drafts;
}
