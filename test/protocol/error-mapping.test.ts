import { describe, expect, it } from "vitest";
import { httpErrorOf, httpStatusOf, retryHeaders } from "../../src/protocol/http-error.js";
import { allKeysDisabled, clientLimited, errorCodeOf, invalidArgument, KeypoolError, noKeyCanServe, poolBusy } from "../../src/protocol/keypool-error.js";
import { decodeRetryDelayMs, decodeStatusDetails, encodeStatusDetails } from "../../src/protocol/status-details.js";

describe("keypool's error in HTTP", () => {
  it("tells the two FAILED_PRECONDITION refusals apart by reason: every key disabled is 503, no key serving the request 400", () => {
    expect(httpStatusOf(allKeysDisabled("every key of provider openai is disabled"))).toBe(503);
    expect(httpStatusOf(noKeyCanServe("no key of provider openai can ever serve this request"))).toBe(400);
    expect(httpErrorOf(allKeysDisabled("x"), "m")).toEqual({ status: 503, code: "no_usable_key", message: "m", retryAfterMs: undefined });
    expect(httpErrorOf(noKeyCanServe("x"), "m")).toEqual({ status: 400, code: "no_key_serves_request", message: "m", retryAfterMs: undefined });
  });

  it("a busy pool and a client over its limits are 429 with their delay; without one, a second", () => {
    expect(httpErrorOf(poolBusy("busy", 2500), "m")).toMatchObject({ status: 429, code: "pool_busy", retryAfterMs: 2500 });
    expect(httpErrorOf(clientLimited("over", 40), "m")).toMatchObject({ status: 429, code: "pool_busy", retryAfterMs: 40 });
    expect(httpErrorOf(poolBusy("busy", undefined), "m").retryAfterMs).toBe(1000);
    expect(httpErrorOf(new KeypoolError("UNAVAILABLE", "shutting down"), "m")).toMatchObject({ status: 503, retryAfterMs: 1000 });
    expect(httpErrorOf(invalidArgument("model: too long"), "m")).toMatchObject({ status: 400, code: "invalid_request", retryAfterMs: undefined });
  });

  it("retry headers: whole seconds rounded up, and exact milliseconds, never zero", () => {
    expect(retryHeaders(2400)).toEqual({ "retry-after": "3", "retry-after-ms": "2400" });
    expect(retryHeaders(0)).toEqual({ "retry-after": "1", "retry-after-ms": "1" });
  });

  it("a status name keypool never answers with is UNKNOWN, with its generic reason", () => {
    expect(errorCodeOf("ABORTED")).toBe("UNKNOWN");
    expect(errorCodeOf("NOT_FOUND")).toBe("NOT_FOUND");
    expect(new KeypoolError("UNKNOWN", "x").reason).toBe("UNKNOWN");
    expect(invalidArgument("x").reason).toBe("INVALID_FIELD");
  });
});

describe("google.rpc.Status details", () => {
  it("carry the reason in ErrorInfo and the delay in RetryInfo, and read back", () => {
    const bytes = encodeStatusDetails(8, "busy", { reason: "POOL_BUSY", retryAfterMs: 1234.5 });
    expect(decodeStatusDetails(bytes)).toEqual({ reason: "POOL_BUSY", retryAfterMs: 1234.5 });
    expect(decodeRetryDelayMs(bytes)).toBe(1234.5);
  });

  it("carry a reason without a delay", () => {
    expect(decodeStatusDetails(encodeStatusDetails(9, "disabled", { reason: "ALL_KEYS_DISABLED" }))).toEqual({ reason: "ALL_KEYS_DISABLED" });
  });
});
