import type { PoolSettings } from "../config/types.js";

/** The budget's window: `max_key_actions_per_client` counts per minute. */
export const KEY_ACTION_WINDOW_MS = 60_000;

/**
 * One client's use of its budget for putting keys out of service: how many
 * it did in the current fixed window, and whether a refusal in this window
 * was already announced (one log line and one count per window, not one per
 * refused report). Plain data, so that a shared store can keep it as it is.
 */
export interface KeyActionBudget {
  readonly windowStart: number;
  readonly used: number;
  readonly refusalNoted: boolean;
}

export interface KeyActionDecision {
  readonly allowed: boolean;
  readonly budget: KeyActionBudget;
  /** True for the first refusal of the window: the one to log and count. */
  readonly firstRefusal: boolean;
}

/**
 * Spends one key action of a client's budget at `now`. Past the limit the
 * action is refused: the report still ends its lease, but the key's state
 * stays as it was.
 */
export function spendKeyAction(budget: KeyActionBudget | undefined, now: number, settings: PoolSettings): KeyActionDecision {
  const current = budget === undefined || now - budget.windowStart >= KEY_ACTION_WINDOW_MS ? { windowStart: now, used: 0, refusalNoted: false } : budget;
  if (current.used < settings.maxKeyActionsPerClient) {
    return { allowed: true, budget: { ...current, used: current.used + 1 }, firstRefusal: false };
  }
  return { allowed: false, budget: current.refusalNoted ? current : { ...current, refusalNoted: true }, firstRefusal: !current.refusalNoted };
}

/** True when the budget's window is over: its entry can be dropped. */
export function keyActionBudgetIdle(budget: KeyActionBudget, now: number): boolean {
  return now - budget.windowStart >= KEY_ACTION_WINDOW_MS;
}
