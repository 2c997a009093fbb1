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

class Remembered implements EndedLease {
  constructor(
    readonly provider: string,
    readonly keyId: string,
    readonly owner: string,
    readonly how: "reported" | "expired",
    readonly forgetAt: number,
  ) {}
}

/**
 * Lease ids in the order they were added with the time each is to be
 * forgotten, so that what is due is found at the head without a lookup.
 */
class IdQueue {
  private ids: string[] = [];
  private times: number[] = [];
  private head = 0;

  push(id: string, forgetAt: number): void {
    this.ids.push(id);
    this.times.push(forgetAt);
  }

  peek(): string | undefined {
    return this.ids[this.head];
  }

  /** When the head is to be forgotten; Infinity when the queue is empty. */
  peekTime(): number {
    return this.times[this.head] ?? Infinity;
  }

  shift(): void {
    this.head += 1;
    // Compact now and then so the arrays do not grow with traffic.
    if (this.head > 1024 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * Leases that have ended, remembered for a while so that a second report is
 * recognised (OK, already reported) rather than refused as unknown: a
 * reported lease for {@link REPORTED_RETENTION_MS}, an expired one for
 * {@link expiredRetentionMs}. Steady traffic thus holds a steady number of
 * records (calls per second × retention), and never more than
 * {@link MAX_REMEMBERED}. After that a repeated report is NOT_FOUND.
 */
export class EndedLeases {
  private readonly byId = new Map<string, Remembered>();
  private readonly reported = new IdQueue();
  private readonly expired = new IdQueue();

  /** Remembers a lease that ended at `now`; `leaseTtlMs` is the TTL it was granted with. */
  add(leaseId: string, lease: EndedLease, now: number, leaseTtlMs: number): void {
    const expired = lease.how === "expired";
    const forgetAt = now + (expired ? expiredRetentionMs(leaseTtlMs) : REPORTED_RETENTION_MS);
    this.byId.set(leaseId, new Remembered(lease.provider, lease.keyId, lease.owner, lease.how, forgetAt));
    (expired ? this.expired : this.reported).push(leaseId, forgetAt);
    this.forgetDue(this.reported, now);
    this.forgetDue(this.expired, now);
    while (this.byId.size > MAX_REMEMBERED) {
      const r = this.reported.peekTime();
      const e = this.expired.peekTime();
      if (r === Infinity && e === Infinity) break;
      this.forgetHead(r <= e ? this.reported : this.expired);
    }
  }

  /** The ended lease, while it is remembered. */
  get(leaseId: string, now: number): EndedLease | undefined {
    const r = this.byId.get(leaseId);
    // Expired leases of different TTLs share a queue, so one may outstay its time there; it is over all the same.
    return r === undefined || r.forgetAt <= now ? undefined : r;
  }

  get size(): number {
    return this.byId.size;
  }

  private forgetDue(queue: IdQueue, now: number): void {
    while (queue.peekTime() <= now) this.forgetHead(queue);
  }

  private forgetHead(queue: IdQueue): void {
    const id = queue.peek();
    if (id === undefined) return;
    // A lease ends once, so an id is queued once; the check only guards against a caller that breaks that.
    if (this.byId.get(id)?.forgetAt === queue.peekTime()) this.byId.delete(id);
    queue.shift();
  }
}
