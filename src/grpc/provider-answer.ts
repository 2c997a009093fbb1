import type { ReportUsageRequest } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { invalidArgument } from "../protocol/keypool-error.js";
import { MAX_ERROR_BODY_BYTES } from "../provider-http/rate-limits/error-body.js";

/** Enough for every rate-limit header of every provider with room to spare; more is a caller's bug. */
export const MAX_RESPONSE_HEADERS = 64;
export const MAX_HEADER_NAME_CHARS = 128;
export const MAX_HEADER_VALUE_CHARS = 1024;

/**
 * Rejects `response_headers` and `error_body` beyond their documented caps,
 * before the report changes anything. Messages name the field and the cap,
 * never a header's name or value.
 */
export function checkProviderAnswer(req: Pick<ReportUsageRequest, "responseHeaders" | "errorBody">): void {
  const names = Object.keys(req.responseHeaders);
  if (names.length > MAX_RESPONSE_HEADERS) {
    throw invalidArgument(`response_headers: ${names.length} entries, at most ${MAX_RESPONSE_HEADERS} allowed`);
  }
  for (const name of names) {
    if (name.length === 0 || name.length > MAX_HEADER_NAME_CHARS) {
      throw invalidArgument(`response_headers: a name is empty or longer than ${MAX_HEADER_NAME_CHARS} characters`);
    }
    if (name !== name.toLowerCase()) throw invalidArgument("response_headers: names must be lower case");
    if ((req.responseHeaders[name] ?? "").length > MAX_HEADER_VALUE_CHARS) {
      throw invalidArgument(`response_headers: a value is longer than ${MAX_HEADER_VALUE_CHARS} characters`);
    }
  }
  if (req.errorBody.length > MAX_ERROR_BODY_BYTES) {
    throw invalidArgument(`error_body: ${req.errorBody.length} bytes, at most ${MAX_ERROR_BODY_BYTES} (send the first 8 KiB)`);
  }
}
