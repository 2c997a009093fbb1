import type { HealthState, KeyHealth, OperatorHold } from "../../pool/key-health.js";

/** The version of the state file's layout; a file of another version is not read. */
export const STATE_VERSION = 1;

/** What of a key's health outlives the process: the lease a probe ran under does not. */
export type PersistedHealth = Pick<KeyHealth, "state" | "reason" | "until" | "consecutiveRateLimits" | "consecutiveServerErrors"> &
  Partial<Pick<KeyHealth, "by">> & { readonly hold?: OperatorHold };

/**
 * What survives a restart of one key: the requests its windows still count
 * (time and tokens, as `[at, tokens]`), and its health. Key ids only, never
 * a secret.
 */
export interface PersistedKey {
  readonly provider: string;
  readonly id: string;
  readonly usage: readonly (readonly [number, number])[];
  readonly health: PersistedHealth | undefined;
}

export interface PersistedState {
  readonly version: number;
  readonly savedAt: number;
  readonly keys: readonly PersistedKey[];
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
    const { provider, id, usage, health } = k;
    if (typeof provider !== "string" || typeof id !== "string") return { ok: false, error: `${at}: provider and id must be strings` };
    if (!Array.isArray(usage) || !usage.every((e) => Array.isArray(e) && e.length === 2 && isNumber(e[0]) && isNumber(e[1]) && e[1] >= 0)) {
      return { ok: false, error: `${at}.usage: expected [time, tokens] pairs` };
    }
    const h = health === undefined || health === null ? undefined : parseHealth(health);
    if (h === null) return { ok: false, error: `${at}.health: expected state, reason, until and counts` };
    out.push({ provider, id, usage: usage as [number, number][], health: h });
  }
  return { ok: true, state: { version: STATE_VERSION, savedAt: doc["savedAt"], keys: out } };
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

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
