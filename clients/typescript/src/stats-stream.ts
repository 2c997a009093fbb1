import { status, type Metadata, type ServiceError } from "@grpc/grpc-js";
import { durationFromMs } from "../../../src/protocol/duration.js";
import { toKeyPoolError } from "./errors.js";
import type { KeyPoolServiceClient, StreamStatsResponse } from "./gen/keypool/v1/keypool.js";

/** What to watch with `stats()`. */
export interface StatsOptions {
  /** Providers to include; all by default. */
  readonly providers?: readonly string[];
  /** Time between snapshots; the server's default (1 s) when unset. */
  readonly intervalMs?: number;
  /** Ends the iteration quietly when aborted. */
  readonly signal?: AbortSignal;
}

/**
 * StreamStats as an async iterator: a full snapshot at once, then one every
 * interval. Leaving the loop (break, return, an abort) cancels the call; a
 * failure is thrown as KeyPoolError.
 */
export async function* statsStream(
  raw: KeyPoolServiceClient,
  target: string,
  metadata: Metadata,
  options: StatsOptions,
): AsyncGenerator<StreamStatsResponse, void, undefined> {
  if (options.signal?.aborted === true) return;
  const call = raw.streamStats(
    { providers: [...(options.providers ?? [])], interval: options.intervalMs === undefined ? undefined : durationFromMs(options.intervalMs) },
    metadata,
  );
  const onAbort = () => call.cancel();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const snapshot of call) yield snapshot as StreamStatsResponse;
  } catch (err) {
    if ((err as ServiceError).code === status.CANCELLED && isAborted(options.signal)) return;
    throw toKeyPoolError(err, "StreamStats", target);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    call.cancel();
  }
}

/** Read through a call: the flag changes while the stream runs. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
