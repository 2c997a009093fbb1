import { poolBusy, type KeypoolError } from "../../protocol/keypool-error.js";
import { refusalError } from "../../pool/refusal-error.js";
import { healthReason, healthState } from "../../pool/key-health.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import type { NormalizedAcquire } from "../../pool/validate-request.js";

/** Milliseconds until some key could serve this request by time alone; Infinity if none ever can. */
export function retryDelay(keys: Iterable<PooledKey>, req: NormalizedAcquire, now: number): number {
  let soonest = Infinity;
  for (const key of keys) soonest = Math.min(soonest, key.waitFor(req.estimatedTokens, req.model, now));
  return soonest;
}

/** The error for an acquisition that cannot be served now, saying why and when to retry. */
export function refusal(provider: string, keys: Iterable<PooledKey>, retryMs: number, now: number): KeypoolError {
  const live = [...keys].filter((k) => !k.draining);
  // A key an operator drained serves no lease either, until an operator enables it.
  const allOut = live.length > 0 && live.every((k) => k.health.hold !== undefined || healthState(k.health, now) === "disabled");
  return refusalError(provider, allOut ? live.map((k) => healthReason(k.health, now)) : undefined, retryMs);
}

/** The error for an acquisition turned away because too many already wait. */
export function queueFull(provider: string, waiting: number, retryMs: number): KeypoolError {
  const ms = Math.max(1, Math.ceil(retryMs));
  return poolBusy(
    `${waiting} acquisitions are already waiting for provider ${provider}, the most allowed`,
    Number.isFinite(ms) ? ms : undefined,
  );
}
