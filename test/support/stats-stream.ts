import { Metadata, type ClientReadableStream } from "@grpc/grpc-js";
import { durationFromMs } from "../../src/protocol/duration.js";
import type { StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { TestClient } from "./grpc-client.js";

/** A StreamStats call whose messages are collected as they arrive, for tests. */
export class StatsReader {
  readonly messages: StreamStatsResponse[] = [];
  readonly call: ClientReadableStream<StreamStatsResponse>;
  private waiters: { count: number; resolve: () => void }[] = [];
  error: (Error & { code?: number }) | undefined;
  ended = false;

  constructor(client: TestClient, request: { providers?: string[]; intervalMs?: number }, metadata = new Metadata()) {
    this.call = client.raw.streamStats(
      { providers: request.providers ?? [], interval: request.intervalMs === undefined ? undefined : durationFromMs(request.intervalMs) },
      metadata,
    );
    this.call.on("data", (m: StreamStatsResponse) => {
      this.messages.push(m);
      this.wake();
    });
    this.call.on("error", (err: Error & { code?: number }) => {
      this.error = err;
      this.wake(true);
    });
    this.call.on("end", () => {
      this.ended = true;
      this.wake(true);
    });
  }

  /** Resolves once `count` messages have arrived in all (or the stream ended); rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<StreamStatsResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${this.messages.length} of ${count} snapshots after ${timeoutMs} ms`)), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        const m = this.messages[count - 1];
        if (m === undefined) reject(this.error ?? new Error(`stream ended after ${this.messages.length} snapshots`));
        else resolve(m);
      };
      if (this.messages.length >= count || this.ended || this.error !== undefined) return done();
      this.waiters.push({ count, resolve: done });
    });
  }

  /** The next snapshot to arrive after now. */
  next(timeoutMs?: number): Promise<StreamStatsResponse> {
    return this.waitFor(this.messages.length + 1, timeoutMs);
  }

  /** Resolves when the stream has ended or failed. */
  closed(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.ended || this.error !== undefined) return resolve();
      const timer = setTimeout(() => reject(new Error("stream still open")), timeoutMs);
      this.waiters.push({
        count: Infinity,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  cancel(): void {
    this.call.cancel();
  }

  private wake(all = false): void {
    const ready = this.waiters.filter((w) => all || this.messages.length >= w.count);
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
