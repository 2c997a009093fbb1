import { describe, expect, it } from "vitest";
import { parseCliArgs } from "../../src/simulator/parse-cli-args.js";

describe("parseCliArgs", () => {
  it("builds options from flags", () => {
    const parsed = parseCliArgs(
      ["--port", "8787", "--keys", "sk-test-a, sk-test-b", "--rpm", "10", "--tpm", "5000", "--window-ms", "6000", "--per-token-ms", "5"],
      {},
    );
    expect(parsed).toEqual({
      kind: "run",
      options: {
        port: 8787,
        windowMs: 6000,
        keys: { "sk-test-a": { rpm: 10, tpm: 5000 }, "sk-test-b": { rpm: 10, tpm: 5000 } },
        latency: { perTokenMs: 5 },
      },
    });
  });

  it("takes keys from KEYPOOL_SIMULATOR_KEYS when --keys is absent", () => {
    const parsed = parseCliArgs([], { KEYPOOL_SIMULATOR_KEYS: "k1,k2" });
    expect(parsed.kind === "run" && Object.keys(parsed.options.keys)).toEqual(["k1", "k2"]);
  });

  it("rejects bad input without echoing secrets", () => {
    expect(parseCliArgs([], {})).toMatchObject({ kind: "error", message: expect.stringMatching(/no keys/) });
    expect(parseCliArgs(["--keys", "a", "--rpm", "ten"], {})).toEqual({
      kind: "error",
      message: "--rpm: expected a non-negative integer",
    });
    const dup = parseCliArgs(["--keys", "sk-secret-x,sk-secret-x"], {});
    expect(dup.kind).toBe("error");
    expect(JSON.stringify(dup)).not.toContain("sk-secret-x");
    expect(parseCliArgs(["--bogus"], {}).kind).toBe("error");
    expect(parseCliArgs(["--help"], {})).toEqual({ kind: "help" });
  });
});
