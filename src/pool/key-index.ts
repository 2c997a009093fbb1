import type { PooledKey } from "./pooled-key.js";
import { SlotHeap } from "./slot-heap.js";

/** The columns of a key's row in the order, and their number. */
const LOAD = 0;
const SEQ = 1;
const RANK = 2;
const ORDER_WIDTH = 3;

/**
 * The keys of one provider, ordered so that the balancer's choice costs
 * O(log n) instead of a scan: it picks exactly what `chooseKey` over all keys
 * would (the property test compares the two on random histories).
 *
 * A key's place changes only at known moments. Its load rises when it is
 * leased and falls when its oldest request leaves the minute window (a time
 * known in advance); whether it can serve at all changes by events (a lease
 * granted or ended, a report, a reload) or at a time known in advance (a
 * window with room again, a cooldown over). So the keys that can serve a
 * request of no tokens sit in heaps by the balancer's order, the others are
 * set aside, and one more heap holds, per key, the next time at which time
 * alone changes its load or lets it serve: everything due is applied before
 * a choice. The pool calls `update` after every event that touches a key.
 *
 * What depends on the request (its model, its estimated tokens) is checked
 * while walking the order from its start: keys with a model list also sit in
 * one heap per model they serve, so a request for a model only walks keys
 * that serve it. Each key skipped for want of token room costs a heap step;
 * only a pool whose keys nearly all lack room for the request approaches a
 * scan, and then the refusal's retry delay scans anyway.
 */
export class KeyIndex {
  /** Keys by slot; a key keeps its slot for the index's life, and knows it (`indexSlot`). */
  private readonly keys: PooledKey[] = [];
  /**
   * The balancer's order, a row of three numbers per slot (ORDER_WIDTH):
   * the key's requests in the minute window per unit of weight, its
   * lastUsedSeq (both as of the last refresh), and the rank of its id among
   * the index's ids. Least load per unit of weight first, then least
   * recently used, then smallest id.
   */
  private readonly order: Float64Array;
  /**
   * When time alone may change what the index must know: for an open key
   * the next fall of its load, for a set-aside key the time it can serve again.
   */
  private readonly dueAt: Float64Array;
  /** The order heaps each slot belongs to, by its model list; shared by all slots without one. */
  private readonly heapsOf: (readonly SlotHeap[])[] = [];
  /** Open slots (in the order heaps: the key could serve a request of no tokens). */
  private readonly open: Uint8Array;
  /** Slot a comes before slot b in the balancer's order. */
  private readonly before = (a: number, b: number): boolean => {
    const order = this.order;
    const ra = ORDER_WIDTH * a;
    const rb = ORDER_WIDTH * b;
    const la = order[ra + LOAD] as number;
    const lb = order[rb + LOAD] as number;
    if (la !== lb) return la < lb;
    const sa = order[ra + SEQ] as number;
    const sb = order[rb + SEQ] as number;
    if (sa !== sb) return sa < sb;
    return (order[ra + RANK] as number) < (order[rb + RANK] as number);
  };
  /** Every open key, for requests that name no model. */
  private readonly all: SlotHeap;
  /** Open keys without a model list: they serve every model. The same heap as `all` when no key has a model list. */
  private readonly anyModel: SlotHeap;
  /** Open keys with a model list, under each model they list. */
  private readonly byModel = new Map<string, SlotHeap>();
  private readonly due: SlotHeap;
  private readonly unlistedHeaps: readonly SlotHeap[];
  /** The request being chosen for, read by `fits`: one predicate for every choice instead of a closure per choice. */
  private tokens = 0;
  private model = "";
  private now = 0;
  private stale: number[] = [];
  private readonly fits = (slot: number): boolean => {
    const key = this.keys[slot] as PooledKey;
    if (key.canServe(this.tokens, this.model, this.now)) return true;
    // Only the request's own needs should turn an open key down; anything
    // else means an event was missed, and the key is re-read after the choice.
    if (key.servableAt(this.now) !== this.now) this.stale.push(slot);
    return false;
  };

