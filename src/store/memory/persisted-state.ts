import type { HealthState, KeyHealth, OperatorHold } from "../../pool/key-health.js";
import { isNumber, isObject, parseQuotaParts, parseScopeHold, parseUsage, type PersistedQuotaParts, type PersistedScope, type PersistedUsage } from "./persisted-quota.js";

/** The version of the state file's layout; a file of another version is not read. */
export const STATE_VERSION = 1;

/** What of a key's health outlives the process: the lease a probe ran under does not. */
export type PersistedHealth = Pick<KeyHealth, "state" | "reason" | "until" | "consecutiveRateLimits" | "consecutiveServerErrors"> &
  Partial<Pick<KeyHealth, "by">> & { readonly hold?: OperatorHold };

/**
 * What survives a restart of one key: the requests its windows still count
 * (time and tokens, as `[at, tokens]`), its model windows and learned limits,
 * and its health. Key ids only, never a secret.
 */
export interface PersistedKey extends PersistedQuotaParts {
  readonly provider: string;
  readonly id: string;
  readonly usage: PersistedUsage;
  readonly health: PersistedHealth | undefined;
}

export interface PersistedState {
  readonly version: number;
  readonly savedAt: number;
  readonly keys: readonly PersistedKey[];
  /** Quota scopes keys share; absent in files written before scopes existed. */
  readonly scopes?: readonly PersistedScope[];
}

const HEALTH_STATES: readonly HealthState[] = ["active", "cooling_down", "exhausted", "disabled"];

/** Reads a state document; the error names the first field that is wrong. */
export function parsePersistedState(text: string): { ok: true; state: PersistedState } | { ok: false; error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isObject(doc)) return { ok: false, error: "expected an object" };
  if (doc["version"] !== STATE_VERSION) return { ok: false, error: `version: expected ${STATE_VERSION}, found ${JSON.stringify(doc["version"])}` };
  if (!isNumber(doc["savedAt"])) return { ok: false, error: "savedAt: expected a number" };
  const keys = doc["keys"];
  if (!Array.isArray(keys)) return { ok: false, error: "keys: expected an array" };
  const out: PersistedKey[] = [];
  for (const [i, k] of keys.entries()) {
    const at = `keys[${i}]`;
    if (!isObject(k)) return { ok: false, error: `${at}: expected an object` };
    const { provider, id, health } = k;
    if (typeof provider !== "string" || typeof id !== "string") return { ok: false, error: `${at}: provider and id must be strings` };
    const usage = parseUsage(k["usage"]);
    if (usage === null) return { ok: false, error: `${at}.usage: expected [time, tokens] pairs` };
    const h = health === undefined || health === null ? undefined : parseHealth(health);
    if (h === null) return { ok: false, error: `${at}.health: expected state, reason, until and counts` };
    const quota = parseQuotaParts(k, at);
    if (!quota.ok) return quota;
    out.push({ provider, id, usage, health: h, ...quota.parts });
  }
  const scopes = parseScopes(doc["scopes"]);
  if (!scopes.ok) return scopes;
  const state: PersistedState = { version: STATE_VERSION, savedAt: doc["savedAt"], keys: out, ...(scopes.scopes.length > 0 ? { scopes: scopes.scopes } : {}) };
  return { ok: true, state };
}

function parseScopes(v: unknown): { ok: true; scopes: PersistedScope[] } | { ok: false; error: string } {
  if (v === undefined) return { ok: true, scopes: [] };
  if (!Array.isArray(v)) return { ok: false, error: "scopes: expected an array" };
  const scopes: PersistedScope[] = [];
  for (const [i, s] of v.entries()) {
    const at = `scopes[${i}]`;
    if (!isObject(s)) return { ok: false, error: `${at}: expected an object` };
    const { provider, name, hold } = s;
    if (typeof provider !== "string" || typeof name !== "string") return { ok: false, error: `${at}: provider and name must be strings` };
    const usage = parseUsage(s["usage"]);
    if (usage === null) return { ok: false, error: `${at}.usage: expected [time, tokens] pairs` };
    const h = hold === undefined ? undefined : parseScopeHold(hold);
    if (h === null) return { ok: false, error: `${at}.hold: expected state, reason and until` };
    const quota = parseQuotaParts(s, at);
    if (!quota.ok) return quota;
    scopes.push({ provider, name, usage, ...quota.parts, ...(h === undefined ? {} : { hold: h }) });
  }
  return { ok: true, scopes };
}

function parseHealth(h: unknown): PersistedHealth | null {
  if (!isObject(h)) return null;
  const { state, reason, until, consecutiveRateLimits, consecutiveServerErrors, by, hold } = h;
  // Files written before state changes were attributed have no "by", before operator actions no "hold".
  if (by !== undefined && typeof by !== "string") return null;
  const operatorHold = hold === undefined ? undefined : parseHold(hold);
  if (operatorHold === null) return null;
  if (!HEALTH_STATES.includes(state as HealthState) || typeof reason !== "string") return null;
  // Infinity does not survive JSON: a recheck that was never due is written as null.
  const end = until === null ? Infinity : until;
  if (!isNumber(end) && end !== Infinity) return null;
  if (!isNumber(consecutiveRateLimits) || !isNumber(consecutiveServerErrors)) return null;
  return {
    state: state as HealthState,
    reason,
    until: end,
    consecutiveRateLimits,
    consecutiveServerErrors,
    ...(by === undefined ? {} : { by }),
    ...(operatorHold === undefined ? {} : { hold: operatorHold }),
  };
}

function parseHold(h: unknown): OperatorHold | null {
  if (!isObject(h)) return null;
  const { kind, reason, by, at, configChanged } = h;
  if (kind !== "disabled" && kind !== "draining") return null;
  if (typeof reason !== "string" || typeof by !== "string" || !isNumber(at) || typeof configChanged !== "boolean") return null;
  return { kind, reason, by, at, configChanged };
}
