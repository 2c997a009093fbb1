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
export function refusal(provider: string, keys: ReadonlyMap<string, PooledKey>, retryMs: number, now: number): KeypoolError {
  if (!allDisabled(keys.values(), now)) return refusalError(provider, undefined, retryMs);
  const reasons: string[] = [];
  for (const k of keys.values()) if (!k.draining) reasons.push(healthReason(k.health, now));
  return refusalError(provider, reasons, retryMs);
}

/** True when there are live keys and every one is disabled or held (a key an operator drained serves no lease either, until enabled). */
function allDisabled(keys: Iterable<PooledKey>, now: number): boolean {
  let live = 0;
  for (const k of keys) {
    if (k.draining) continue;
    live += 1;
    if (k.health.hold === undefined && healthState(k.health, now) !== "disabled") return false;
  }
  return live > 0;
}

/** The error for an acquisition turned away because too many already wait. */
export function queueFull(provider: string, waiting: number, retryMs: number): KeypoolError {
  const ms = Math.max(1, Math.ceil(retryMs));
  return poolBusy(
    `${waiting} acquisitions are already waiting for provider ${provider}, the most allowed`,
    Number.isFinite(ms) ? ms : undefined,
  );
}