  constructor(keys: Iterable<PooledKey>, now: number) {
    // A draining key is left out: it is never leased again.
    const list = [...new Set(keys)].filter((k) => !k.draining);
    const n = list.length;
    this.order = new Float64Array(ORDER_WIDTH * n);
    this.dueAt = new Float64Array(n).fill(Infinity);
    this.open = new Uint8Array(n);
    this.all = new SlotHeap(n, this.before);
    this.due = new SlotHeap(n, (a, b) => (this.dueAt[a] as number) < (this.dueAt[b] as number));
    // Without model lists every key serves every model: one heap is both orders, and each event moves a key in one heap, not two.
    this.anyModel = list.some((k) => k.config.models !== undefined) ? new SlotHeap(n, this.before) : this.all;
    this.unlistedHeaps = this.anyModel === this.all ? [this.all] : [this.all, this.anyModel];
    const byId = list.map((key, slot) => ({ id: key.id, slot })).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    byId.forEach(({ slot }, rank) => (this.order[ORDER_WIDTH * slot + RANK] = rank));
    list.forEach((key, slot) => {
      const models = key.config.models;
      this.keys.push(key);
      this.heapsOf.push(models === undefined ? this.unlistedHeaps : [this.all, ...[...new Set(models)].map((m) => this.modelHeap(m, n))]);
      key.indexSlot = slot;
    });
    for (let slot = 0; slot < n; slot++) this.refresh(slot, now);
  }

  /** Re-reads a key after an event changed it (lease, report, expiry). Keys it does not track are ignored. */
  update(key: PooledKey, now: number): void {
    const slot = this.slotOf(key);
    if (slot >= 0) this.refresh(slot, now);
  }

  /** The key's slot here; -1 for a key this index does not track (left out as draining, or of another index). */
  private slotOf(key: PooledKey): number {
    const slot = key.indexSlot;
    return slot >= 0 && this.keys[slot] === key ? slot : -1;
  }

  /**
   * The key `chooseKey` would pick among those that can serve a request of
   * `tokens` estimated tokens for `model` ("" for any) at `now`.
   */
  choose(tokens: number, model: string, now: number): PooledKey | undefined {
    this.catchUp(now);
    this.tokens = tokens;
    this.model = model;
    this.now = now;
    let chosen: number;
    if (model === "") {
      chosen = this.all.find(this.fits);
    } else {
      const listed = this.byModel.get(model)?.find(this.fits) ?? -1;
      const unlisted = this.anyModel.find(this.fits);
      chosen = listed === -1 || (unlisted !== -1 && this.before(unlisted, listed)) ? unlisted : listed;
    }
    if (this.stale.length > 0) {
      const stale = this.stale;
      this.stale = [];
      for (const slot of stale) this.refresh(slot, now);
    }
    return chosen === -1 ? undefined : this.keys[chosen];
  }

  /** Applies what time alone has changed up to `now`. */
  private catchUp(now: number): void {
    for (let slot = this.due.peek(); slot !== -1 && (this.dueAt[slot] as number) <= now; slot = this.due.peek()) {
      this.refresh(slot, now);
    }
  }

  /** Reads a key's state at `now` and puts it in its place. Leaves dueAt > now, so catching up always ends. */
  private refresh(slot: number, now: number): void {
    const key = this.keys[slot] as PooledKey;
    const dueBefore = this.dueAt[slot] as number;
    const servableAt = key.servableAt(now);
    let dueAt: number;
    if (servableAt === now) {
      // Computed exactly as chooseKey computes it, so that ties compare the same.
      const load = key.requestsThisMinute(now) / key.config.weight;
      const seq = key.lastUsedSeq;
      const order = this.order;
      const row = ORDER_WIDTH * slot;
      if (this.open[slot] === 0) {
        order[row + LOAD] = load;
        order[row + SEQ] = seq;
        for (const heap of this.heapsOf[slot] as readonly SlotHeap[]) heap.push(slot);
        this.open[slot] = 1;
      } else if (load !== order[row + LOAD] || seq !== order[row + SEQ]) {
        // Unchanged (a report, most often), the key keeps its place: the order reads nothing else.
        order[row + LOAD] = load;
        order[row + SEQ] = seq;
        const heaps = this.heapsOf[slot] as readonly SlotHeap[];
        for (let i = 0; i < heaps.length; i++) (heaps[i] as SlotHeap).update(slot);
      }
      dueAt = key.usage.leavesAt(0);
    } else {
      this.close(slot);
      dueAt = servableAt;
    }
    // Most events leave the due time as it was (the oldest request still leaves first): no heap step then.
    if (dueAt === dueBefore) return;
    this.dueAt[slot] = dueAt;
    if (dueAt === Infinity) this.due.remove(slot);
    else if (this.due.has(slot)) this.due.update(slot);
    else this.due.push(slot);
  }

  private close(slot: number): void {
    if (this.open[slot] === 0) return;
    for (const heap of this.heapsOf[slot] as readonly SlotHeap[]) heap.remove(slot);
    this.open[slot] = 0;
  }

  private modelHeap(model: string, capacity: number): SlotHeap {
    let heap = this.byModel.get(model);
    if (heap === undefined) {
      heap = new SlotHeap(capacity, this.before);
      this.byModel.set(model, heap);
    }
    return heap;
  }
}
