import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskSecret } from "../../src/simulator/mask-secret.js";

describe("maskSecret", () => {
  it("shows the first 8 and last 4 characters of a full-length key, as OpenAI does", () => {
    const secret = "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL";
    expect(maskSecret(secret)).toBe(`sk-abcde${"*".repeat(secret.length - 12)}IJKL`);
  });

  it("shows at most a quarter of a short key at each end", () => {
    expect(maskSecret("sk-test-0001")).toBe("sk-******001");
    expect(maskSecret("abc")).toBe("***");
  });

  it("keeps the length and hides at least half of any key", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 200 }), (secret) => {
        const masked = maskSecret(secret);
        expect(masked).toHaveLength(secret.length);
        const hidden = [...masked].filter((c, i) => c === "*" && secret[i] !== "*").length;
        const stars = [...secret].filter((c) => c === "*").length;
        expect(hidden + stars).toBeGreaterThanOrEqual(Math.ceil(secret.length / 2));
      }),
    );
  });
});
