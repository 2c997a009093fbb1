import type { ServerResponse } from "node:http";

/** The client went away while the body was on its way. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
}

/** The upstream sent nothing for longer than the idle limit (named so outcomeFromError reads it as a timeout). */
export class UpstreamIdleError extends Error {
  override readonly name = "TimeoutError";
  readonly code = "UPSTREAM_IDLE_TIMEOUT";
}

export interface PumpOptions {
  /** Shown each chunk before it is written. */
  readonly onChunk?: (chunk: Uint8Array) => void;
  /** Longest wait for the upstream's next chunk (time spent waiting for the client does not count). */
  readonly idleTimeoutMs?: number;
  /** Called when the idle limit is reached; it must make the source fail (destroy it with an UpstreamIdleError). */
  readonly onIdle?: () => void;
}

/**
 * Copies `source` to the client as it arrives, with backpressure: when the
 * client's socket buffer is full, reading stops until it drains, so a slow
 * reader holds the upstream back instead of filling memory. Resolves when
 * the source ended (the response is left open for the caller to end);
 * rejects with the source's error, or with ClientGoneError when the client
 * closed. Leaving the loop early destroys the source, which ends the
 * upstream request.
 */
export async function pumpBody(source: AsyncIterable<Uint8Array>, res: ServerResponse, options: PumpOptions = {}): Promise<void> {
  const { onChunk, idleTimeoutMs, onIdle } = options;
  let waitingForClient = false;
  const idle =
    idleTimeoutMs !== undefined && onIdle !== undefined
      ? setTimeout(() => {
          // A slow client is not an idle upstream: time spent waiting for it does not count.
          if (waitingForClient) idle?.refresh();
          else onIdle();
        }, idleTimeoutMs)
      : undefined;
  try {
    for await (const chunk of source) {
      idle?.refresh();
      if (res.destroyed) throw new ClientGoneError("client closed the connection");
      onChunk?.(chunk);
      if (!res.write(chunk)) {
        waitingForClient = true;
        await drained(res);
        waitingForClient = false;
        idle?.refresh();
      }
    }
  } finally {
    if (idle !== undefined) clearTimeout(idle);
  }
}

/** Resolves on `drain`, rejects on `close`; one cleanup removes both listeners, whichever comes first. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = () => {
      res.removeListener("drain", onDrain);
      res.removeListener("close", onClose);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ClientGoneError("client closed the connection"));
    };
    res.on("drain", onDrain);
    res.on("close", onClose);
    if (res.destroyed) onClose();
  });
}
