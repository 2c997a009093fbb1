import type { LimitSet } from "../config/types.js";
import type { KeySnapshot } from "../pool/stats-types.js";

/** One series of the limit gauges: labels by id and name only, never a secret. */
export interface KeyLimitPoint {
  readonly labels: {
    readonly source: string;
    readonly holder: "key" | "scope";
    readonly model: string;
    readonly dimension: "requests" | "tokens";
    readonly window_seconds: number;
  };
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
}

const MINUTE_S = 60;
const DAY_S = 86_400;

/**
 * A key's limits as gauge points: the configured ones (the key's, its
 * scope's, per model; source "configured") and the learned ones (source the
 * dialect they were read in), so a dashboard can put them side by side.
 */
export function keyLimitPoints(k: KeySnapshot): KeyLimitPoint[] {
  const points: KeyLimitPoint[] = [];
  const configured = (holder: "key" | "scope", model: string, l: LimitSet) => {
    const add = (dimension: "requests" | "tokens", window_seconds: number, limit: number | undefined) => {
      if (limit !== undefined) points.push({ labels: { source: "configured", holder, model, dimension, window_seconds }, limit, remaining: undefined });
    };
    add("requests", MINUTE_S, l.rpm);
    add("tokens", MINUTE_S, l.tpm);
    add("requests", DAY_S, l.rpd);
  };
  configured("key", "", k.limits);
  for (const [model, l] of Object.entries(k.modelLimits)) configured("key", model, l);
  if (k.scope !== undefined) {
    configured("scope", "", k.scope.limits);
    for (const [model, l] of Object.entries(k.scope.modelLimits)) configured("scope", model, l);
  }
  for (const l of k.learnedLimits) {
    points.push({
      labels: { source: l.source, holder: l.holder, model: l.model, dimension: l.dimension, window_seconds: Math.round(l.windowMs / 1_000) },
      limit: l.limit,
      remaining: l.remaining,
    });
  }
  return points;
}
