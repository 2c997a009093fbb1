import { describe, expect, it } from "vitest";
import { newLeaseId } from "../../src/pool/lease-id.js";

describe("newLeaseId", () => {
  it("gives ls_ and 120 random bits in base64url, never the same twice across refills of its byte pool", () => {
    const ids = Array.from({ length: 10_000 }, () => newLeaseId());
    for (const id of ids) expect(id).toMatch(/^ls_[A-Za-z0-9_-]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("uses every base64url character at every position, so each of the 120 bits reaches the id", () => {
    const ids = Array.from({ length: 10_000 }, () => newLeaseId());
    for (let pos = 3; pos < 23; pos++) {
      const seen = new Set(ids.map((id) => id[pos]));
      expect(seen.size, `position ${pos}`).toBe(64);
    }
  });
});
