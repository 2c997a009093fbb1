import { describe, expect, it } from "vitest";
import { parseStoreLocation, parseStorePrefix } from "../../src/config/store-location.js";

describe("parseStoreLocation", () => {
  it("reads memory and the redis URL forms, with the defaults", () => {
    expect(parseStoreLocation("memory")).toEqual({ kind: "memory" });
    expect(parseStoreLocation("")).toEqual({ kind: "memory" });
    expect(parseStoreLocation("redis://redis.internal")).toMatchObject({ kind: "redis", host: "redis.internal", port: 6379, db: 0, tls: false, password: undefined, masked: "redis://redis.internal" });
    expect(parseStoreLocation("rediss://app:p%40ss@10.0.0.5:6380/3")).toMatchObject({ host: "10.0.0.5", port: 6380, db: 3, tls: true, username: "app", password: "p@ss", masked: "rediss://app:***@10.0.0.5:6380/3" });
    expect(parseStoreLocation("redis://:only-pass@[::1]:7000")).toMatchObject({ host: "::1", port: 7000, username: undefined, password: "only-pass", masked: "redis://:***@[::1]:7000" });
  });

  it("refuses what it cannot use with INVALID_CONFIG naming store, never echoing the password", () => {
    for (const [text, why] of [
      ["postgres://db:5432", /^store: expected memory, redis:\/\//],
      ["redis://:pw-secret-77@host:6379/abc", /^store: the database after the host must be a number/],
      ["redis://:pw-secret-77@host:99999", /^store: not a valid URL/],
      ["redis://:pw-secret-77@host:6379?tls=1", /^store: query strings and fragments are not supported/],
    ] as const) {
      let err: unknown;
      try {
        parseStoreLocation(text);
      } catch (e) {
        err = e;
      }
      expect(err, text).toMatchObject({ code: "INVALID_ARGUMENT", reason: "INVALID_CONFIG" });
      const e = err as { message: string; details: string[] };
      expect(e.details[0]).toMatch(why);
      expect(JSON.stringify(e.details) + e.message).not.toContain("pw-secret-77");
    }
  });

  it("checks the prefix", () => {
    expect(parseStorePrefix("team-a:")).toBe("team-a:");
    expect(() => parseStorePrefix("a{b}")).toThrow(expect.objectContaining({ details: ["store_prefix: 1 to 64 printable characters without braces or spaces"] }));
    expect(() => parseStorePrefix("")).toThrow();
  });
});
