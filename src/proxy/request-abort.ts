import { EventEmitter } from "node:events";

/**
 * Ends one proxied request's upstream call, whichever attempt it is in: when
 * the client leaves, or when no answer's headers came by the deadline. undici
 * takes any EventEmitter with `aborted` and `reason` as a request's signal;
 * one of these per request replaces an AbortController per request and
 * another per attempt, with their EventTarget listeners.
 */
export class RequestAbort extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;
  /** True when the deadline, not the client, ended the request. */
  timedOut = false;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }

  /** For a wait in the pool, which takes an AbortSignal: one that follows this, made only when a wait is possible. */
  waitSignal(): { signal: AbortSignal; dispose(): void } {
    const controller = new AbortController();
    const onAbort = () => controller.abort(this.reason);
    if (this.aborted) onAbort();
    else this.once("abort", onAbort);
    return { signal: controller.signal, dispose: () => this.removeListener("abort", onAbort) };
  }
}
