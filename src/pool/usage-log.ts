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

interface WindowCounter {
  spec: WindowSpec;
  /** Sequence number of the oldest entry still inside the window. */
  startSeq: number;
  requests: number;
  tokens: number;
}

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
  private windows: WindowCounter[] = [];

  constructor(specs: readonly WindowSpec[]) {
    this.setWindows(specs);
  }

  /**
   * Replaces the window specs, recounting them over the retained history.
   * When only limits change (same kinds and spans, as a learned limit
   * moves), the counts stand as they are and nothing is recounted.
   */
  setWindows(specs: readonly WindowSpec[]): void {
    if (specs.length === this.windows.length && specs.every((s, i) => sameSpan(s, this.windows[i]?.spec))) {
      this.windows.forEach((w, i) => (w.spec = specs[i] as WindowSpec));
      return;
    }
    this.windows = specs.map((spec) => ({ spec, startSeq: this.baseSeq, requests: 0, tokens: 0 }));
    for (const w of this.windows) {
      for (let seq = this.baseSeq; seq < this.nextSeq; seq++) {
        w.requests += 1;
        w.tokens += this.tokensOf(seq);
      }
    }
  }

  specs(): readonly WindowSpec[] {
    return this.windows.map((w) => w.spec);
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
    for (const w of this.windows) {
      w.requests += 1;
      w.tokens += tokens;
    }
    return seq;
  }

  /** Replaces request `seq`'s token count (estimate → real usage) in every window still holding it. */
  settle(seq: number, tokens: number, now: number): void {
    this.advance(now);
    // A request no window holds any more has nothing left to correct.
    if (seq < this.baseSeq || seq >= this.nextSeq) return;
    const i = this.head + (seq - this.baseSeq);
    const at = this.ats[i] as number;
    const delta = tokens - (this.tokenCounts[i] as number);
    this.tokenCounts[i] = tokens;
    if (delta === 0) return;
    for (const w of this.windows) {
      // After advance(now) a window holds exactly the entries younger than its span.
      if (now < at + w.spec.perMs + w.spec.marginMs) w.tokens += delta;
    }
  }

  /** Drops from each window what has slid out of it, and from the log what no window holds. */
  advance(now: number): void {
    let minStart = this.nextSeq;
    for (const w of this.windows) {
      const span = w.spec.perMs + w.spec.marginMs;
      while (w.startSeq < this.nextSeq) {
        if (this.atOf(w.startSeq) + span > now) break;
        w.requests -= 1;
        w.tokens -= this.tokensOf(w.startSeq);
        w.startSeq += 1;
      }
      if (w.startSeq < minStart) minStart = w.startSeq;
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
    return this.windows[i]?.requests ?? 0;
  }

  /** Requests and tokens counted now in window `i` (after `advance`). */
  usage(i: number): { requests: number; tokens: number } {
    const w = this.windows[i];
    return w === undefined ? { requests: 0, tokens: 0 } : { requests: w.requests, tokens: w.tokens };
  }

  /**
   * When the oldest entry window `i` counts (after `advance`) stops being
   * counted, so its count next falls; Infinity when it counts nothing.
   */
  leavesAt(i: number): number {
    const w = this.windows[i];
    if (w === undefined || w.startSeq >= this.nextSeq) return Infinity;
    const span = w.spec.perMs + w.spec.marginMs;
    return this.atOf(w.startSeq) + span;
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
    let at = now;
    for (const w of this.windows) {
      const span = w.spec.perMs + w.spec.marginMs;
      if (w.spec.kind === "requests") {
        if (w.requests + 1 <= w.spec.limit) continue;
        if (w.spec.limit < 1) return Infinity;
        // The oldest (requests + 1 - limit) entries must leave first.
        at = Math.max(at, this.atOf(w.startSeq + (w.requests - w.spec.limit)) + span);
      } else {
        if (w.tokens + tokens <= w.spec.limit) continue;
        if (tokens > w.spec.limit) return Infinity;
        let remaining = w.tokens;
        for (let seq = w.startSeq; seq < this.nextSeq; seq++) {
          remaining -= this.tokensOf(seq);
          if (remaining + tokens <= w.spec.limit) {
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
