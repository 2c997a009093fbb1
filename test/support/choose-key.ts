import type { PooledKey } from "../../src/pool/pooled-key.js";

/**
 * The key to lease among those that can serve: the fewest requests in the
 * current minute per unit of weight, then the least recently used, then the
 * smallest id. Deterministic, so the spread can be predicted and measured.
 *
 * This linear scan is the definition of the choice. The pool finds the same
 * key through `KeyIndex` without looking at every key; the property test in
 * test/pool/key-index.test.ts holds the two to the same answer.
 */
export function chooseKey(
  keys: Iterable<PooledKey>,
  canServe: (key: PooledKey) => boolean,
  now: number,
): PooledKey | undefined {
  let best: PooledKey | undefined;
  let bestLoad = Infinity;
  for (const key of keys) {
    if (!canServe(key)) continue;
    const load = key.requestsThisMinute(now) / key.config.weight;
    if (
      best === undefined ||
      load < bestLoad ||
      (load === bestLoad &&
        (key.lastUsedSeq < best.lastUsedSeq || (key.lastUsedSeq === best.lastUsedSeq && key.id < best.id)))
    ) {
      best = key;
      bestLoad = load;
    }
  }
  return best;
}
