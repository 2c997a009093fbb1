import { describe, expect, it } from "vitest";
import { newLeaseId, newSlottedLeaseId, slotOfLeaseId } from "../../src/pool/lease-id.js";

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

describe("newSlottedLeaseId", () => {
  it("gives the same 120 random bits and then the slot in five base64url characters, read back by slotOfLeaseId", () => {
    const slots = [0, 1, 63, 64, 4095, 200_000, 2 ** 30 - 1];
    const ids = slots.map((slot) => newSlottedLeaseId(slot));
    for (const id of ids) expect(id).toMatch(/^ls_[A-Za-z0-9_-]{25}$/);
    expect(ids.map(slotOfLeaseId)).toEqual(slots);
    const many = Array.from({ length: 10_000 }, () => newSlottedLeaseId(7));
    expect(new Set(many.map((id) => id.slice(0, 23))).size).toBe(many.length);
  });

  it("reads no slot from a string of another shape", () => {
    for (const id of ["", "ls_unknown", newLeaseId(), `ls_${"A".repeat(20)}AA.AA`, `ls_${"A".repeat(20)}AAAAé`]) expect(slotOfLeaseId(id)).toBe(-1);
  });
});
