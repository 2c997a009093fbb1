/**
 * The requests a key has served recently, and counters over sliding windows
 * of that history. One log per key feeds every window (the minute window, tpm,
 * rpd, generic windows), so changing a limit keeps what was already counted
 * and a token count settled at report corrects every window at once.
 */

export interface UsageEntry {
  readonly at: number;
  readonly tokens: number;
}

export interface WindowSpec {
  readonly kind: "requests" | "tokens";
  /** Most requests or tokens in any `perMs` interval; Infinity counts without limiting. */
  readonly limit: number;
  readonly perMs: number;
  /**
   * How much longer than the window an entry stays counted. A provider counts
   * a request when it arrives, some network delay after it was leased; holding
   * entries a little longer keeps the provider's own count under the limit.
   */
  readonly marginMs: number;
}

/**
 * Each window's counters and shape, side by side in one array of numbers,
 * STRIDE per window: the balancer reads a key's windows on every lease, and
 * with many keys each read starts from a cold cache; one array is one or two
 * cache lines, where an object per window and its spec were a chain of them.
 */
const STRIDE = 6;
/** Sequence number of the oldest entry still inside the window. */
const START = 0;
const REQUESTS = 1;
const TOKENS = 2;
/** The window's span with its margin: how long an entry stays counted. */
const SPAN = 3;
const LIMIT = 4;
/** 1 for a window of tokens, 0 for one of requests. */
const COUNTS_TOKENS = 5;

/**
 * A key's recent requests as two columns of numbers (time, tokens) indexed
 * by sequence number: a request is counted for a minute or more, and an
 * object per request kept that long would be promoted and collected with
 * the old generation, on every call.
 */
export class UsageLog {
  private ats: number[] = [];
  private tokenCounts: number[] = [];
  /** Index in the columns of sequence number `baseSeq`. */
  private head = 0;
  private baseSeq = 0;
  private nextSeq = 0;
  private specList: readonly WindowSpec[] = [];
  private counters = new Float64Array(0);
  private windowCount = 0;
  /**
   * The time the windows were last advanced to. Advancing again to the same
   * time finds nothing to drop (an entry recorded since is no older than
   * that time, and a window's span is never zero): a lease reads its key's
   * windows several times at one `now`, and only the first read pays.
   */
  private advancedTo = -Infinity;

  constructor(specs: readonly WindowSpec[]) {
    this.setWindows(specs);
  }

  /**
   * Replaces the window specs, recounting them over the retained history.
   * When only limits change (same kinds and spans, as a learned limit
   * moves), the counts stand as they are and nothing is recounted.
   */
  setWindows(specs: readonly WindowSpec[]): void {
    const c = this.counters;
    if (specs.length === this.windowCount && specs.every((spec, i) => sameSpan(spec, this.specList[i]))) {
      this.specList = [...specs];
      specs.forEach((spec, i) => (c[i * STRIDE + LIMIT] = spec.limit));
      return;
    }
    this.specList = [...specs];
    this.windowCount = specs.length;
    this.counters = new Float64Array(specs.length * STRIDE);
    let tokens = 0;
    for (let seq = this.baseSeq; seq < this.nextSeq; seq++) tokens += this.tokensOf(seq);
    specs.forEach((spec, i) => {
      const w = i * STRIDE;
      this.counters[w + START] = this.baseSeq;
      this.counters[w + REQUESTS] = this.nextSeq - this.baseSeq;
      this.counters[w + TOKENS] = tokens;
      this.counters[w + SPAN] = spec.perMs + spec.marginMs;
      this.counters[w + LIMIT] = spec.limit;
      this.counters[w + COUNTS_TOKENS] = spec.kind === "tokens" ? 1 : 0;
    });
    // Recounted from the oldest entry kept: the next advance must look again.
    this.advancedTo = -Infinity;
  }

  specs(): readonly WindowSpec[] {
    return this.specList;
  }

  /** Counts a request; returns its sequence number, by which its report settles its tokens. */
  record(now: number, tokens: number): number {
    this.advance(now);
    // Keep the log in time order even if the wall clock steps back.
    const last = this.nextSeq > this.baseSeq ? this.atOf(this.nextSeq - 1) : -Infinity;
    this.ats.push(Math.max(now, last));
    this.tokenCounts.push(tokens);
    const seq = this.nextSeq;
    this.nextSeq += 1;
    const c = this.counters;
    for (let w = 0; w < this.windowCount * STRIDE; w += STRIDE) {
      c[w + REQUESTS] = (c[w + REQUESTS] as number) + 1;
      c[w + TOKENS] = (c[w + TOKENS] as number) + tokens;
    }
    return seq;
  }

  /** Replaces request `seq`'s token count (estimate → real usage) in every window still holding it. */
  settle(seq: number, tokens: number, now: number): void {
    this.advance(now);
    // A request no window holds any more has nothing left to correct.
    if (seq < this.baseSeq || seq >= this.nextSeq) return;
    const i = this.head + (seq - this.baseSeq);
    const delta = tokens - (this.tokenCounts[i] as number);
    this.tokenCounts[i] = tokens;
    if (delta === 0) return;
    const c = this.counters;
    for (let w = 0; w < this.windowCount * STRIDE; w += STRIDE) {
      // Held by the window while not yet slid out of it. (Not judged by its age at `now`: after the
      // wall clock stepped back, a window may have dropped an entry that looks young again.)
      if (seq >= (c[w + START] as number)) c[w + TOKENS] = (c[w + TOKENS] as number) + delta;
    }
  }

