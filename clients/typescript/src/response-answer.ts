import { bodyOf, httpStatusOf } from "../../../src/provider-http/error-outcome.js";
import { MAX_ERROR_BODY_BYTES } from "../../../src/provider-http/rate-limits/error-body.js";
import { pickRateLimitHeaders } from "../../../src/provider-http/rate-limits/rate-limit-header-names.js";
import type { UsageReport } from "./lease-broker.js";

/** What a report carries of the provider's answer itself. */
export type AnswerFields = Pick<UsageReport, "responseHeaders" | "errorBody">;

/**
 * What a fetch Response tells the pool about the provider's limits, without
 * consuming it: its rate-limit headers and, for an error, the first 8 KiB of
 * its body, read from a clone. A success's body is never touched, so a stream
 * stays a stream and nothing of it is buffered.
 */
export async function responseAnswer(res: Response): Promise<AnswerFields> {
  const responseHeaders = pickRateLimitHeaders(res.headers);
  if (res.ok || res.bodyUsed || res.body === null) return { responseHeaders };
  const cloned = res.clone().body;
  const errorBody = cloned === null ? undefined : await readPrefix(cloned, MAX_ERROR_BODY_BYTES).catch(() => undefined);
  return errorBody === undefined ? { responseHeaders } : { responseHeaders, errorBody };
}

/** The first `max` bytes of a stream; the rest is cancelled unread. */
async function readPrefix(stream: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const step = await reader.read();
      if (step.done) break;
      chunks.push(step.value);
      size += step.value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, max);
}

/**
 * What a thrown SDK error keeps of the provider's answer: the rate-limit
 * headers of OpenAI's and Anthropic's `APIError` (or of an error's
 * `response`), and the error body, which @google/genai's `ApiError` keeps
 * in its message. Nothing when the error carries no HTTP status.
 */
export function thrownAnswer(err: unknown): AnswerFields {
  if (err === null || typeof err !== "object") return {};
  const e = err as Record<string, unknown>;
  const status = httpStatusOf(e);
  if (status === undefined) return {};
  const response = e["response"] !== null && typeof e["response"] === "object" ? (e["response"] as Record<string, unknown>) : undefined;
  const headers = e["headers"] ?? response?.["headers"];
  const responseHeaders = headers !== null && typeof headers === "object" ? pickRateLimitHeaders(headers as Record<string, string>) : {};
  if (status < 400) return { responseHeaders };
  const body = bodyOf(e, response);
  if (body === undefined) return { responseHeaders };
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { responseHeaders, errorBody: Buffer.from(text, "utf8").subarray(0, MAX_ERROR_BODY_BYTES) };
}
