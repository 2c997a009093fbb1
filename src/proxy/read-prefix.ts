import type { Readable } from "node:stream";

/** The first bytes of a body, and the way to the rest. */
export interface BodyPrefix {
  readonly bytes: Buffer;
  /** True when `bytes` is the whole body. */
  readonly complete: boolean;
  /** What follows `bytes` (paused; ended when complete). */
  readonly rest: Readable;
  /** Drops the rest of the body, releasing its connection. */
  discard(): void;
}

/**
 * Reads a body up to `limit` bytes (an error answer, to classify it) without
 * losing what follows: when the body is longer, it is paused after the chunk
 * that passed the limit, and the rest can still be passed on. Rejects with
 * the body's error.
 */
export function readPrefix(body: Readable, limit: number): Promise<BodyPrefix> {
  return new Promise<BodyPrefix>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.removeListener("data", onData);
      body.removeListener("end", onEnd);
      body.removeListener("error", onError);
      body.removeListener("close", onClose);
    };
    const done = (complete: boolean) => {
      cleanup();
      resolve({
        bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size),
        complete,
        rest: body,
        discard: () => {
          if (!complete) body.destroy();
        },
      });
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size > limit) {
        // Paused before the listener goes: a flowing stream without one would drop what follows.
        body.pause();
        done(false);
      }
    };
    const onEnd = () => done(true);
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (!body.readableEnded) onError(new Error("the body closed before its end"));
    };
    body.on("data", onData);
    body.once("end", onEnd);
    body.once("error", onError);
    body.once("close", onClose);
  });
}
