/** What happened to the provider call made with a leased key. */
export type Outcome =
  | "success"
  | "rate_limited"
  | "quota_exhausted"
  | "unauthorized"
  | "server_error"
  | "client_error"
  | "timeout"
  | "cancelled";

export const outcomes: readonly Outcome[] = [
  "success",
  "rate_limited",
  "quota_exhausted",
  "unauthorized",
  "server_error",
  "client_error",
  "timeout",
  "cancelled",
];

/**
 * The outcome an HTTP status stands for, when the caller reported only the
 * status. Undefined when the status says nothing (0, 1xx, 3xx).
 */
export function outcomeFromHttpStatus(status: number): Outcome | undefined {
  if (status >= 200 && status < 300) return "success";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 408 || status === 504) return "timeout";
  if (status === 499) return "cancelled";
  if (status >= 500 && status < 600) return "server_error";
  if (status >= 400 && status < 500) return "client_error";
  return undefined;
}
