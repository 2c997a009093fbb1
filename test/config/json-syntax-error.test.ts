import { describe, expect, it } from "vitest";
import { findJsonSyntaxError, lineAndColumn } from "../../src/config/json-syntax-error.js";

function locate(text: string): string | undefined {
  expect(() => JSON.parse(text)).toThrow(); // only meaningful for text JSON.parse rejects
  const error = findJsonSyntaxError(text);
  if (error === undefined) return undefined;
  const { line, column } = lineAndColumn(text, error.offset);
  return `${line}:${column} ${error.reason}`;
}

describe("findJsonSyntaxError", () => {
  it.each([
    ['{"a": }', "1:7 unexpected character"],
    ['{"a": 1,}', "1:9 trailing comma before '}'"],
    ["[1, 2,]", "1:7 trailing comma before ']'"],
    ['{"a" 1}', "1:6 expected ':' after property name"],
    ['{\n  "a": 1\n  "b": 2\n}', "3:3 expected ',' or '}' after property value"],
    ['{"a": "abc', "1:7 unterminated string"],
    ['{"a": tru}', "1:7 unexpected word (expected true, false, null, a number, a string, an object or an array)"],
    ["[1, 2", "1:6 unexpected end of input"],
    ['{"a": "\\q"}', "1:8 invalid escape sequence"],
    ['{"a": "x\ny"}', "1:9 control character in string (newlines must be written as \\n)"],
    ["01", "1:2 invalid number"],
    ['{"a": 1}}', "1:9 unexpected content after the end of the document"],
    ["{'a': 1}", "1:2 expected a double-quoted property name"],
    ["['a']", "1:2 strings must use double quotes"],
    ['{\r\n  "a": ,\r\n}', "2:8 unexpected character"],
  ])("locates the error in %j", (text, expected) => {
    expect(locate(text)).toBe(expected);
  });

  it("accepts what JSON.parse accepts", () => {
    for (const text of ['{"a": [1, -2.5e3, "x\\u00e9", true, false, null, {}]}', " [ ] ", '"s"', "0"]) {
      expect(findJsonSyntaxError(text)).toBeUndefined();
    }
  });

  it("stops on deep nesting instead of exhausting the stack", () => {
    const error = findJsonSyntaxError("[".repeat(100_000));
    expect(error?.reason).toMatch(/nested more than/);
  });
});
