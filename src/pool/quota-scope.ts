import type { PoolSettings, ScopeConfig } from "../config/types.js";
import { limitSpecs, Quota } from "./quota.js";

/**
 * Why a whole scope cannot serve for a while: plain data, like a key's
 * health. A 429 the provider attributes to the scope cools it down; a daily
 * quota or the money running out exhausts it.
 */
export interface ScopeHold {
  readonly state: "active" | "cooling_down" | "exhausted";
  readonly reason: string;
  readonly until: number;
}

export const NO_HOLD: ScopeHold = Object.freeze({ state: "active", reason: "", until: 0 });

/** The hold at `now`: one that is over reads as none. */
export function holdAt(h: ScopeHold, now: number): ScopeHold {
  return h.state !== "active" && now >= h.until ? NO_HOLD : h;
}

/** A hold only lengthens, and an exhaustion is not shortened by a cooldown (as for a key). */
export function extendHold(h: ScopeHold, state: "cooling_down" | "exhausted", reason: string, until: number, now: number): ScopeHold {
  const cur = holdAt(h, now);
  if (cur.state === "exhausted" && state === "cooling_down" && cur.until >= until) return cur;
  return { state, reason, until: cur.state === state ? Math.max(cur.until, until) : until };
}

/**
 * A quota several keys of one provider share. Every lease of a member counts
 * here as well as on its key, so the members together stay within it.
 * Generic in its members so that the key, which knows its scope, and the
 * scope, which knows its keys, do not import each other.
 */
export class QuotaScope<Member = unknown> {
  readonly quota: Quota;
  hold: ScopeHold = NO_HOLD;
  /** The keys that share it, for the index to re-read when the scope changes. */
  readonly members = new Set<Member>();

  constructor(
    public config: ScopeConfig,
    settings: PoolSettings,
  ) {
    this.quota = new Quota(limitSpecs(config, settings), config.modelLimits, settings);
  }

  get name(): string {
    return this.config.name;
  }

  reconfigure(config: ScopeConfig, settings: PoolSettings): void {
    this.config = config;
    this.quota.reconfigure(limitSpecs(config, settings), config.modelLimits, settings);
  }

  /** When the scope can next serve a request of `tokens` for `model`, by time alone. */
  roomAt(tokens: number, model: string | undefined, now: number): number {
    const h = holdAt(this.hold, now);
    return Math.max(h.state === "active" ? now : h.until, this.quota.roomAt(tokens, model, now));
  }
}
