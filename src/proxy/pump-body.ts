import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { DeadlineSweep } from "./deadline-sweep.js";

/** The client went away while the body was on its way. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
}

/** The upstream sent nothing for longer than the idle limit (named so outcomeFromError reads it as a timeout). */
export class UpstreamIdleError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "UPSTREAM_IDLE_TIMEOUT";
}

/** The upstream's body ended without its end (the connection closed early). */
class PrematureCloseError extends Error {
  override readonly name = "PrematureCloseError";
  readonly code = "ERR_STREAM_PREMATURE_CLOSE";
}

/** The longest wait for the upstream's next chunk (time spent waiting for the client does not count), on the proxy's shared deadlines. */
export interface IdleLimit {
  readonly sweep: DeadlineSweep;
  readonly timeoutMs: number;
  /** Called when the limit is reached; it must make the source fail (destroy it with an UpstreamIdleError). */
  readonly onIdle: () => void;
}

export interface PumpOptions {
  /** Shown each chunk before it is written (the usage watcher). */
  readonly watcher?: { push(chunk: Uint8Array): void } | undefined;
  readonly idle?: IdleLimit | undefined;
}

/**
 * Copies `source` to the client as it arrives, with backpressure: when the
 * client's socket buffer is full, reading stops until it drains, so a slow
 * reader holds the upstream back instead of filling memory. Resolves when
 * the source ended (the response is left open for the caller to end);
 * rejects with the source's error, or with ClientGoneError when the client
 * closed, and then destroys the source, which ends the upstream request.
 * Stream events rather than an async iterator: the iterator's promises and
 * end-of-stream watchers cost more than the copy.
 */
export function pumpBody(source: Readable, res: ServerResponse, options: PumpOptions = {}): Promise<void> {
  const { watcher, idle } = options;
  return new Promise<void>((resolve, reject) => {
    const deadline = idle === undefined ? undefined : idle.sweep.arm(performance.now() + idle.timeoutMs, idle.onIdle);
    let settled = false;
    const finish = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      source.removeListener("data", onData);
      source.removeListener("end", onEnd);
      source.removeListener("error", finish);
      source.removeListener("close", onSourceClose);
      res.removeListener("drain", onDrain);
      res.removeListener("close", onClientClose);
      if (deadline !== undefined) idle?.sweep.disarm(deadline);
      if (err === undefined) {
        resolve();
      } else {
        source.destroy();
        reject(err);
      }
    };
    const onData = (chunk: Buffer) => {
      if (res.destroyed) {
        finish(new ClientGoneError("client closed the connection"));
        return;
      }
      watcher?.push(chunk);
      if (res.write(chunk)) {
        if (deadline !== undefined) deadline.at = performance.now() + (idle?.timeoutMs ?? 0);
      } else {
        // A slow client is not an idle upstream.
        if (deadline !== undefined) deadline.at = Infinity;
        source.pause();
        res.once("drain", onDrain);
      }
    };
    const onDrain = () => {
      if (deadline !== undefined) deadline.at = performance.now() + (idle?.timeoutMs ?? 0);
      source.resume();
    };
    const onEnd = () => finish(undefined);
    const onSourceClose = () => {
      if (!source.readableEnded) finish(new PrematureCloseError("the upstream closed its answer before its end"));
    };
    const onClientClose = () => finish(new ClientGoneError("client closed the connection"));
    source.on("data", onData);
    source.once("end", onEnd);
    source.once("error", finish);
    source.once("close", onSourceClose);
    res.once("close", onClientClose);
    if (res.destroyed) onClientClose();
    else source.resume();
  });
}
