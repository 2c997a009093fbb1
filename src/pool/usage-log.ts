/**
 * The requests a key has served recently, and counters over sliding windows
 * of that history. One log per key feeds every window (the minute window, tpm,
 * rpd, generic windows), so changing a limit keeps what was already counted
 * and a token count settled at report corrects every window at once.
 */

export interface UsageEntry {
  readonly at: number;
  tokens: number;
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

export class UsageLog {
  private entries: UsageEntry[] = [];
  /** Index in `entries` of sequence number `baseSeq`. */
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
        const e = this.at(seq);
        w.requests += 1;
        w.tokens += e.tokens;
      }
    }
  }

  specs(): readonly WindowSpec[] {
    return this.windows.map((w) => w.spec);
  }

  record(now: number, tokens: number): UsageEntry {
    this.advance(now);
    // Keep the log in time order even if the wall clock steps back.
    const last = this.nextSeq > this.baseSeq ? this.at(this.nextSeq - 1).at : -Infinity;
    const entry: UsageEntry = { at: Math.max(now, last), tokens };
    this.entries.push(entry);
    this.nextSeq += 1;
    for (const w of this.windows) {
      w.requests += 1;
      w.tokens += tokens;
    }
    return entry;
  }

  /** Replaces an entry's token count (estimate → real usage) in every window still holding it. */
  settle(entry: UsageEntry, tokens: number, now: number): void {
    this.advance(now);
    const delta = tokens - entry.tokens;
    entry.tokens = tokens;
    if (delta === 0) return;
    for (const w of this.windows) {
      // After advance(now) a window holds exactly the entries younger than its span.
      if (now < entry.at + w.spec.perMs + w.spec.marginMs) w.tokens += delta;
    }
  }

  /** Drops from each window what has slid out of it, and from the log what no window holds. */
  advance(now: number): void {
    let minStart = this.nextSeq;
    for (const w of this.windows) {
      const span = w.spec.perMs + w.spec.marginMs;
      while (w.startSeq < this.nextSeq) {
        const e = this.at(w.startSeq);
        if (e.at + span > now) break;
        w.requests -= 1;
        w.tokens -= e.tokens;
        w.startSeq += 1;
      }
      if (w.startSeq < minStart) minStart = w.startSeq;
    }
    if (minStart > this.baseSeq) {
      this.head += minStart - this.baseSeq;
      this.baseSeq = minStart;
      // Compact now and then so the array does not grow with the key's lifetime.
      if (this.head > 1024 && this.head * 2 > this.entries.length) {
        this.entries = this.entries.slice(this.head);
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
    return this.at(w.startSeq).at + span;
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
        const e = this.at(w.startSeq + (w.requests - w.spec.limit));
        at = Math.max(at, e.at + span);
      } else {
        if (w.tokens + tokens <= w.spec.limit) continue;
        if (tokens > w.spec.limit) return Infinity;
        let remaining = w.tokens;
        for (let seq = w.startSeq; seq < this.nextSeq; seq++) {
          const e = this.at(seq);
          remaining -= e.tokens;
          if (remaining + tokens <= w.spec.limit) {
            at = Math.max(at, e.at + span);
            break;
          }
        }
      }
    }
    return at;
  }

  /** The entries some window still counts, oldest first. */
  history(): UsageEntry[] {
    const out: UsageEntry[] = [];
    for (let seq = this.baseSeq; seq < this.nextSeq; seq++) out.push(this.at(seq));
    return out;
  }

  /** Entries kept, for memory accounting. */
  size(): number {
    return this.nextSeq - this.baseSeq;
  }

  private at(seq: number): UsageEntry {
    return this.entries[this.head + (seq - this.baseSeq)] as UsageEntry;
  }
}

function sameSpan(a: WindowSpec, b: WindowSpec | undefined): boolean {
  return b !== undefined && a.kind === b.kind && a.perMs === b.perMs && a.marginMs === b.marginMs;
}
