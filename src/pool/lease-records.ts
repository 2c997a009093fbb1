import { MAX_REMEMBERED, REPORTED_RETENTION_MS, expiredRetentionMs, type EndedLease } from "./ended-leases.js";
import { newSlottedLeaseId, slotOfLeaseId } from "./lease-id.js";
import { SlotQueue } from "./slot-queue.js";

const REPORTED = 0;
const EXPIRED = 1;

/**
 * Every lease's record from its grant until it is forgotten: open while in
 * flight, then ended and remembered for a while so that a second report is
 * recognised (OK, already reported) rather than refused as unknown: a
 * reported lease for {@link REPORTED_RETENTION_MS}, an expired one for
 * {@link expiredRetentionMs}. Steady traffic thus holds a steady number of
 * ended records (calls per second × retention), and never more than
 * {@link MAX_REMEMBERED}. After that a repeated report is NOT_FOUND.
 *
 * Records live in parallel arrays by slot, slots are reused, and each lease
 * id names its slot ({@link newSlottedLeaseId}): a report reads an array
 * and compares one string, where maps of every id cost a quarter of the
 * balancer's time to fill, look up and trim. Remembering a lease allocates
 * no object of its own, since one is remembered for every call.
 */
export class LeaseRecords<T> {
  private readonly ids: string[] = [];
  private readonly opens: (T | undefined)[] = [];
  private readonly providers: string[] = [];
  private readonly keyIds: string[] = [];
  private readonly owners: string[] = [];
  private readonly hows: number[] = [];
  /** Times kept unboxed: a plain array would allocate a heap number for each. */
  private forgetAts = new Float64Array(1024);
  /**
   * The slots of the open leases, in no order, and each slot's place in that
   * list (-1 when not open): listing the open leases walks only them, not
   * every slot, which steady traffic fills with up to 200,000 ended leases.
   */
  private readonly openSlots: number[] = [];
  private openPlaces = new Int32Array(1024).fill(-1);
  private readonly free: number[] = [];
  private readonly reported = new SlotQueue();
  private readonly expired = new SlotQueue();
  private endedCount = 0;

  /** Keeps `record` for a new lease, and returns the lease's id. */
  open(record: T): string {
    const slot = this.free.pop() ?? this.ids.length;
    const id = newSlottedLeaseId(slot);
    this.ids[slot] = id;
    this.opens[slot] = record;
    if (slot >= this.forgetAts.length) this.grow();
    this.openPlaces[slot] = this.openSlots.length;
    this.openSlots.push(slot);
    return id;
  }

  /** The record of the open lease `leaseId`; undefined once it has ended, or for an id never given. */
  openLease(leaseId: string): T | undefined {
    const slot = this.slotOf(leaseId);
    return slot < 0 ? undefined : this.opens[slot];
  }

  /**
   * Ends the open lease `leaseId` at `now` and remembers how; `leaseTtlMs` is
   * the TTL it was granted with. Reads `lease`, keeps no reference to it.
   * A lease ends once: ending it again, or an unknown id, does nothing.
   */
  end(leaseId: string, lease: EndedLease, now: number, leaseTtlMs: number): void {
    const slot = this.slotOf(leaseId);
    if (slot < 0 || this.opens[slot] === undefined) return;
    const expired = lease.how === "expired";
    const forgetAt = now + (expired ? expiredRetentionMs(leaseTtlMs) : REPORTED_RETENTION_MS);
    this.opens[slot] = undefined;
    this.unlistOpen(slot);
    this.providers[slot] = lease.provider;
    this.keyIds[slot] = lease.keyId;
    this.owners[slot] = lease.owner;
    this.hows[slot] = expired ? EXPIRED : REPORTED;
    this.forgetAts[slot] = forgetAt;
    this.endedCount += 1;
    (expired ? this.expired : this.reported).push(slot, forgetAt);
    this.forgetDue(this.reported, now);
    this.forgetDue(this.expired, now);
    while (this.endedCount > MAX_REMEMBERED) {
      const r = this.reported.peekTime();
      const e = this.expired.peekTime();
      if (r === Infinity && e === Infinity) break;
      this.forgetHead(r <= e ? this.reported : this.expired);
    }
  }

  /** The ended lease, while it is remembered (a new record: this is the rare path of a repeated report). */
  ended(leaseId: string, now: number): EndedLease | undefined {
    const slot = this.slotOf(leaseId);
    // Expired leases of different TTLs share a queue, so one may outstay its time there; it is over all the same.
    if (slot < 0 || this.opens[slot] !== undefined || (this.forgetAts[slot] as number) <= now) return undefined;
    return {
      provider: this.providers[slot] as string,
      keyId: this.keyIds[slot] as string,
      owner: this.owners[slot] as string,
      how: this.hows[slot] === EXPIRED ? "expired" : "reported",
    };
  }

  /** Leases open now. */
  get openSize(): number {
    return this.openSlots.length;
  }

  /** Ended leases remembered now. */
  get endedSize(): number {
    return this.endedCount;
  }

  /** The records of the open leases. */
  *openRecords(): IterableIterator<T> {
    for (const slot of this.openSlots) yield this.opens[slot] as T;
  }

  /** Takes `slot` off the open list: the last listed slot moves into its place. */
  private unlistOpen(slot: number): void {
    const place = this.openPlaces[slot] as number;
    const last = this.openSlots.pop() as number;
    if (last !== slot) {
      this.openSlots[place] = last;
      this.openPlaces[last] = place;
    }
    this.openPlaces[slot] = -1;
  }

  private grow(): void {
    const times = new Float64Array(this.forgetAts.length * 2);
    times.set(this.forgetAts);
    this.forgetAts = times;
    const places = new Int32Array(times.length).fill(-1);
    places.set(this.openPlaces);
    this.openPlaces = places;
  }

  /** The slot of a lease id this holder gave and still keeps; -1 otherwise. */
  private slotOf(leaseId: string): number {
    const slot = slotOfLeaseId(leaseId);
    return slot >= 0 && slot < this.ids.length && this.ids[slot] === leaseId ? slot : -1;
  }

  private forgetDue(queue: SlotQueue, now: number): void {
    while (queue.peekTime() <= now) this.forgetHead(queue);
  }

  private forgetHead(queue: SlotQueue): void {
    const slot = queue.peek();
    if (slot < 0) return;
    // The id goes, so that it names nothing until the slot's next lease; the other strings are left to be overwritten.
    this.ids[slot] = "";
    this.free.push(slot);
    this.endedCount -= 1;
    queue.shift();
  }
}
