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

  it("builds per-model limits, a project all keys share, and background load", () => {
    const parsed = parseCliArgs(
      [
        "--keys", "k1,k2",
        "--model-limit", "gpt-4o:rpm=2,rpd=100",
        "--model-limit", "models/gemini-2.5-pro:tpm=5000",
        "--project-rpm", "10",
        "--project-model-limit", "gemini-2.5-pro:rpd=50",
        "--background-rpm", "1.5",
        "--background-tokens", "40",
        "--day-reset", "midnight-pacific",
      ],
      {},
    );
    const key = {
      models: { "gpt-4o": { rpm: 2, rpd: 100 }, "models/gemini-2.5-pro": { tpm: 5000 } },
      project: "shared",
      background: { rpm: 1.5, tokensPerRequest: 40 },
    };
    expect(parsed).toEqual({
      kind: "run",
      options: { keys: { k1: key, k2: key }, projects: { shared: { rpm: 10, models: { "gemini-2.5-pro": { rpd: 50 } } } }, dayReset: "midnight-pacific", latency: {} },
    });
  });

  it.each([
    [["--model-limit", "gpt-4o"], "--model-limit: expected MODEL:rpm=N[,tpm=N][,rpd=N]"],
    [["--model-limit", ":rpm=2"], "--model-limit: expected MODEL:rpm=N[,tpm=N][,rpd=N]"],
    [["--project-model-limit", "gpt-4o:rpm=two"], "--project-model-limit gpt-4o: expected rpm=N, tpm=N or rpd=N separated by commas"],
    [["--model-limit", "gpt-4o:rps=2"], "--model-limit gpt-4o: expected rpm=N, tpm=N or rpd=N separated by commas"],
    [["--background-rpm=-1"], "--background-rpm: expected a non-negative number"],
    [["--project-rpd", "1.5"], "--project-rpd: expected a non-negative integer"],
    [["--day-reset", "weekly"], "--day-reset: expected sliding or midnight-pacific"],
  ])("rejects %j", (flags, message) => {
    expect(parseCliArgs(["--keys", "k1", ...flags], {})).toEqual({ kind: "error", message });
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
