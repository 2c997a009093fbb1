import { status, type ServiceError } from "@grpc/grpc-js";
import { describe, expect } from "vitest";
import { durationFromMs } from "../../src/protocol/duration.js";
import { KeyState, Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { ManualClock } from "../support/manual-clock.js";
import { grpcError, retryDelays } from "../support/grpc-client.js";
import { fakeKeys, poolConfig, type TestKey } from "../support/pool-config.js";
import { healthReason } from "../../src/pool/key-health.js";
import { waitUntil } from "../support/wait-until.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

async function start(keypool: Keypools, keys: TestKey[], clock?: ManualClock) {
  const server = await keypool.start({ config: poolConfig({ openai: keys }), clock });
  return { server, client: keypool.connect(server.grpcAddress) };
}

describe("AcquireKey and ReportUsage over gRPC", () => {
  it("ten concurrent acquire+report pairs over five keys lease each key exactly twice", async ({ keypool }) => {
    const { client: c } = await start(keypool, fakeKeys(5));
    const leases = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lease = await c.acquire({ provider: "openai", estimatedTokens: 100 });
        const res = await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, promptTokens: 60, completionTokens: 40 });
        expect(res).toMatchObject({ alreadyReported: false, keyState: KeyState.KEY_STATE_ACTIVE, keyId: lease.keyId });
        return lease;
      }),
    );
    const counts: Record<string, number> = {};
    for (const l of leases) counts[l.keyId] = (counts[l.keyId] ?? 0) + 1;
    expect(counts).toEqual({ k1: 2, k2: 2, k3: 2, k4: 2, k5: 2 });
    expect(leases[0]).toMatchObject({ provider: "openai", apiKey: expect.stringMatching(/^sk-test-000\d$/), maskedKey: expect.stringMatching(/^…/) });
    expect(leases[0]?.expiresAt?.seconds).toBeGreaterThan(Date.now() / 1000);
  });

  it("refuses the eleventh at rpm 2 with RetryInfo and retry-after-ms until the first leaves the window; waits with max_wait", async ({ keypool }) => {
    const clock = new ManualClock();
    const { server, client: c } = await start(keypool, fakeKeys(5, { rpm: 2 }), clock);
    for (let i = 0; i < 10; i++) {
      await c.acquire({ provider: "openai" });
      clock.advance(500);
    }
    const err = await grpcError(c.acquire({ provider: "openai" }));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    // First lease at t=0 stays counted 60 s + 1 s margin; now is t=5 s.
    expect(retryDelays(err)).toEqual({ retryInfoMs: 56_000, trailerMs: 56_000 });
    const waiting = c.acquire({ provider: "openai", maxWait: durationFromMs(58_000) }, 60_000);
    // Once the call is queued on the server, move time past the window.
    await waitUntil(() => server.pool.waitingCount("openai") === 1, "the acquisition to queue");
    clock.advance(56_000);
    const lease = await waiting;
    expect(lease.keyId).toBe("k1");
    expect(lease.waited?.seconds).toBe(56);
  });

  it("a 429 with retry_after 30 s keeps that key out for 30 s while the others carry the load", async ({ keypool }) => {
    const clock = new ManualClock();
    const { client: c } = await start(keypool, fakeKeys(3), clock);
    const first = await c.acquire({ provider: "openai" });
    const res = await c.report({ leaseId: first.leaseId, httpStatus: 429, retryAfter: durationFromMs(30_000) });
    expect(res.keyState).toBe(KeyState.KEY_STATE_COOLING_DOWN);
    expect(res.outcome).toBe(Outcome.OUTCOME_RATE_LIMITED);
    for (let t = 0; t < 29_000; t += 1_000) {
      const l = await c.acquire({ provider: "openai" });
      expect(l.keyId).not.toBe(first.keyId);
      await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
      clock.advance(1_000);
    }
    clock.advance(1_000);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) seen.add((await c.acquire({ provider: "openai" })).keyId);
    expect(seen.has(first.keyId)).toBe(true);
  });

  it("a 401 disables the key with its reason; the others carry the load; all disabled is FAILED_PRECONDITION", async ({ keypool }) => {
    const { server, client: c } = await start(keypool, fakeKeys(2));
    const l = await c.acquire({ provider: "openai" });
    const res = await c.report({ leaseId: l.leaseId, outcome: Outcome.OUTCOME_UNAUTHORIZED, httpStatus: 401, errorMessage: "invalid_api_key" });
    expect(res.keyState).toBe(KeyState.KEY_STATE_DISABLED);
    const key = [...server.pool.keys()].find((k) => k.key.id === l.keyId);
    expect(healthReason(key?.key.health, Date.now())).toBe("unauthorized (401/403): invalid_api_key");
    for (let i = 0; i < 4; i++) expect((await c.acquire({ provider: "openai" })).keyId).not.toBe(l.keyId);
    const other = await c.acquire({ provider: "openai" });
    await c.report({ leaseId: other.leaseId, httpStatus: 403 });
    const err = await grpcError(c.acquire({ provider: "openai" }));
    expect(err.code).toBe(status.FAILED_PRECONDITION);
    expect(err.details).toContain("every key of provider openai is disabled");
  });

  it("answers bad input with INVALID_ARGUMENT or NOT_FOUND and keeps serving", async ({ keypool }) => {
    const { client: c } = await start(keypool, fakeKeys(2));
    const cases: [Promise<unknown>, number, RegExp][] = [
      [c.acquire({ provider: "" }), status.INVALID_ARGUMENT, /provider: required/],
      [c.acquire({ provider: "nope" }), status.NOT_FOUND, /^provider: not configured \(configured: openai\)$/],
      [c.acquire({ provider: "openai", estimatedTokens: -5 }), status.INVALID_ARGUMENT, /estimated_tokens/],
      [c.acquire({ provider: "openai", maxWait: { seconds: -1, nanos: 0 } }), status.INVALID_ARGUMENT, /max_wait/],
      [c.report({ leaseId: "ls_unknown", outcome: Outcome.OUTCOME_SUCCESS }), status.NOT_FOUND, /lease/],
      [c.report({ leaseId: "" }), status.INVALID_ARGUMENT, /lease_id: required/],
    ];
    // Every refusal is caught at once: the answers may all arrive before the first is looked at.
    const errors = cases.map(([call]) => grpcError(call));
    for (const [i, [, code, message]] of cases.entries()) {
      const err = await errors[i]!;
      expect(err.code).toBe(code);
      expect(err.details).toMatch(message);
    }
    const lease = await c.acquire({ provider: "openai" });
    const bad = await grpcError(c.report({ leaseId: lease.leaseId, outcome: 42 as Outcome }));
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect((await grpcError(c.report({ leaseId: lease.leaseId, promptTokens: -1, outcome: Outcome.OUTCOME_SUCCESS }))).code).toBe(
      status.INVALID_ARGUMENT,
    );
    expect(await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS })).toMatchObject({ alreadyReported: false });
    expect(await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS })).toMatchObject({ alreadyReported: true });
  });

  it("a waiting acquisition the caller cancels leaves the queue, and the freed key goes to the next caller", async ({ keypool }) => {
    const { server, client: c } = await start(keypool, fakeKeys(1, { maxConcurrent: 1 }));
    const held = await c.acquire({ provider: "openai" });
    const request = { provider: "openai", model: "", estimatedTokens: 0, maxWait: durationFromMs(30_000), leaseTtl: undefined, clientId: "" };
    let answered: ServiceError | null | undefined;
    const call = c.raw.acquireKey(request, (err) => (answered = err));
    await waitUntil(() => server.pool.waitingCount("openai") === 1, "the acquisition to queue");
    call.cancel();
    await waitUntil(() => server.pool.waitingCount("openai") === 0, "the cancelled acquisition to leave the queue");
    expect(answered?.code).toBe(status.CANCELLED);
    await c.report({ leaseId: held.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    // Nobody took the key meanwhile: the cancelled waiter was not served.
    expect((await c.acquire({ provider: "openai" })).keyId).toBe(held.keyId);
    expect(server.pool.openLeaseCount()).toBe(1);
  });

  it("a waiting acquisition gives up before the caller's deadline with RESOURCE_EXHAUSTED, not DEADLINE_EXCEEDED", async ({ keypool }) => {
    const { server, client: c } = await start(keypool, fakeKeys(1, { maxConcurrent: 1 }));
    await c.acquire({ provider: "openai" });
    const err = await grpcError(c.acquire({ provider: "openai", maxWait: durationFromMs(30_000) }, 400));
    expect(err.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(retryDelays(err).retryInfoMs).toBeGreaterThan(0);
    expect(server.pool.waitingCount("openai")).toBe(0);
  });
});
