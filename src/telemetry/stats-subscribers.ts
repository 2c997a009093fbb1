import { KeypoolError } from "../protocol/keypool-error.js";

/** How long a refused stream waits before asking again. */
const REFUSED_RETRY_MS = 5_000;

/** Most live statistics streams (gRPC StreamStats and SSE together) by default. */
export const DEFAULT_MAX_STATS_STREAMS = 64;

export type StatsTransport = "grpc" | "sse";

/** One live statistics stream, as the registry sees it. */
export interface StatsSubscription {
  readonly transport: StatsTransport;
  readonly intervalMs: number;
  /** Messages handed to the transport so far. */
  sent(): number;
  /** Ticks skipped because the reader had not taken the previous message yet. */
  skipped(): number;
  /** Ends the stream cleanly (shutdown). */
  end(): void;
}

/**
 * The live statistics streams of one server, across transports: bounded in
 * number, counted for the subscribers gauge, and ended together on shutdown.
 */
export class StatsSubscribers {
  private readonly live = new Set<StatsSubscription>();
  private closed = false;

  constructor(readonly limit = DEFAULT_MAX_STATS_STREAMS) {}

  /** Registers a stream; false when the limit is reached or the server is shutting down. */
  add(sub: StatsSubscription): boolean {
    if (this.closed || this.live.size >= this.limit) return false;
    this.live.add(sub);
    return true;
  }

  delete(sub: StatsSubscription): void {
    this.live.delete(sub);
  }

  count(transport?: StatsTransport): number {
    if (transport === undefined) return this.live.size;
    let n = 0;
    for (const s of this.live) if (s.transport === transport) n += 1;
    return n;
  }

  list(): readonly StatsSubscription[] {
    return [...this.live];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Why `add` refused a stream, the same over gRPC and SSE. */
  refusal(): KeypoolError {
    return this.closed
      ? new KeypoolError("UNAVAILABLE", "keypool is shutting down")
      : new KeypoolError("RESOURCE_EXHAUSTED", `too many statistics streams (at most ${this.limit}); retry later`, REFUSED_RETRY_MS);
  }

  /** Refuses new streams and ends the live ones. */
  closeAll(): void {
    this.closed = true;
    for (const s of [...this.live]) s.end();
  }
}
