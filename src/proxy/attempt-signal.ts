/** Aborts one upstream attempt: when the client leaves, or when its answer does not start in time. */
export interface AttemptSignal {
  readonly signal: AbortSignal;
  /** True when the deadline, not the client, aborted the attempt. */
  readonly timedOut: boolean;
  /** The answer's headers are in: from now on only the client can abort (the body has its idle limit). */
  endDeadline(): void;
  /** Removes the timer and the link to the client's signal; call when the attempt is over. */
  dispose(): void;
}

/**
 * A signal for one attempt that follows the client's (`parent`) and fires
 * by itself after `timeoutMs`. A timer of our own, not undici's
 * headersTimeout: undici's timers are coarse (half-second ticks) and a
 * deadline of a few hundred milliseconds must hold.
 */
export function attemptSignal(parent: AbortSignal, timeoutMs: number): AttemptSignal {
  const controller = new AbortController();
  let timedOut = false;
  const onParent = () => controller.abort(parent.reason);
  if (parent.aborted) controller.abort(parent.reason);
  else parent.addEventListener("abort", onParent, { once: true });
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort(new DOMException(`no answer within ${Math.round(timeoutMs)} ms`, "TimeoutError"));
    },
    Math.max(1, timeoutMs),
  );
  return {
    signal: controller.signal,
    get timedOut() {
      return timedOut;
    },
    endDeadline: () => clearTimeout(timer),
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParent);
    },
  };
}
