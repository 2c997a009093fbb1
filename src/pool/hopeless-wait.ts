/**
 * Whether waiting is pointless: time alone frees no key before the wait
 * runs out, and no open lease's report could free one sooner (see
 * PooledKey.reportCouldFree). Such an
 * acquisition is refused at once with the retry delay instead of sitting in
 * the queue for its whole max_wait to get the same refusal; under a flood of
 * them (a client retrying a provider that is out of capacity) the queue,
 * its timers and abort handlers would otherwise cost every other client.
 * Only a reload or an operator's action could have served it meanwhile.
 */
export function waitIsHopeless(retryMs: number, waitMs: number, keys: Iterable<{ reportCouldFree(): boolean }>): boolean {
  if (retryMs <= waitMs) return false;
  for (const k of keys) if (k.reportCouldFree()) return false;
  return true;
}
