import { z } from "zod";
import { models, positiveInt } from "./field-schemas.js";
import { KEY_ID_PATTERN } from "./key-id.js";
import type { LimitSet, ScopeConfig } from "./types.js";
import { parseNested } from "./zod-problems.js";

/**
 * The limit sections that belong to a model or a scope rather than to one
 * key: `models` as an object of per-model limits, and a provider's `scopes`.
 */

const limitFields = {
  rpm: positiveInt.optional(),
  tpm: positiveInt.optional(),
  rpd: positiveInt.optional(),
};

const limitSet = z.strictObject(limitFields).transform((l): LimitSet => ({ rpm: l.rpm, tpm: l.tpm, rpd: l.rpd }));

/** Object keys are looked up verbatim; a blank name could never match a request's model. */
const modelLimitsObject = z.record(z.string().trim().min(1, "expected a non-empty model name"), limitSet);

/** `models`: today's list of models a key serves, or an object of limits per model (which restricts nothing). */
export interface ModelsDoc {
  readonly allowed: readonly string[] | undefined;
  readonly limits: Readonly<Record<string, LimitSet>> | undefined;
}

export const modelsField = z.unknown().transform((input, ctx): ModelsDoc => {
  if (Array.isArray(input)) return { allowed: parseNested(models, input, ctx), limits: undefined };
  if (input !== null && typeof input === "object") return { allowed: undefined, limits: parseNested(modelLimitsObject, input, ctx) };
  ctx.addIssue({ code: "custom", message: 'expected an array of model names, or an object of limits per model such as {"gpt-4o": {"rpm": 5}}' });
  return z.NEVER;
});

const scopeObject = z.strictObject({ ...limitFields, models: modelLimitsObject.optional() });

const SCOPE_NAME_REASON = "expected a scope name of 1 to 64 letters, digits, '.', '_' or '-'";

/** A scope's name, on a key or provider (`"scope": "proj-a"`); it appears in statistics like a key id. */
export const scopeName = z.string(SCOPE_NAME_REASON).regex(KEY_ID_PATTERN, SCOPE_NAME_REASON);

/** A provider's `scopes`, by name. */
export const scopesField = z.record(scopeName, scopeObject).transform((doc): Record<string, ScopeConfig> => {
  const out: Record<string, ScopeConfig> = {};
  for (const [name, s] of Object.entries(doc)) out[name] = { name, rpm: s.rpm, tpm: s.tpm, rpd: s.rpd, modelLimits: s.models ?? {} };
  return out;
});
