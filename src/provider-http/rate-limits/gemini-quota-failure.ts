import { isRecord } from "./error-body.js";
import { parseProtoDuration } from "./go-duration.js";
import { nextPacificMidnight } from "./pacific-midnight.js";
import type { ParseNote, QuotaExhaustion, RateLimitDimension, RateLimitFact, RateLimitScope, RateLimitWindow } from "./rate-limit-facts.js";

const quotaFailureType = "type.googleapis.com/google.rpc.QuotaFailure";
const retryInfoType = "type.googleapis.com/google.rpc.RetryInfo";
/** At most this many violations are read: a real answer carries one or two. */
const MAX_VIOLATIONS = 16;

/**
 * Gemini ids are CamelCase words with an optional tier suffix
 * (`GenerateRequestsPerDayPerProjectPerModel-FreeTier`). Anything else is not kept,
 * so a body that quotes a key cannot get it through as an id.
 */
const quotaIdPattern = /^[A-Z][A-Za-z]{0,120}(?:-[A-Z][A-Za-z]{0,30})?$/;
/** Model names are lower-case (`gemini-2.5-pro`); a mixed-case value is no model of Gemini's. */
const modelPattern = /^[a-z][a-z0-9.-]{0,79}$/;

export interface GeminiQuotaFacts {
  limits: RateLimitFact[];
  retryAfterMs?: number;
  exhausted?: QuotaExhaustion;
}

/**
 * Reads a Gemini 429 body (a google.rpc.Status): QuotaFailure violations and
 * RetryInfo.retryDelay. A per-day quota lasts until the next midnight
 * Pacific, whatever retryDelay says.
 */
export function readGeminiQuotaFailure(body: unknown, now: number, requestModel: string | undefined, notes: ParseNote[]): GeminiQuotaFacts {
  const result: GeminiQuotaFacts = { limits: [] };
  // An absent or unreadable body has been noted already.
  if (body === undefined) return result;
  const error = isRecord(body) ? body["error"] : undefined;
  const details = isRecord(error) ? error["details"] : undefined;
  if (!Array.isArray(details)) {
    notes.push({ field: "error.details", reason: "missing: no quota details" });
    return result;
  }
  for (const detail of details.slice(0, MAX_VIOLATIONS)) {
    if (!isRecord(detail)) continue;
    if (detail["@type"] === retryInfoType) {
      const delay = detail["retryDelay"];
      const ms = typeof delay === "string" ? parseProtoDuration(delay) : undefined;
      if (ms === undefined) notes.push({ field: "RetryInfo.retryDelay", reason: "expected a duration such as 2s" });
      else result.retryAfterMs = ms;
    }
  }
  for (const detail of details.slice(0, MAX_VIOLATIONS)) {
    if (!isRecord(detail) || detail["@type"] !== quotaFailureType) continue;
    const violations = detail["violations"];
    if (!Array.isArray(violations)) {
      notes.push({ field: "QuotaFailure.violations", reason: "expected a list" });
      continue;
    }
    for (const violation of violations.slice(0, MAX_VIOLATIONS)) {
      const fact = violationFact(violation, now, requestModel, result.retryAfterMs, notes);
      if (fact === undefined) continue;
      result.limits.push(fact);
      if (fact.window === "day" && result.exhausted === undefined) {
        result.exhausted = { reason: "daily_quota", scope: fact.scope, resetAt: fact.resetAt ?? nextPacificMidnight(now), source: "gemini-quota-failure" };
        if (fact.model !== undefined) result.exhausted.model = fact.model;
      }
    }
  }
  return result;
}

function violationFact(
  violation: unknown,
  now: number,
  requestModel: string | undefined,
  retryAfterMs: number | undefined,
  notes: ParseNote[],
): RateLimitFact | undefined {
  if (!isRecord(violation)) return undefined;
  const quotaId = violation["quotaId"];
  if (typeof quotaId !== "string" || !quotaIdPattern.test(quotaId)) {
    notes.push({ field: "QuotaFailure.violations.quotaId", reason: "missing or not a quota id" });
    return undefined;
  }
  const window = windowOf(quotaId);
  const fact: RateLimitFact = {
    scope: scopeOf(quotaId),
    dimension: dimensionOf(quotaId),
    remaining: 0,
    quotaId,
    source: "gemini-quota-failure",
  };
  if (window !== undefined) fact.window = window;
  const dimensions = violation["quotaDimensions"];
  const model = isRecord(dimensions) ? dimensions["model"] : undefined;
  if (typeof model === "string" && modelPattern.test(model)) fact.model = model;
  else if (model !== undefined) notes.push({ field: "QuotaFailure.violations.quotaDimensions.model", reason: "not a model name" });
  else if (requestModel !== undefined) fact.model = requestModel;
  const value = violation["quotaValue"];
  const limit = typeof value === "string" && /^\d{1,15}$/.test(value) ? Number(value) : typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (limit !== undefined) fact.limit = limit;
  else if (value !== undefined) notes.push({ field: "QuotaFailure.violations.quotaValue", reason: "expected a non-negative integer" });
  if (window === "day") fact.resetAt = nextPacificMidnight(now);
  else if (retryAfterMs !== undefined) fact.resetAt = now + retryAfterMs;
  return fact;
}

function windowOf(quotaId: string): RateLimitWindow | undefined {
  if (quotaId.includes("PerDay")) return "day";
  if (quotaId.includes("PerMinute")) return "minute";
  return undefined;
}

function dimensionOf(quotaId: string): RateLimitDimension {
  if (quotaId.includes("InputToken")) return "input_tokens";
  if (quotaId.includes("OutputToken")) return "output_tokens";
  if (quotaId.includes("Token")) return "tokens";
  return "requests";
}

/** Gemini counts per project ("rate limits are applied per project, not per API key"), unless the id says per user. */
function scopeOf(quotaId: string): RateLimitScope {
  return quotaId.includes("PerUser") ? "key" : "project";
}
