import { outcomeFromError } from "../../../src/provider-http/error-outcome.js";
import { outcomeFromFetchResponse } from "../../../src/provider-http/fetch-response-outcome.js";
import type { Lease } from "./lease.js";
import type { AcquireOptions, LeaseBroker, UsageReport } from "./lease-broker.js";
import { responseAnswer, thrownAnswer } from "./response-answer.js";
import { mergeUsage, type TokenUsage } from "../../../src/provider-http/token-usage.js";
import { usageFromBody } from "../../../src/provider-http/usage-from-response.js";

export interface WithKeyOptions<T> extends AcquireOptions {
  /** Reads the token usage of a result whose shape the built-in reader does not know. */
  readonly usage?: (result: T) => TokenUsage | undefined;
}

/**
 * Leases a key of `provider`, runs `fn(lease)` and reports exactly once:
 * success with the token usage found in the result (OpenAI, Anthropic and
 * Gemini result objects), or the outcome, HTTP status and retry delay found in
 * what `fn` threw (the OpenAI, Anthropic and Google SDKs' errors, a fetch
 * Response). Then returns the result or rethrows. A fetch Response returned
 * (or thrown) by `fn` is reported by its status, with its rate-limit headers
 * and, for an error, the first 8 KiB of its body, read from a clone; an SDK
 * error passes on the headers and error body it keeps. The report is awaited, so a retry by the
 * caller already sees a rate-limited key cooling down.
 */
export async function withKey<T>(
  broker: LeaseBroker,
  provider: string,
  fn: (lease: Lease) => T | Promise<T>,
  options: WithKeyOptions<T> = {},
): Promise<T> {
  const lease = await broker.acquire(provider, options);
  const started = performance.now();
  let result: T;
  try {
    result = await fn(lease);
  } catch (err) {
    await broker.finish(lease, { ...(await thrownOutcome(err, lease)), latencyMs: performance.now() - started });
    throw err;
  }
  const latencyMs = performance.now() - started;
  if (typeof Response !== "undefined" && result instanceof Response) {
    await broker.finish(lease, { ...(await responseReport(result, lease)), latencyMs });
  } else {
    await broker.finish(lease, { outcome: "success", ...usageFields(options.usage?.(result) ?? usageFromBody(result)), latencyMs });
  }
  return result;
}

/**
 * `withKey` for streamed calls: `fn(lease)` returns an async iterable (an
 * OpenAI or Anthropic SDK stream, `generateContentStream` of @google/genai);
 * its items are passed through while their usage is read, and the lease is
 * reported when the stream ends — as a success, as the error that ended it,
 * or as cancelled when the consumer stopped early.
 */
export async function* withKeyStream<T>(
  broker: LeaseBroker,
  provider: string,
  fn: (lease: Lease) => AsyncIterable<T> | Promise<AsyncIterable<T>>,
  options: AcquireOptions = {},
): AsyncGenerator<T, void, undefined> {
  const lease = await broker.acquire(provider, options);
  const started = performance.now();
  let usage: TokenUsage | undefined;
  let ended: UsageReport | undefined;
  try {
    for await (const item of await fn(lease)) {
      usage = mergeUsage(usage, usageFromBody(item));
      yield item;
    }
    ended = { outcome: "success", ...usageFields(usage) };
  } catch (err) {
    ended = { ...(await thrownOutcome(err, lease)), ...usageFields(usage) };
    throw err;
  } finally {
    // Neither finished nor failed: the consumer left the loop early.
    const report = ended ?? { outcome: "cancelled", errorMessage: "stream abandoned by the caller", ...usageFields(usage) };
    await broker.finish(lease, { ...report, latencyMs: performance.now() - started });
  }
}

async function thrownOutcome(err: unknown, lease: Lease): Promise<UsageReport> {
  if (typeof Response !== "undefined" && err instanceof Response) return responseReport(err, lease);
  return { ...outcomeFromError(err, { secrets: [lease.apiKey] }), ...thrownAnswer(err) };
}

/** A fetch Response's outcome with the provider's own words on its limits: rate-limit headers, an error's body prefix. */
async function responseReport(res: Response, lease: Lease): Promise<UsageReport> {
  const [outcome, answer] = await Promise.all([outcomeFromFetchResponse(res, { secrets: [lease.apiKey] }), responseAnswer(res)]);
  return { ...outcome, ...answer };
}

function usageFields(usage: TokenUsage | undefined): Pick<UsageReport, "promptTokens" | "completionTokens"> {
  return {
    ...(usage?.promptTokens === undefined ? {} : { promptTokens: usage.promptTokens }),
    ...(usage?.completionTokens === undefined ? {} : { completionTokens: usage.completionTokens }),
  };
}
