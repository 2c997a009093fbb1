/** What a metered body tells its owner. Each hook runs at most once, except `chunk`. */
export interface BodyHooks {
  /** Bytes on their way to the consumer. */
  chunk(bytes: Uint8Array): void;
  /** The body ended; the consumer sees the end after this settles. */
  end(): Promise<void>;
  /** Reading the body failed (connection lost, aborted). */
  fail(err: unknown): Promise<void>;
  /** The consumer cancelled the body before its end. */
  cancel(reason: unknown): Promise<void>;
}

/**
 * A pass-through copy of `source` that lets the owner watch the bytes go by.
 * It reads from the source only when the consumer asks (no buffering ahead),
 * so a stream stays a stream.
 */
export function meteredBody(source: ReadableStream<Uint8Array>, hooks: BodyHooks): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let step: Awaited<ReturnType<typeof reader.read>>;
        try {
          step = await reader.read();
        } catch (err) {
          if (!settled) {
            settled = true;
            await hooks.fail(err);
          }
          controller.error(err);
          return;
        }
        if (step.done) {
          if (!settled) {
            settled = true;
            await hooks.end();
          }
          controller.close();
          return;
        }
        hooks.chunk(step.value);
        controller.enqueue(step.value);
      },
      async cancel(reason) {
        await reader.cancel(reason).catch(() => undefined);
        if (!settled) {
          settled = true;
          await hooks.cancel(reason);
        }
      },
    },
    { highWaterMark: 0 },
  );
}
