import { type Path, type Problem, problemAt, formatPath } from "./problem.js";

/**
 * `${VAR}` interpolation over a parsed JSON document. It runs on string
 * values after JSON.parse, so a variable's value can never break the JSON
 * syntax (a key containing `"` stays one string) and syntax errors are
 * reported against the text the user wrote.
 *
 *   ${NAME}            value of NAME; an error if NAME is unset
 *   ${NAME:-default}   default when NAME is unset or empty
 *   ${NAME-default}    default only when NAME is unset
 *   $${                a literal "${"
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  readonly value: unknown;
  readonly problems: Problem[];
  /** Strings that could not be resolved; findings inside them are noise. */
  readonly failedPaths: Path[];
}

/** Deeper than any sensible config; stops stack exhaustion on hostile input. */
export const MAX_DEPTH = 32;

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-)(.*))?$/s;

export function interpolateDocument(document: unknown, env: Env): Interpolated {
  const problems: Problem[] = [];
  const failedPaths: Path[] = [];
  let tooDeep = false;

  const walk = (node: unknown, path: Path): unknown => {
    if (path.length > MAX_DEPTH) {
      if (!tooDeep) problems.push(problemAt([], `the document is nested more than ${MAX_DEPTH} levels deep`));
      tooDeep = true;
      return null;
    }
    if (typeof node === "string") {
      const result = interpolateString(node, env);
      if (result.error !== undefined) {
        problems.push({ path, message: `${result.error} (at ${formatPath(path) || "top level"})` });
        failedPaths.push(path);
      }
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === "object") {
      // fromEntries defines own properties, so a "__proto__" field stays a
      // field (and is then reported as unknown) instead of becoming a prototype.
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, [...path, k])]));
    }
    return node;
  };

  const value = walk(document, []);
  return { value, problems, failedPaths };
}

interface StringResult {
  readonly value: string;
  /** The first problem in the string; its text never includes the string. */
  readonly error?: string;
}

export function interpolateString(text: string, env: Env): StringResult {
  let out = "";
  let error: string | undefined;
  let i = 0;
  while (i < text.length) {
    if (text.startsWith("$${", i)) {
      out += "${";
      i += 3;
      continue;
    }
    if (!text.startsWith("${", i)) {
      out += text[i];
      i += 1;
      continue;
    }
    const end = text.indexOf("}", i + 2);
    if (end < 0) {
      error ??= 'unterminated "${" (write "$${" for a literal "${")';
      break;
    }
    const resolved = resolveReference(text.slice(i + 2, end), env);
    if (typeof resolved === "string") out += resolved;
    else error ??= resolved.error;
    i = end + 1;
  }
  return error === undefined ? { value: out } : { value: out, error };
}

function resolveReference(inner: string, env: Env): string | { error: string } {
  const match = REFERENCE.exec(inner);
  const name = match?.[1];
  if (match === null || name === undefined) {
    return { error: 'invalid variable reference (expected "${NAME}" or "${NAME:-default}")' };
  }
  const operator = match[2];
  const fallback = match[3] ?? "";
  if (fallback.includes("${")) return { error: `nested references in the default of ${name} are not supported` };
  const value = env[name];
  if (operator === ":-" && (value === undefined || value === "")) return fallback;
  if (operator === "-" && value === undefined) return fallback;
  if (value === undefined) return { error: `missing environment variable ${name}` };
  return value;
}
