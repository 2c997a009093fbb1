import { headerReader } from "./header-reader.js";
import { outcomeFromHttp, type HttpOutcomeOptions } from "./http-outcome.js";
import type { CallOutcome } from "../protocol/outcome.js";
import { safeMessage } from "./safe-message.js";

/**
 * The outcome of a provider call that threw, read from the error:
 * - the OpenAI and Anthropic SDKs' `APIError` (`status`, `headers`, `error` body);
 * - the Google Gen AI SDK's `ApiError` (`status`, the JSON body in `message`);
 * - a thrown fetch `Response`, or an error carrying `response: {status, headers, data}`;
 * - timeouts (`timeout`), aborts (`cancelled`), connection failures (`server_error`,
 *   no status: the provider did not answer, which is no fault of the key by itself).
 * Anything else is an error of the caller's own code: `cancelled`, which leaves the key alone.
 */
export function outcomeFromError(err: unknown, options: HttpOutcomeOptions = {}): CallOutcome {
  if (typeof Response !== "undefined" && err instanceof Response) {
    return outcomeFromHttp(err.status, headerReader(err.headers), undefined, options);
  }
  if (err === null || typeof err !== "object") return { outcome: "cancelled", errorMessage: "caller error" };
  const e = err as Record<string, unknown>;
  const status = httpStatusOf(e);
  if (status !== undefined) {
    const response = e["response"] !== null && typeof e["response"] === "object" ? (e["response"] as Record<string, unknown>) : undefined;
    const headers = e["headers"] ?? response?.["headers"];
    return outcomeFromHttp(status, headerReader(headers), bodyOf(e, response), options);
  }
  const name = errorName(e);
  const message = typeof e["message"] === "string" ? e["message"] : "";
  const code = typeof e["code"] === "string" ? e["code"] : typeof causeOf(e)?.["code"] === "string" ? String(causeOf(e)?.["code"]) : "";
  const describe = (kind: string) => safeMessage(`${kind}: ${name}${message === "" ? "" : ` ${message}`}`, options.secrets);
  if (/Timeout/i.test(name) || /TIMEDOUT|TIMEOUT/.test(code)) return { outcome: "timeout", errorMessage: describe("timeout") };
  if (name === "AbortError" || name === "APIUserAbortError") return { outcome: "cancelled", errorMessage: describe("aborted") };
  if (/Connection/i.test(name) || /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EPIPE|UND_ERR)/.test(code) || message === "fetch failed") {
    return { outcome: "server_error", errorMessage: describe("connection error") };
  }
  return { outcome: "cancelled", errorMessage: safeMessage(`caller error: ${name}`, options.secrets) };
}

/** The HTTP status an SDK error carries (`status`, `statusCode` or `response.status`), if any. */
export function httpStatusOf(e: Record<string, unknown>): number | undefined {
  const response = e["response"] !== null && typeof e["response"] === "object" ? (e["response"] as Record<string, unknown>) : undefined;
  for (const candidate of [e["status"], e["statusCode"], response?.["status"]]) {
    if (typeof candidate === "number" && Number.isInteger(candidate) && candidate >= 100 && candidate <= 599) return candidate;
  }
  return undefined;
}

/** The provider's error body as an SDK error keeps it (parsed, or the text it has), if any. */
export function bodyOf(e: Record<string, unknown>, response: Record<string, unknown> | undefined): unknown {
  // OpenAI keeps the inner `error` object, Anthropic the whole body; both have a message.
  const error = e["error"];
  if (error !== null && typeof error === "object") {
    return "error" in (error as object) ? error : { error };
  }
  if (response !== undefined && response["data"] !== undefined) return response["data"];
  // @google/genai puts the JSON body into the message: `{"error":{...}}` or `got status: ... {json}`.
  const message = typeof e["message"] === "string" ? e["message"] : "";
  const start = message.indexOf("{");
  if (start >= 0) {
    try {
      return JSON.parse(message.slice(start));
    } catch {
      // not JSON after all
    }
  }
  return message === "" ? undefined : message;
}

/** The error's own name (DOMException's `TimeoutError`), else its class (SDK errors keep `name` as "Error"). */
function errorName(e: Record<string, unknown>): string {
  const name = e["name"];
  if (typeof name === "string" && name !== "" && name !== "Error") return name;
  const ctor = (e as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof ctor === "string" && ctor !== "" && ctor !== "Object" ? ctor : "Error";
}

function causeOf(e: Record<string, unknown>): Record<string, unknown> | undefined {
  const cause = e["cause"];
  return cause !== null && typeof cause === "object" ? (cause as Record<string, unknown>) : undefined;
}
