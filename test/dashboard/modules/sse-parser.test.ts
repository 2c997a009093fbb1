import { describe, expect, it } from "vitest";
import { createSseParser } from "../../../src/http/dashboard/sse-parser.js";

function parse(chunks: (string | Uint8Array)[]): { events: [string, string][]; retries: number[] } {
  const events: [string, string][] = [];
  const retries: number[] = [];
  const feed = createSseParser(
    (event: string, data: string) => events.push([event, data]),
    (ms: number) => retries.push(ms),
  );
  for (const c of chunks) feed(c);
  return { events, retries };
}

describe("the dashboard's Server-Sent Events parser", () => {
  it("dispatches on a blank line, joins data lines, and names unnamed events message", () => {
    expect(parse(["event: snapshot\ndata: {\"a\":1}\n\ndata: one\ndata: two\n\n"]).events).toEqual([
      ["snapshot", '{"a":1}'],
      ["message", "one\ntwo"],
    ]);
  });

  it("accepts CRLF, LF and CR line ends, and a CRLF split across two chunks", () => {
    expect(parse(["data: a\r\n\r\ndata: b\r\rdata: c\r", "\n\r\n"]).events).toEqual([
      ["message", "a"],
      ["message", "b"],
      ["message", "c"],
    ]);
  });

  it("skips comments and events without data, keeps a space after the colon only once, and reports retry", () => {
    const { events, retries } = parse([": keep-alive\n\nevent: x\n\ndata:  two spaces\nretry: 1500\nretry: soon\n\n"]);
    expect(events).toEqual([["message", " two spaces"]]);
    expect(retries).toEqual([1500]);
  });

  it("decodes UTF-8 split inside a character between chunks", () => {
    const bytes = new TextEncoder().encode("data: …0001\n\n");
    expect(parse([bytes.slice(0, 8), bytes.slice(8)]).events).toEqual([["message", "…0001"]]);
  });

  it("holds an event back until its blank line arrives", () => {
    expect(parse(["data: partial\n"]).events).toEqual([]);
  });
});
