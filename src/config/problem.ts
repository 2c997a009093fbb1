/**
 * A located finding in a config source. Every error and warning the loader
 * produces goes through here, so that paths look the same everywhere
 * (`openai.keys[2].rpm`) and no value ever needs to be echoed to locate one.
 */

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface Problem {
  /** Where in the document; used to group and filter problems. */
  readonly path: Path;
  /** The full text shown to the user. Never contains a value from the input. */
  readonly message: string;
}

/**
 * Field and provider names are shown as written when they look like names
 * (a typo such as "rmp" must be findable). Anything long, digit-heavy or
 * oddly spelled may be a key pasted in the wrong place, so it is not echoed.
 */
const NAME_LIKE = /^[A-Za-z_-][A-Za-z0-9_-]{0,31}$/;
const MAX_DIGITS = 3;
const HIDDEN_NAME = "<name hidden>";

export function displayName(name: string): string {
  const digits = name.replace(/\D/g, "").length;
  return NAME_LIKE.test(name) && digits <= MAX_DIGITS ? name : HIDDEN_NAME;
}

/** `["openai", "keys", 2, "rpm"]` → `openai.keys[2].rpm`. */
export function formatPath(path: Path): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") {
      out += `[${segment}]`;
    } else {
      out += (out === "" ? "" : ".") + displayName(segment);
    }
  }
  return out;
}

/** `path: reason`, or just the reason for the document as a whole. */
export function problemAt(path: Path, reason: string): Problem {
  const where = formatPath(path);
  return { path, message: where === "" ? reason : `${where}: ${reason}` };
}

/** True when `path` is `prefix` or lies inside it. */
export function isWithin(path: Path, prefix: Path): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => path[i] === segment);
}
