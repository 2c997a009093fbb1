import { z } from "zod";
import { type Path, type Problem, problemAt } from "./problem.js";

/**
 * Turns zod issues into `path: reason` problems. zod's default messages may
 * describe the received value, so every reason is written here (or in a
 * field schema) from the issue's kind alone, never from its input.
 */

const EXPECTED: Readonly<Record<string, string>> = {
  string: "expected a string",
  number: "expected a number",
  boolean: "expected true or false",
  object: "expected an object",
  array: "expected an array",
};

/** Per-parse error map: only consulted for issues a schema gave no message. */
function humanReason(issue: z.core.$ZodRawIssue): string {
  if (issue.code === "invalid_type") {
    if (issue.input === undefined) return "required";
    return EXPECTED[issue.expected] ?? `expected ${issue.expected}`;
  }
  // A record's key (a scope's or model's name) that fails its own check.
  if (issue.code === "invalid_key") return "invalid name (scope names: 1 to 64 letters, digits, '.', '_' or '-'; model names: not empty)";
  if (issue.code === "too_small" && issue.origin === "array") return `expected at least ${String(issue.minimum)} item(s)`;
  if (issue.code === "too_big" && issue.origin === "array") return `expected at most ${String(issue.maximum)} item(s)`;
  return "invalid value";
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], base: Path): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...base, ...issue.path.map(toSegment)];
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) problems.push(problemAt([...path, key], "unknown field"));
    } else {
      problems.push(problemAt(path, issue.message));
    }
  }
  return problems;
}

function toSegment(segment: PropertyKey): string | number {
  return typeof segment === "number" ? segment : String(segment);
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** safeParse with human reasons, located under `base`. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, base: Path): Parsed<z.output<S>> {
  const result = schema.safeParse(input, { error: humanReason });
  return result.success ? { ok: true, value: result.data } : { ok: false, problems: issuesToProblems(result.error.issues, base) };
}

/**
 * Inside a transform: parse `input` with `schema` and re-raise its problems
 * on the outer context (relative to the current path), so nested custom
 * dispatch still reports every issue.
 */
export function parseNested<S extends z.ZodType>(
  schema: S,
  input: unknown,
  ctx: z.core.$RefinementCtx,
): z.output<S> | typeof z.NEVER {
  const result = schema.safeParse(input, { error: humanReason });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) ctx.addIssue({ code: "custom", message: "unknown field", path: [...issue.path, key] });
    } else {
      ctx.addIssue({ code: "custom", message: issue.message, path: [...issue.path] });
    }
  }
  return z.NEVER;
}
