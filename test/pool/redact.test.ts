import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactSecret } from "../../src/pool/redact.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

describe("redactSecret", () => {
  it("keeps the words of a provider message and drops what looks like a credential", () => {
    expect(redactSecret("Incorrect API key provided: sk-te****0001. You can find your key at the dashboard.", "sk-test-0001")).toBe(
      "Incorrect API key provided: sk-te****0001. You can find your key at the dashboard.",
    );
    expect(redactSecret("API key not valid: AIzaSyTest0123456789abcdef (token kp-test-app-token-0002)", "x")).toBe(
      "API key not valid: [redacted] (token [redacted])",
    );
    expect(redactSecret("Authorization: Bearer abc", "x")).toBe("Authorization: Bearer [redacted]");
    expect(redactSecret("key sk-short1 is mine", "sk-short1")).toBe("key [redacted] is mine");
    expect(redactSecret("line\nbreak\u0000", "x")).toBe("line break");
    expect(redactSecret("a".repeat(500), "x")).toHaveLength(200);
  });

  it("never lets a random secret of 16+ characters with a digit through", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9_-]{15,60}[0-9]$/),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }),
        (token, before, after) => {
          expect(redactSecret(`${before} ${token} ${after}`, "unrelated-secret")).not.toContain(token);
        },
      ),
      { numRuns: fuzzRuns(500) },
    );
  });
});
