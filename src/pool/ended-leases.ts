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

/**
 * Slot numbers in the order they were added, with the time each is to be
 * forgotten, in a ring that doubles when full: what is due is found at the
 * head, and pushing and shifting allocate nothing once the ring is large enough.
 */
class SlotQueue {
  private slots = new Int32Array(1024);
  private times = new Float64Array(1024);
  private head = 0;
  private length = 0;

  push(slot: number, forgetAt: number): void {
    if (this.length === this.slots.length) this.grow();
    const i = (this.head + this.length) & (this.slots.length - 1);
    this.slots[i] = slot;
    this.times[i] = forgetAt;
    this.length += 1;
  }

  /** The head's slot; -1 when the queue is empty. */
  peek(): number {
    return this.length === 0 ? -1 : (this.slots[this.head] as number);
  }

  /** When the head is to be forgotten; Infinity when the queue is empty. */
  peekTime(): number {
    return this.length === 0 ? Infinity : (this.times[this.head] as number);
  }

  shift(): void {
    if (this.length === 0) return;
    this.head = (this.head + 1) & (this.slots.length - 1);
    this.length -= 1;
  }

  private grow(): void {
    const n = this.slots.length;
    const slots = new Int32Array(n * 2);
    const times = new Float64Array(n * 2);
    for (let k = 0; k < this.length; k++) {
      slots[k] = this.slots[(this.head + k) & (n - 1)] as number;
      times[k] = this.times[(this.head + k) & (n - 1)] as number;
    }
    this.slots = slots;
    this.times = times;
    this.head = 0;
  }
}

const REPORTED = 0;
const EXPIRED = 1;

/**
 * Leases that have ended, remembered for a while so that a second report is
 * recognised (OK, already reported) rather than refused as unknown: a
 * reported lease for {@link REPORTED_RETENTION_MS}, an expired one for
 * {@link expiredRetentionMs}. Steady traffic thus holds a steady number of
 * records (calls per second × retention), and never more than
 * {@link MAX_REMEMBERED}. After that a repeated report is NOT_FOUND.
 *
 * Records live in parallel arrays by slot, slots are reused, and the id maps
 * to its slot number: remembering a lease allocates no object of its own,
 * since one is remembered for every call.
 */
export class EndedLeases {
  private readonly byId = new Map<string, number>();
  private readonly ids: string[] = [];
  private readonly providers: string[] = [];
  private readonly keyIds: string[] = [];
  private readonly owners: string[] = [];
  private readonly hows: number[] = [];
  private readonly forgetAts: number[] = [];
  private readonly free: number[] = [];
  private readonly reported = new SlotQueue();
  private readonly expired = new SlotQueue();

  /** Remembers a lease that ended at `now`; `leaseTtlMs` is the TTL it was granted with. Reads `lease`, keeps no reference to it. */
  add(leaseId: string, lease: EndedLease, now: number, leaseTtlMs: number): void {
    const expired = lease.how === "expired";
    const forgetAt = now + (expired ? expiredRetentionMs(leaseTtlMs) : REPORTED_RETENTION_MS);
    const slot = this.free.pop() ?? this.ids.length;
    this.ids[slot] = leaseId;
    this.providers[slot] = lease.provider;
    this.keyIds[slot] = lease.keyId;
    this.owners[slot] = lease.owner;
    this.hows[slot] = expired ? EXPIRED : REPORTED;
    this.forgetAts[slot] = forgetAt;
    this.byId.set(leaseId, slot);
    (expired ? this.expired : this.reported).push(slot, forgetAt);
    this.forgetDue(this.reported, now);
    this.forgetDue(this.expired, now);
    while (this.byId.size > MAX_REMEMBERED) {
      const r = this.reported.peekTime();
      const e = this.expired.peekTime();
      if (r === Infinity && e === Infinity) break;
      this.forgetHead(r <= e ? this.reported : this.expired);
    }
  }

  /** The ended lease, while it is remembered (a new record: this is the rare path of a repeated report). */
  get(leaseId: string, now: number): EndedLease | undefined {
    const slot = this.byId.get(leaseId);
    // Expired leases of different TTLs share a queue, so one may outstay its time there; it is over all the same.
    if (slot === undefined || (this.forgetAts[slot] as number) <= now) return undefined;
    return {
      provider: this.providers[slot] as string,
      keyId: this.keyIds[slot] as string,
      owner: this.owners[slot] as string,
      how: this.hows[slot] === EXPIRED ? "expired" : "reported",
    };
  }

  get size(): number {
    return this.byId.size;
  }

  private forgetDue(queue: SlotQueue, now: number): void {
    while (queue.peekTime() <= now) this.forgetHead(queue);
  }

  private forgetHead(queue: SlotQueue): void {
    const slot = queue.peek();
    if (slot < 0) return;
    const id = this.ids[slot] as string;
    // A lease ends once, so an id is queued once; the check only guards against a caller that breaks that.
    if (this.byId.get(id) === slot) this.byId.delete(id);
    // The slot's strings are left to be overwritten by its next record: clearing them would only cost stores.
    this.free.push(slot);
    queue.shift();
  }
}
