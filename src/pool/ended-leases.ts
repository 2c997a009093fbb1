export interface EndedLease {
  readonly provider: string;
  readonly keyId: string;
  readonly owner: string;
  readonly how: "reported" | "expired";
}

/**
 * How long a reported lease is remembered. A report is repeated when the
 * caller did not see the answer (a timeout, a dropped connection) and
 * retries, which happens within seconds; two minutes covers a retry with
 * backoff without keeping a record per call for long.
 */
export const REPORTED_RETENTION_MS = 2 * 60_000;

/**
 * How long an expired lease is remembered, past its end: as long again as
 * its TTL, and at least as long as a reported one. Its call may still be
 * running (that is why it expired), so its report can come late; answering
 * "already reported" tells the caller the lease is over without the alarm of
 * NOT_FOUND. Expiries are rare next to reports, so this costs little.
 */
export function expiredRetentionMs(leaseTtlMs: number): number {
  return Math.max(REPORTED_RETENTION_MS, leaseTtlMs);
}

/** Most ended leases remembered at once; beyond it those due to be forgotten first go first. */
export const MAX_REMEMBERED = 200_000;
