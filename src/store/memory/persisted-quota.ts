import type { LearnedLimit } from "../../pool/learned-limits.js";
import { holdAt, NO_HOLD, type ScopeHold } from "../../pool/quota-scope.js";
import type { Quota } from "../../pool/quota.js";
import type { RateLimitSource } from "../../provider-http/rate-limits/rate-limit-facts.js";

/** Requests a window still counts, as `[at, tokens]`, oldest first. */
export type PersistedUsage = readonly (readonly [number, number])[];

/**
 * What of a quota beyond its general windows outlives the process: each
 * model's windows and the limits learned from the provider. Absent fields
 * (files written before either existed) mean none.
 */
export interface PersistedQuotaParts {
  readonly models?: Readonly<Record<string, PersistedUsage>>;
  readonly learned?: readonly LearnedLimit[];
}

/** A quota scope several keys share: its windows, its learned limits and its hold. */
export interface PersistedScope extends PersistedQuotaParts {
  readonly provider: string;
  readonly name: string;
  readonly usage: PersistedUsage;
  readonly hold?: ScopeHold;
}

/** The model windows and learned limits of `quota` worth keeping at `now`; empty when there are none. */
export function persistQuotaParts(quota: Quota, now: number): PersistedQuotaParts {
  quota.expire(now);
  const models = quota.modelHistories(now);
  const parts: { models?: Record<string, PersistedUsage>; learned?: readonly LearnedLimit[] } = {};
  if (Object.keys(models).length > 0) parts.models = models;
  if (quota.learned.length > 0) parts.learned = quota.learned;
  return parts;
}

/** The hold of a scope worth keeping at `now` (one still running), or undefined. */
export function persistHold(hold: ScopeHold, now: number): ScopeHold | undefined {
  const h = holdAt(hold, now);
  return h === NO_HOLD || h.state === "active" ? undefined : h;
}

const SOURCES: readonly RateLimitSource[] = ["openai-headers", "azure-headers", "anthropic-headers", "groq-headers", "openrouter-headers", "gemini-quota-failure"];

/** Reads `[at, tokens]` pairs; null when they are not. */
export function parseUsage(v: unknown): PersistedUsage | null {
  if (!Array.isArray(v)) return null;
  return v.every((e) => Array.isArray(e) && e.length === 2 && isNumber(e[0]) && isNumber(e[1]) && e[1] >= 0) ? (v as [number, number][]) : null;
}

/** Reads the optional `models` and `learned` of a key or scope; the error names the field that is wrong. */
export function parseQuotaParts(doc: Record<string, unknown>, at: string): { ok: true; parts: PersistedQuotaParts } | { ok: false; error: string } {
  const parts: { models?: Record<string, PersistedUsage>; learned?: LearnedLimit[] } = {};
  if (doc["models"] !== undefined) {
    const models = doc["models"];
    if (!isObject(models)) return { ok: false, error: `${at}.models: expected an object of [time, tokens] pairs per model` };
    parts.models = {};
    for (const [model, usage] of Object.entries(models)) {
      const u = parseUsage(usage);
      if (u === null) return { ok: false, error: `${at}.models: expected [time, tokens] pairs per model` };
      parts.models[model] = u;
    }
  }
  if (doc["learned"] !== undefined) {
    const learned = doc["learned"];
    if (!Array.isArray(learned)) return { ok: false, error: `${at}.learned: expected an array` };
    parts.learned = [];
    for (const [i, l] of learned.entries()) {
      const parsed = parseLearned(l);
      if (parsed === null) return { ok: false, error: `${at}.learned[${i}]: expected a learned limit` };
      parts.learned.push(parsed);
    }
  }
  return { ok: true, parts };
}

/** Reads a scope's hold; null when it is not one. */
export function parseScopeHold(v: unknown): ScopeHold | null {
  if (!isObject(v)) return null;
  const { state, reason, until } = v;
  if ((state !== "cooling_down" && state !== "exhausted") || typeof reason !== "string" || !isNumber(until)) return null;
  return { state, reason, until };
}

function parseLearned(v: unknown): LearnedLimit | null {
  if (!isObject(v)) return null;
  const { model, dimension, windowMs, limit, remaining, resetAt, others, usedSince, seenAt, expiresAt, source } = v;
  if (typeof model !== "string" || (dimension !== "requests" && dimension !== "tokens")) return null;
  if (!isNumber(windowMs) || !isNumber(others) || !isNumber(usedSince) || !isNumber(seenAt) || !isNumber(expiresAt)) return null;
  if (![limit, remaining, resetAt].every((x) => x === undefined || isNumber(x))) return null;
  if (!SOURCES.includes(source as RateLimitSource)) return null;
  return {
    model,
    dimension,
    windowMs,
    limit: limit as number | undefined,
    remaining: remaining as number | undefined,
    resetAt: resetAt as number | undefined,
    others,
    usedSince,
    seenAt,
    expiresAt,
    source: source as RateLimitSource,
  };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function isNumber(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v);
}
