import { allKeysDisabled, noKeyCanServe, poolBusy, type KeypoolError } from "../protocol/keypool-error.js";

/**
 * The error for an acquisition that cannot be served now, whichever store
 * decided it: `disabledReasons` when every key is out of service (why each
 * is), otherwise the time until some key could serve it (Infinity: never).
 */
export function refusalError(provider: string, disabledReasons: readonly string[] | undefined, retryMs: number): KeypoolError {
  if (disabledReasons !== undefined) {
    return allKeysDisabled(`every key of provider ${provider} is disabled (${[...new Set(disabledReasons)].join("; ")})`);
  }
  if (Number.isFinite(retryMs)) {
    const ms = Math.max(1, Math.ceil(retryMs));
    // The common refusal, answered to every call of a flood: its stack is never shown (only its code, message and delay go out), so none is captured.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return poolBusy(`every key of provider ${provider} is at its limits or cooling down; retry in ${ms} ms`, ms);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
  return noKeyCanServe(
    `no key of provider ${provider} can ever serve this request (model not served, or estimated_tokens above every key's token limit)`,
  );
}
