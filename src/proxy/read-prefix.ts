import type { Readable } from "node:stream";

/** The first bytes of a body, and the way to the rest. */
export interface BodyPrefix {
  readonly bytes: Buffer;
  /** True when `bytes` is the whole body. */
  readonly complete: boolean;
  /** What follows `bytes` (empty when complete). */
  readonly rest: AsyncIterable<Uint8Array>;
  /** Drops the rest of the body, releasing its connection. */
  discard(): void;
}

/**
 * Reads a body up to `limit` bytes (an error answer, to classify it) without
 * losing what follows: when the body is longer, the rest can still be passed
 * on. Rejects with the body's error.
 */
export async function readPrefix(body: Readable, limit: number): Promise<BodyPrefix> {
  const iterator = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  let complete = false;
  while (size <= limit) {
    const step = await iterator.next();
    if (step.done === true) {
      complete = true;
      break;
    }
    chunks.push(step.value);
    size += step.value.byteLength;
  }
  const rest: AsyncIterable<Uint8Array> = complete ? (async function* () {})() : { [Symbol.asyncIterator]: () => iterator };
  return {
    bytes: Buffer.concat(chunks, size),
    complete,
    rest,
    discard: () => {
      if (!complete) body.destroy();
    },
  };
}
