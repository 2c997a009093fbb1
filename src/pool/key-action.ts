import { KeypoolError } from "../protocol/keypool-error.js";
import { HEALTHY, healthAt, healthState, type KeyHealth } from "./key-health.js";

/** What an operator can do to one key. */
export const KEY_ACTIONS = ["disable", "enable", "drain", "probe", "clear_cooldown"] as const;
export type KeyAction = (typeof KEY_ACTIONS)[number];

/** The longest reason an operator may give, in characters: enough for a ticket and a sentence. */
export const MAX_KEY_ACTION_REASON = 200;

/** An action's name as the transports spell it ("disable", "clear_cooldown"; "clear-cooldown" too). */
export function parseKeyAction(name: string): KeyAction {
  const normal = name.trim().toLowerCase().replace(/-/g, "_");
  const found = KEY_ACTIONS.find((a) => a === normal);
  if (found === undefined) throw new KeypoolError("INVALID_ARGUMENT", `action: expected one of ${KEY_ACTIONS.join(", ")}`);
  return found;
}

/** Refuses a reason that is too long or carries control characters; never echoes it. */
export function validateKeyActionReason(reason: string): string {
  if ([...reason].length > MAX_KEY_ACTION_REASON) {
    throw new KeypoolError("INVALID_ARGUMENT", `reason: at most ${MAX_KEY_ACTION_REASON} characters`);
  }
  // Control characters would let a reason forge lines in logs and tables.
  if (/\p{Cc}/u.test(reason)) throw new KeypoolError("INVALID_ARGUMENT", "reason: control characters are not allowed");
  return reason.trim();
}

/**
 * The health after an operator's action, a function of (health, action,
 * now) like every other change. Returns the same object when the action
 * changes nothing (clearing the cooldown of an active key, probing a key
 * that is being probed). Refuses with FAILED_PRECONDITION a probe the key
 * cannot take (held by an operator, disabled in the configuration).
 *
 * - disable, drain: an operator's hold; no lease until an operator enables,
 *   whatever reports, reloads or the configuration say meanwhile.
 * - enable: lifts the hold and a disable that reports caused; a cooldown
 *   stays (clear it), a disable in the configuration stays (the
 *   configuration's to lift).
 * - probe: the next acquisition gets the key as its single probe: a disabled
 *   key's recheck is due now, a cooling key lets one lease through. The
 *   probe's report decides: success makes the key active.
 * - clear_cooldown: a cooling or exhausted key is active at once.
 */
export function applyKeyAction(health: KeyHealth, action: KeyAction, reason: string, by: string, now: number): KeyHealth {
  const h = healthAt(health, now);
  switch (action) {
    case "disable":
    case "drain": {
      const kind = action === "disable" ? "disabled" : "draining";
      return { ...h, hold: { kind, reason, by, at: now, configChanged: false }, probeDue: false, by };
    }
    case "enable": {
      const reportDisabled = h.state === "disabled" && !h.disabledByConfig;
      if (h.hold === undefined && !reportDisabled) return health;
      const lifted: KeyHealth = { ...h, hold: undefined, by };
      if (!reportDisabled) return lifted;
      return { ...lifted, state: "active", reason: "", until: 0, unauthorizedReports: HEALTHY.unauthorizedReports };
    }
    case "probe": {
      if (h.hold !== undefined) throw new KeypoolError("FAILED_PRECONDITION", "key_id: held by an operator; enable the key to let it be probed");
      if (h.disabledByConfig) throw new KeypoolError("FAILED_PRECONDITION", "key_id: disabled in the configuration");
      const s = healthState(h, now);
      if (s === "active" || h.probeLease !== undefined) return health;
      if (s === "disabled") return h.until <= now ? health : { ...h, until: now, by };
      return h.probeDue ? health : { ...h, probeDue: true, by };
    }
    case "clear_cooldown": {
      const s = h.state;
      if (s !== "cooling_down" && s !== "exhausted") return health;
      return {
        ...h,
        state: "active",
        reason: "",
        until: 0,
        consecutiveRateLimits: 0,
        consecutiveServerErrors: 0,
        probeDue: false,
        unauthorizedReports: HEALTHY.unauthorizedReports,
        by,
      };
    }
  }
}

/** The key's configuration changed (limits, secret, enabled): a hold stays, and says so. */
export function healthReconfigured(h: KeyHealth): KeyHealth {
  return h.hold === undefined || h.hold.configChanged ? h : { ...h, hold: { ...h.hold, configChanged: true } };
}

/** How an action reads in the key-state log line and the history marker. */
export function keyActionReason(action: KeyAction, reason: string): string {
  const what = `operator ${action.replace("_", " ")}`;
  return reason === "" ? what : `${what}: ${reason}`;
}
