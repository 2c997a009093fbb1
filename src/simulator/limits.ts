/** Which of a key's limits a request ran into. */
export type LimitKind = "rpm" | "tpm" | "rpd";

/** Why a request was refused with 429. */
export interface LimitViolation {
  kind: LimitKind;
  /** Whose limit: the key's own, or its project's (shared with the project's other keys). */
  scope: "key" | "project";
  /** Set when the limit is one model's. */
  model?: string;
  limit: number;
  /** Counted in the window when the request arrived. */
  used: number;
  /** What the request needed: 1 request, or its token estimate. */
  requested: number;
  /** Until the request would fit; undefined when it never can (larger than the limit). */
  retryAfterMs: number | undefined;
}

/** One dimension of the rate-limit headers. */
export interface LimitState {
  limit: number;
  remaining: number;
  /** Until the window is back to its initial state (nothing counted). */
  resetMs: number;
}

/** What the rate-limit headers report, after counting the request they answer. */
export interface LimitSnapshot {
  requests: LimitState | undefined;
  tokens: LimitState | undefined;
}

export const noLimits: LimitSnapshot = { requests: undefined, tokens: undefined };
