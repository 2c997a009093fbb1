import { MinHeap, type HeapHandle } from "./min-heap.js";
import type { PooledKey } from "./pooled-key.js";

/** What the index knows of one key. A class, so that every slot has one compact shape. */
class Slot {
  /** Requests in the minute window per unit of weight, as of the last refresh. */
  load = 0;
  /** The key's lastUsedSeq as of the last refresh. */
  seq = 0;
  /** True while the key sits in the order heaps (it could serve a request of no tokens). */
  open = false;
  /**
   * When time alone may change what the index must know: for an open key the
   * next fall of its load, for a set-aside key the time it can serve again.
   */
  dueAt = Infinity;
  /** Its handles in `heaps` while open, in the same order. */
  handles: HeapHandle<Slot>[] = NONE;
  due: HeapHandle<Slot> | undefined = undefined;

  constructor(
    readonly key: PooledKey,
    /** The order heaps this key belongs to, by its model list; shared by all keys without one. */
    readonly heaps: readonly MinHeap<Slot>[],
  ) {}
}

const NONE: HeapHandle<Slot>[] = [];

/** The balancer's order: least load per unit of weight, then least recently used, then smallest id. */
function before(a: Slot, b: Slot): boolean {
  if (a.load !== b.load) return a.load < b.load;
  if (a.seq !== b.seq) return a.seq < b.seq;
  return a.key.id < b.key.id;
}

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
  private readonly slots = new Map<PooledKey, Slot>();
  /** Every open key, for requests that name no model. */
  private readonly all = new MinHeap<Slot>(before);
  /** Open keys without a model list: they serve every model. The same heap as `all` when no key has a model list. */
  private readonly anyModel: MinHeap<Slot>;
  /** Open keys with a model list, under each model they list. */
  private readonly byModel = new Map<string, MinHeap<Slot>>();
  private readonly due = new MinHeap<Slot>((a, b) => a.dueAt < b.dueAt);
  private readonly unlistedHeaps: readonly MinHeap<Slot>[];
  /** The request being chosen for, read by `fits`: one predicate for every choice instead of a closure per choice. */
  private tokens = 0;
  private model = "";
  private now = 0;
  private stale: Slot[] = [];
  private readonly fits = (slot: Slot): boolean => {
    if (slot.key.canServe(this.tokens, this.model, this.now)) return true;
    // Only the request's own needs should turn an open key down; anything
    // else means an event was missed, and the key is re-read after the choice.
    if (slot.key.servableAt(this.now) !== this.now) this.stale.push(slot);
    return false;
  };

  constructor(keys: Iterable<PooledKey>, now: number) {
    const list = [...keys];
    // Without model lists every key serves every model: one heap is both orders, and each event moves a key in one heap, not two.
    this.anyModel = list.some((k) => k.config.models !== undefined) ? new MinHeap<Slot>(before) : this.all;
    this.unlistedHeaps = this.anyModel === this.all ? [this.all] : [this.all, this.anyModel];
    for (const key of list) this.add(key, now);
  }

  /** Starts tracking a key. A draining key is left out: it is never leased again. */
  private add(key: PooledKey, now: number): void {
    if (key.draining || this.slots.has(key)) return;
    const models = key.config.models;
    const heaps = models === undefined ? this.unlistedHeaps : [this.all, ...[...new Set(models)].map((m) => this.modelHeap(m))];
    const slot = new Slot(key, heaps);
    this.slots.set(key, slot);
    this.refresh(slot, now);
  }

  remove(key: PooledKey): void {
    const slot = this.slots.get(key);
    if (slot === undefined) return;
    this.slots.delete(key);
    this.close(slot);
    if (slot.due !== undefined) this.due.remove(slot.due);
    slot.due = undefined;
  }

  /** Re-reads a key after an event changed it (lease, report, expiry). Keys it does not track are ignored. */
  update(key: PooledKey, now: number): void {
    const slot = this.slots.get(key);
    if (slot !== undefined) this.refresh(slot, now);
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
    let chosen: Slot | undefined;
    if (model === "") {
      chosen = this.all.find(this.fits);
    } else {
      const listed = this.byModel.get(model)?.find(this.fits);
      const unlisted = this.anyModel.find(this.fits);
      chosen = listed === undefined || (unlisted !== undefined && before(unlisted, listed)) ? unlisted : listed;
    }
    if (this.stale.length > 0) {
      const stale = this.stale;
      this.stale = [];
      for (const slot of stale) this.refresh(slot, now);
    }
    return chosen?.key;
  }

  /** Applies what time alone has changed up to `now`. */
  private catchUp(now: number): void {
    for (let slot = this.due.peek(); slot !== undefined && slot.dueAt <= now; slot = this.due.peek()) {
      this.refresh(slot, now);
    }
  }

  /** Reads a key's state at `now` and puts it in its place. Leaves dueAt > now, so catching up always ends. */
  private refresh(slot: Slot, now: number): void {
    const key = slot.key;
    const servableAt = key.servableAt(now);
    if (servableAt === now) {
      // Computed exactly as chooseKey computes it, so that ties compare the same.
      const load = key.requestsThisMinute(now) / key.config.weight;
      const seq = key.lastUsedSeq;
      if (!slot.open) {
        slot.load = load;
        slot.seq = seq;
        slot.handles = slot.heaps.map((heap) => heap.push(slot));
        slot.open = true;
      } else if (load !== slot.load || seq !== slot.seq) {
        // Unchanged (a report, most often), the key keeps its place: the order reads nothing else.
        slot.load = load;
        slot.seq = seq;
        for (let i = 0; i < slot.heaps.length; i++) (slot.heaps[i] as MinHeap<Slot>).update(slot.handles[i] as HeapHandle<Slot>);
      }
      slot.dueAt = key.usage.leavesAt(0);
    } else {
      this.close(slot);
      slot.dueAt = servableAt;
    }
    if (slot.dueAt === Infinity) {
      if (slot.due !== undefined) this.due.remove(slot.due);
      slot.due = undefined;
    } else if (slot.due === undefined) {
      slot.due = this.due.push(slot);
    } else {
      this.due.update(slot.due);
    }
  }

  private close(slot: Slot): void {
    if (!slot.open) return;
    for (let i = 0; i < slot.heaps.length; i++) (slot.heaps[i] as MinHeap<Slot>).remove(slot.handles[i] as HeapHandle<Slot>);
    slot.handles = NONE;
    slot.open = false;
  }

  private modelHeap(model: string): MinHeap<Slot> {
    let heap = this.byModel.get(model);
    if (heap === undefined) {
      heap = new MinHeap<Slot>(before);
      this.byModel.set(model, heap);
    }
    return heap;
  }
}
