import { headerReader } from "./header-reader.js";
import { outcomeFromHttp, parseBody, type HttpOutcomeOptions } from "./http-outcome.js";
import type { CallOutcome } from "../protocol/outcome.js";

/**
 * The outcome of a fetch Response without consuming it: an error response's
 * body is read from a clone (error bodies are small and carry the reason);
 * a successful one is judged by its status alone.
 */
export async function outcomeFromFetchResponse(res: Response, options: HttpOutcomeOptions = {}): Promise<CallOutcome> {
  let body: unknown;
  if (!res.ok && !res.bodyUsed && res.body !== null) {
    try {
      body = parseBody(await res.clone().text());
    } catch {
      body = undefined;
    }
  }
  return outcomeFromHttp(res.status, headerReader(res.headers), body, options);
}
