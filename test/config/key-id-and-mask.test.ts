import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyIdFor, maskSecret } from "../../src/config/index.js";

describe("keyIdFor", () => {
  it("is a stable short hash", () => {
    expect(keyIdFor("sk-test-0001")).toMatch(/^k_[0-9a-f]{10}$/);
    expect(keyIdFor("sk-test-0001")).toBe(keyIdFor("sk-test-0001"));
    expect(keyIdFor("sk-test-0001")).not.toBe(keyIdFor("sk-test-0002"));
  });

  it("does not collide across many keys", () => {
    const ids = new Set(Array.from({ length: 20_000 }, (_, i) => keyIdFor(`sk-test-${i}`)));
    expect(ids.size).toBe(20_000);
  });
});

describe("maskSecret", () => {
  it("shows only the last four characters of a normal key", () => {
    expect(maskSecret("sk-test-0000AbCd")).toBe("…AbCd");
  });

  it("shows less of short secrets", () => {
    expect(maskSecret("sk-test-0001")).toBe("…0001"); // 12 chars: 4 is a third
    expect(maskSecret("abcdefghijk")).toBe("…jk");
    expect(maskSecret("abcdef")).toBe("…ef");
    expect(maskSecret("abcde")).toBe("…");
    expect(maskSecret("")).toBe("…");
  });

  it("never reveals more than four characters or a third of any secret", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (secret) => {
        const shown = Array.from(maskSecret(secret)).length - 1;
        expect(shown).toBeLessThanOrEqual(4);
        expect(shown * 3).toBeLessThanOrEqual(Array.from(secret).length);
        expect(secret.endsWith(maskSecret(secret).slice(1))).toBe(true);
      }),
    );
  });
});
