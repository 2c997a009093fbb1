import { readAnthropicHeaders } from "./anthropic-headers.js";
import { readAzureHeaders } from "./azure-headers.js";
import { errorField, parseErrorBody } from "./error-body.js";
import { readGeminiQuotaFailure } from "./gemini-quota-failure.js";
import { HeaderFields, parseCount, parseSeconds } from "./header-fields.js";
import { groqWindows, openaiWindows, readOpenaiHeaders } from "./openai-headers.js";
import { readOpenrouterHeaders } from "./openrouter-headers.js";
import type { ParsedRateLimits, ProviderAnswer, QuotaExhaustion } from "./rate-limit-facts.js";
import { rateLimitDialect } from "./rate-limit-dialect.js";

/**
 * Everything one provider answer says about rate limits and quotas, in one
 * shape for every dialect. Pure and total: missing or malformed values are
 * skipped and noted, never thrown; hostile input costs bounded work; nothing
 * of the body but numbers and known ids comes out.
 */
export function parseRateLimits(answer: ProviderAnswer): ParsedRateLimits {
  const dialect = rateLimitDialect(answer.provider);
  const fields = new HeaderFields(answer.headers);
  const { now, model } = answer;
  const notes = fields.notes;
  const result: ParsedRateLimits = { limits: [], notes };
  const failed = answer.status >= 400;
  const body = failed ? parseErrorBody(answer.errorBody, notes) : undefined;

  switch (dialect) {
    case "openai":
      result.limits = readOpenaiHeaders(fields, now, openaiWindows, "openai-headers", model);
      break;
    case "groq":
      result.limits = readOpenaiHeaders(fields, now, groqWindows, "groq-headers", model);
      break;
    case "azure":
      result.limits = readAzureHeaders(fields, model);
      break;
    case "anthropic":
      result.limits = readAnthropicHeaders(fields, model);
      break;
    case "openrouter":
      result.limits = readOpenrouterHeaders(fields, model);
      break;
    case "gemini":
      if (answer.status === 429) {
        const gemini = readGeminiQuotaFailure(body, now, model, notes);
        result.limits = gemini.limits;
        if (gemini.retryAfterMs !== undefined) result.retryAfterMs = gemini.retryAfterMs;
        if (gemini.exhausted !== undefined) result.exhausted = gemini.exhausted;
      }
      break;
  }

  if (dialect !== "gemini") {
    const retryAfterMs = fields.parsed("retry-after-ms", parseCount, "expected whole milliseconds") ?? fields.parsed("retry-after", parseSeconds, "expected seconds");
    if (retryAfterMs !== undefined) result.retryAfterMs = retryAfterMs;
  }
  const exhausted = result.exhausted ?? moneyGone(answer.status, dialect, result.retryAfterMs, body);
  if (exhausted !== undefined) result.exhausted = exhausted;
  return result;
}

/**
 * Answers that mean the money is gone, not that a window is full: they last
 * until someone pays, so a retry hint means nothing for them.
 */
function moneyGone(status: number, dialect: string, retryAfterMs: number | undefined, body: unknown): QuotaExhaustion | undefined {
  if (status === 402) return { reason: "payment_required", scope: "organization", source: "http-status" };
  if (status !== 429) return undefined;
  // OpenAI (and the compatible ones copying it) says "You exceeded your current quota" with this code.
  if (errorField(body, "code") === "insufficient_quota") return { reason: "spend_limit", scope: "organization", source: "error-code" };
  // Anthropic sends retry-after on every rate-limit 429; only its spend limit comes without one.
  if (dialect === "anthropic" && retryAfterMs === undefined) return { reason: "spend_limit", scope: "organization", source: "http-status" };
  return undefined;
}
