/**
 * Locates the first JSON syntax error in a text that JSON.parse rejected.
 *
 * V8's own messages are not usable: some quote the surrounding text (which
 * may hold a secret) and some carry no position at all. This small scanner
 * follows RFC 8259 and reports an offset and a reason that never quotes input.
 */

export interface JsonSyntaxError {
  /** Offset of the offending character in `text` (UTF-16 code units). */
  readonly offset: number;
  readonly reason: string;
}

/** Far beyond a config's depth; keeps the recursive scanner off the stack limit. */
const MAX_NESTING = 512;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const fail = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const atEnd = (): boolean => i >= text.length;
  const skipWhitespace = (): void => {
    while (!atEnd() && " \t\n\r".includes(text[i] as string)) i += 1;
  };

  const value = (depth: number): void => {
    if (depth > MAX_NESTING) fail(`nested more than ${MAX_NESTING} levels deep`);
    skipWhitespace();
    if (atEnd()) fail("unexpected end of input");
    const c = text[i];
    if (c === "{") object(depth);
    else if (c === "[") array(depth);
    else if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else if (c === "t" || c === "f" || c === "n") literal();
    else if (c === "'") fail("strings must use double quotes");
    else fail("unexpected character");
  };

  const object = (depth: number): void => {
    i += 1; // {
    skipWhitespace();
    if (text[i] === "}") {
      i += 1;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (atEnd()) fail("unexpected end of input");
      if (text[i] === "}") fail("trailing comma before '}'");
      if (text[i] !== '"') fail("expected a double-quoted property name");
      string();
      skipWhitespace();
      if (text[i] !== ":") fail(atEnd() ? "unexpected end of input" : "expected ':' after property name");
      i += 1;
      value(depth + 1);
      skipWhitespace();
      if (text[i] === ",") {
        i += 1;
        continue;
      }
      if (text[i] === "}") {
        i += 1;
        return;
      }
      fail(atEnd() ? "unexpected end of input" : "expected ',' or '}' after property value");
    }
  };

  const array = (depth: number): void => {
    i += 1; // [
    skipWhitespace();
    if (text[i] === "]") {
      i += 1;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === "]") fail("trailing comma before ']'");
      value(depth + 1);
      skipWhitespace();
      if (text[i] === ",") {
        i += 1;
        continue;
      }
      if (text[i] === "]") {
        i += 1;
        return;
      }
      fail(atEnd() ? "unexpected end of input" : "expected ',' or ']' after array element");
    }
  };

  const string = (): void => {
    const start = i;
    i += 1; // opening quote
    for (;;) {
      if (atEnd()) fail("unterminated string", start);
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i += 1;
        return;
      }
      if (code < 0x20) fail("control character in string (newlines must be written as \\n)");
      if (code === 0x5c) {
        const next = text[i + 1];
        if (next === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail("invalid \\u escape");
          i += 6;
          continue;
        }
        if (next === undefined || !'"\\/bfnrt'.includes(next)) fail("invalid escape sequence");
        i += 2;
        continue;
      }
      i += 1;
    }
  };

  const number = (): void => {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (match === null) fail("invalid number");
    i = NUMBER.lastIndex;
    const next = text[i];
    if (next !== undefined && /[0-9.eE]/.test(next)) fail("invalid number");
  };

  const literal = (): void => {
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail("unexpected word (expected true, false, null, a number, a string, an object or an array)");
  };

  try {
    // A byte order mark is tolerated by the caller, so skip it here too.
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    value(0);
    skipWhitespace();
    if (!atEnd()) fail("unexpected content after the end of the document");
    return undefined;
  } catch (e) {
    if (e instanceof Stop) return { offset: e.offset, reason: e.reason };
    throw e;
  }
}

/** 1-based line and column of `offset`; "\r\n" and "\n" end a line. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k += 1) {
    if (text[k] === "\n") {
      line += 1;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