  /** Drops from each window what has slid out of it, and from the log what no window holds. */
  advance(now: number): void {
    if (now === this.advancedTo) return;
    this.advancedTo = now;
    const c = this.counters;
    let minStart = this.nextSeq;
    for (let w = 0; w < this.windowCount * STRIDE; w += STRIDE) {
      const span = c[w + SPAN] as number;
      let start = c[w + START] as number;
      let requests = c[w + REQUESTS] as number;
      let tokens = c[w + TOKENS] as number;
      while (start < this.nextSeq) {
        if (this.atOf(start) + span > now) break;
        requests -= 1;
        tokens -= this.tokensOf(start);
        start += 1;
      }
      c[w + START] = start;
      c[w + REQUESTS] = requests;
      c[w + TOKENS] = tokens;
      if (start < minStart) minStart = start;
    }
    if (minStart > this.baseSeq) {
      this.head += minStart - this.baseSeq;
      this.baseSeq = minStart;
      // Compact now and then so the array does not grow with the key's lifetime.
      if (this.head > 1024 && this.head * 2 > this.ats.length) {
        this.ats = this.ats.slice(this.head);
        this.tokenCounts = this.tokenCounts.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Requests counted now in window `i` (after `advance`), without allocating. */
  requests(i: number): number {
    return i < this.windowCount ? (this.counters[i * STRIDE + REQUESTS] as number) : 0;
  }

  /** Requests and tokens counted now in window `i` (after `advance`). */
  usage(i: number): { requests: number; tokens: number } {
    if (i >= this.windowCount) return { requests: 0, tokens: 0 };
    const w = i * STRIDE;
    return { requests: this.counters[w + REQUESTS] as number, tokens: this.counters[w + TOKENS] as number };
  }

  /**
   * When the oldest entry window `i` counts (after `advance`) stops being
   * counted, so its count next falls; Infinity when it counts nothing.
   */
  leavesAt(i: number): number {
    if (i >= this.windowCount) return Infinity;
    const w = i * STRIDE;
    const start = this.counters[w + START] as number;
    if (start >= this.nextSeq) return Infinity;
    return this.atOf(start) + (this.counters[w + SPAN] as number);
  }

  /**
   * Milliseconds from `now` until every window has room for one more request
   * of `tokens` tokens: 0 when it fits now, Infinity when it never can.
   */
  waitFor(tokens: number, now: number): number {
    const at = this.roomAt(tokens, now);
    return at === now ? 0 : at - now;
  }

  /**
   * The time from which every window has room for one more request of
   * `tokens` tokens, if nothing else is recorded or settled: `now` when it
   * fits now, Infinity when it never can. An absolute time, computed exactly
   * as `advance` will compare it, so that a caller waiting until then finds
   * the room there.
   */
  roomAt(tokens: number, now: number): number {
    this.advance(now);
    const c = this.counters;
    let at = now;
    for (let i = 0; i < this.windowCount; i++) {
      const w = i * STRIDE;
      const span = c[w + SPAN] as number;
      const limit = c[w + LIMIT] as number;
      const start = c[w + START] as number;
      if (c[w + COUNTS_TOKENS] === 0) {
        const requests = c[w + REQUESTS] as number;
        if (requests + 1 <= limit) continue;
        if (limit < 1) return Infinity;
        // The oldest (requests + 1 - limit) entries must leave first.
        at = Math.max(at, this.atOf(start + (requests - limit)) + span);
      } else {
        const counted = c[w + TOKENS] as number;
        if (counted + tokens <= limit) continue;
        if (tokens > limit) return Infinity;
        let remaining = counted;
        for (let seq = start; seq < this.nextSeq; seq++) {
          remaining -= this.tokensOf(seq);
          if (remaining + tokens <= limit) {
            at = Math.max(at, this.atOf(seq) + span);
            break;
          }
        }
      }
    }
    return at;
  }

  /** The entries some window still counts, oldest first (copies: for snapshots and the state file, not the hot path). */
  history(): UsageEntry[] {
    const out: UsageEntry[] = [];
    for (let seq = this.baseSeq; seq < this.nextSeq; seq++) out.push({ at: this.atOf(seq), tokens: this.tokensOf(seq) });
    return out;
  }

  /** Entries kept, for memory accounting. */
  size(): number {
    return this.nextSeq - this.baseSeq;
  }

  private atOf(seq: number): number {
    return this.ats[this.head + (seq - this.baseSeq)] as number;
  }

  private tokensOf(seq: number): number {
    return this.tokenCounts[this.head + (seq - this.baseSeq)] as number;
  }
}

function sameSpan(a: WindowSpec, b: WindowSpec | undefined): boolean {
  return b !== undefined && a.kind === b.kind && a.perMs === b.perMs && a.marginMs === b.marginMs;
}
