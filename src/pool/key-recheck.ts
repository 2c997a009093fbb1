import type { PoolSettings } from "../config/types.js";
import { HEALTHY, healthState, type KeyHealth } from "./key-health.js";

/**
 * What the sidecar's own check of a disabled key found: the provider took the
 * key (a 429 counts: the key authenticated), refused it, or could not be asked.
 */
export type RecheckVerdict = "valid" | "invalid" | "unchecked";

/** Who a recheck's change of state is attributed to, in statistics and logs. */
export const RECHECK_BY = "recheck";

/**
 * True when the key waits for the sidecar's recheck (`probe: true`): disabled
 * by a 401/403 report, not by the configuration or an operator. Such a key is
 * never handed to a caller as a probe; only the recheck brings it back.
 */
export function awaitsRecheck(h: KeyHealth, probe: boolean | undefined, now: number): boolean {
  return probe === true && h.hold === undefined && !h.disabledByConfig && healthState(h, now) === "disabled";
}

/** True when the sidecar should recheck the key now. */
export function recheckDue(h: KeyHealth, probe: boolean | undefined, now: number): boolean {
  return awaitsRecheck(h, probe, now) && now >= h.until;
}

/**
 * The health after a recheck, a function of (health, verdict, now) like every
 * other change. Returns the same object when the key no longer waits for one
 * (an operator or a reload acted meanwhile). A valid key is active again; an
 * invalid one, or one the provider could not be asked about, waits for the
 * next recheck.
 */
export function applyRecheck(h: KeyHealth, verdict: RecheckVerdict, detail: string, now: number, settings: PoolSettings): KeyHealth {
  if (h.hold !== undefined || h.disabledByConfig || healthState(h, now) !== "disabled") return h;
  if (verdict === "valid") {
    return { ...h, state: "active", reason: "", until: 0, probeLease: undefined, unauthorizedReports: HEALTHY.unauthorizedReports, by: RECHECK_BY };
  }
  const what = verdict === "invalid" ? "unauthorized (401/403), still refused on recheck" : "unauthorized (401/403), recheck could not ask the provider";
  return { ...h, reason: detail === "" ? what : `${what}: ${detail}`, until: now + settings.unauthorizedRecheckMs, by: RECHECK_BY };
}
