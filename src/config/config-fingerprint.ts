import { createHash } from "node:crypto";
import type { KeyConfig, PoolConfig, PoolSettings } from "./types.js";

/**
 * What a configuration is, in digests only: enough for sidecars sharing a
 * store to tell whether they run the same document, and which keys differ
 * when they do not, without any secret leaving the process.
 */
export interface ConfigFingerprint {
  /** Digest of the whole: equal fingerprints, same configuration. */
  readonly digest: string;
  /** Digest of the settings the fleet must agree on. */
  readonly settings: string;
  /** Per provider: key id → digest of the key's configuration, its secret by fingerprint. */
  readonly providers: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Per provider: digest of what is not a key (base URL, scopes). */
  readonly providerSettings: Readonly<Record<string, string>>;
}

/**
 * Settings that belong to one sidecar rather than the fleet: where it keeps
 * its state file, and the store's URL (it may hold a password, and two
 * sidecars may reach one Redis by different names).
 */
const PER_SIDECAR: ReadonlySet<keyof PoolSettings> = new Set(["stateFile", "stateIntervalMs", "store", "storePrefix"]);

export function configFingerprint(config: PoolConfig): ConfigFingerprint {
  const providers: Record<string, Record<string, string>> = {};
  const providerSettings: Record<string, string> = {};
  for (const name of [...config.providers.keys()].sort()) {
    const pc = config.providers.get(name)!;
    const keys: Record<string, string> = {};
    for (const kc of [...pc.keys].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) keys[kc.id] = digest(canonical({ ...kc, secret: secretFingerprint(kc) }));
    providers[name] = keys;
    providerSettings[name] = digest(canonical({ baseUrl: pc.baseUrl ?? null, scopes: pc.scopes ?? {} }));
  }
  const shared = Object.fromEntries(Object.entries(config.settings).filter(([k]) => !PER_SIDECAR.has(k as keyof PoolSettings)));
  const settings = digest(canonical(shared));
  return { digest: digest(canonical({ providers, providerSettings, settings })), settings, providers, providerSettings };
}

/**
 * Why a configuration differs from another, in key ids and setting names
 * only; empty when they are the same. `here` is this sidecar's, `there` the
 * other's.
 */
export function describeConfigDifference(here: ConfigFingerprint, there: ConfigFingerprint): string[] {
  if (here.digest === there.digest) return [];
  const out: string[] = [];
  if (here.settings !== there.settings) out.push("settings differ");
  for (const name of unionSorted(Object.keys(here.providers), Object.keys(there.providers))) {
    const mine = here.providers[name];
    const theirs = there.providers[name];
    if (mine === undefined) {
      out.push(`provider ${name}: configured there only`);
      continue;
    }
    if (theirs === undefined) {
      out.push(`provider ${name}: configured here only`);
      continue;
    }
    if (here.providerSettings[name] !== there.providerSettings[name]) out.push(`provider ${name}: base URL or scopes differ`);
    const onlyHere = Object.keys(mine).filter((id) => theirs[id] === undefined);
    const onlyThere = Object.keys(theirs).filter((id) => mine[id] === undefined);
    const changed = Object.keys(mine).filter((id) => theirs[id] !== undefined && theirs[id] !== mine[id]);
    if (onlyHere.length > 0) out.push(`provider ${name}: keys only here: ${listIds(onlyHere)}`);
    if (onlyThere.length > 0) out.push(`provider ${name}: keys only there: ${listIds(onlyThere)}`);
    if (changed.length > 0) out.push(`provider ${name}: keys configured differently: ${listIds(changed)}`);
  }
  // Digests that differ with no difference found: a fingerprint of another version.
  return out.length > 0 ? out : ["the configurations differ"];
}

/** Tells one secret from another for the same key id; a salted digest, never the secret. */
export function secretFingerprint(config: Pick<KeyConfig, "secret">): string {
  return createHash("sha256").update("keypool-fingerprint:").update(config.secret).digest("base64url").slice(0, 16);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64url").slice(0, 22);
}

/** JSON with object keys sorted, so that equal configurations give equal text; Infinity and undefined kept apart from null. */
function canonical(value: unknown): string {
  if (value === undefined) return '"~undefined"';
  if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(`~${String(value)}`);
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
}

function unionSorted(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** Ids as a list, at most ten named: a fleet with thousands of keys gets a readable line. */
function listIds(ids: readonly string[]): string {
  const sorted = [...ids].sort();
  return sorted.length <= 10 ? sorted.join(", ") : `${sorted.slice(0, 10).join(", ")} and ${sorted.length - 10} more`;
}
