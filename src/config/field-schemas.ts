import { z } from "zod";
import { parseDuration, formatDuration } from "./duration.js";
import { KEY_ID_PATTERN } from "./key-id.js";
import { secretProblem } from "./secret-check.js";

/**
 * Leaf schemas of the config document. Each accepts the JSON type and, where
 * it makes `${VAR}` interpolation useful, a clean string form of it
 * (`"rpm": "${RPM:-60}"`). Reasons name the expectation, never the value.
 */

/** A leaf that parses with `parse` (undefined = invalid) and reports `reason`. */
function leaf<T>(parse: (input: unknown) => Box<T> | string | undefined, reason: string) {
  return z.unknown().transform((input, ctx): T => {
    if (input === undefined) {
      ctx.addIssue({ code: "custom", message: "required" });
      return z.NEVER;
    }
    const result = parse(input);
    if (result === undefined || typeof result === "string") {
      // A string result is a more specific reason than the default one.
      ctx.addIssue({ code: "custom", message: typeof result === "string" ? result : reason });
      return z.NEVER;
    }
    return result.value;
  });
}

/** Leaf results are boxed so that a string can mean "reason" rather than value. */
interface Box<T> {
  readonly value: T;
}
const box = <T>(value: T): Box<T> => ({ value });

const INTEGER_TEXT = /^\d+$/;
const DECIMAL_TEXT = /^\d+(?:\.\d+)?$/;

function numberFrom(input: unknown, pattern: RegExp): number | undefined {
  if (typeof input === "number") return Number.isFinite(input) ? input : undefined;
  if (typeof input === "string" && pattern.test(input.trim())) return Number(input.trim());
  return undefined;
}

export const positiveInt = leaf((input) => {
  const n = numberFrom(input, INTEGER_TEXT);
  return n !== undefined && Number.isSafeInteger(n) && n > 0 ? box(n) : undefined;
}, "expected a positive integer");

export const positiveNumber = leaf((input) => {
  const n = numberFrom(input, DECIMAL_TEXT);
  return n !== undefined && n > 0 ? box(n) : undefined;
}, "expected a positive number");

export function fraction(max: number) {
  return leaf((input) => {
    const n = numberFrom(input, DECIMAL_TEXT);
    return n !== undefined && n >= 0 && n <= max ? box(n) : undefined;
  }, `expected a number from 0 to ${max}`);
}

export const booleanish = leaf((input) => {
  if (typeof input === "boolean") return box(input);
  const text = typeof input === "string" ? input.trim().toLowerCase() : undefined;
  return text === "true" ? box(true) : text === "false" ? box(false) : undefined;
}, "expected true or false");

/** setTimeout fires at once for delays above 2^31-1 ms (~24.8 days). */
export const MAX_TIMER_MS = 24 * 86_400_000;

const DURATION_REASON = 'expected a duration such as "500ms", "10s", "1m", "1h" or "1d", or a number of milliseconds';

export function duration(options: { allowZero?: boolean; maxMs?: number } = {}) {
  return leaf((input) => {
    const ms = parseDuration(input);
    if (ms === undefined) return undefined;
    if (ms === 0 && options.allowZero !== true) return "expected a duration greater than zero";
    if (options.maxMs !== undefined && ms > options.maxMs) return `expected at most ${formatDuration(options.maxMs)}`;
    return box(ms);
  }, DURATION_REASON);
}

/** Also used for `<NAME>_BASE_URL` variables. */
export function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const { protocol } = new URL(text);
  return protocol === "http:" || protocol === "https:";
}

export const httpUrl = leaf(
  (input) => (typeof input === "string" && isHttpUrl(input.trim()) ? box(input.trim()) : undefined),
  "expected an http or https URL",
);

export const keyId = leaf(
  (input) => (typeof input === "string" && KEY_ID_PATTERN.test(input) ? box(input) : undefined),
  "expected an id of 1 to 64 letters, digits, '.', '_' or '-'",
);

const LABEL = /^[^\x00-\x1f\x7f]{1,128}$/u;

export const label = leaf(
  (input) => (typeof input === "string" && LABEL.test(input) ? box(input) : undefined),
  "expected a label of 1 to 128 printable characters",
);

/** Model names: non-empty strings, at least one (no models at all would serve nothing). */
export const models = leaf((input) => {
  if (!Array.isArray(input)) return "expected an array of model names";
  if (input.length === 0) return 'expected at least one model (omit "models" to serve every model)';
  const names = input.map((m) => (typeof m === "string" ? m.trim() : ""));
  if (names.some((m) => m === "")) return "expected every model to be a non-empty string";
  return box([...new Set(names)]);
}, "expected an array of model names");

/** The `key` field of an object entry: exactly one secret. */
export const secret = leaf((input) => {
  if (typeof input !== "string") return "expected a string";
  const text = input.trim();
  if (text.includes(",")) return 'expected one key (use a separate entry per key, or a plain string "k1,k2")';
  return secretProblem(text) ?? box(text);
}, "expected a string");
