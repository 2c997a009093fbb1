import type { EventEmitter } from "node:events";
import { SnapshotFeed } from "./snapshot-feed.js";
import type { StatsSubscribers, StatsSubscription, StatsTransport } from "./stats-subscribers.js";

export interface StatsStreamOptions<T> {
  readonly subscribers: StatsSubscribers;
  readonly transport: StatsTransport;
  readonly intervalMs: number;
  /** Builds the message to send now (a fresh snapshot). */
  build(): T;
  /** Hands one message to the transport; `flushed` once the transport took it. */
  send(message: T, flushed: () => void): void;
  /** Ends the transport's stream cleanly (shutdown). */
  end(): void;
  /** Tears the transport's stream down after a snapshot failed. */
  fail(err: unknown): void;
  /** The transport's stream, and the events by which it says it ended. */
  readonly stream: EventEmitter;
  readonly endedBy: readonly string[];
}

/** A registered statistics stream, not yet sending. */
export interface StatsStream {
  /** Sends the first snapshot and paces the others. */
  start(): void;
}

/**
 * One live statistics stream over any transport (gRPC StreamStats, SSE):
 * registered with the server's subscribers, paced by a SnapshotFeed, and
 * cleaned up once whichever way it ends (the peer goes away, a snapshot
 * fails, the server shuts down): the timer stopped, the registration and
 * every listener it added removed. Undefined when the subscribers refuse it
 * (too many, or shutting down); `subscribers.refusal()` says why.
 */
export function openStatsStream<T>(o: StatsStreamOptions<T>): StatsStream | undefined {
  let done = false;
  const cleanup = () => {
    if (done) return;
    done = true;
    feed.stop();
    o.subscribers.delete(subscription);
    for (const event of o.endedBy) o.stream.removeListener(event, cleanup);
  };
  const feed = new SnapshotFeed<T>({
    intervalMs: o.intervalMs,
    build: o.build,
    send: o.send,
    onError: (err) => {
      cleanup();
      o.fail(err);
    },
  });
  const subscription: StatsSubscription = {
    transport: o.transport,
    intervalMs: o.intervalMs,
    sent: () => feed.sent,
    skipped: () => feed.skipped,
    end: () => {
      if (done) return;
      cleanup();
      o.end();
    },
  };
  if (!o.subscribers.add(subscription)) return undefined;
  for (const event of o.endedBy) o.stream.on(event, cleanup);
  return { start: () => feed.start() };
}
