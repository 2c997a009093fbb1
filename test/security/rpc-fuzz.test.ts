import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "../support/grpc-client.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

/** `npm run fuzz` raises this for a longer campaign; the suite keeps it short. */
const RUNS = fuzzRuns(150);

let server: KeypoolServer;
let client: TestClient;

beforeAll(async () => {
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    config: poolConfig({ openai: fakeKeys(3, { rpm: 1_000, tpm: 1_000_000, maxConcurrent: 50 }) }),
    log: silentLogger(),
  });
  client = new TestClient(server.grpcAddress);
});
afterAll(async () => {
  client.close();
  await server.stop(1_000);
});

const hostileString = fc.oneof(
  fc.string({ maxLength: 64 }),
  fc.constantFrom("", " ", "openai", "OPENAI ", "../../etc/passwd", "\u0000", "\uD800", "%s%n", "${OPENAI_API_KEYS}", "a".repeat(100_000)),
);
const hostileInt = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 2 ** 31 - 1, -(2 ** 31), Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
);
const hostileDuration = fc.option(
  fc.record({
    seconds: fc.oneof(hostileInt, fc.constantFrom(315_576_000_000, -315_576_000_000)),
    nanos: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  }),
  { nil: undefined },
);

/** Codes a well-behaved server may answer to hostile input; INTERNAL or UNKNOWN would be a bug. */
const ACCEPTABLE = new Set([
  status.OK,
  status.INVALID_ARGUMENT,
  status.NOT_FOUND,
  status.RESOURCE_EXHAUSTED,
  status.FAILED_PRECONDITION,
  status.DEADLINE_EXCEEDED,
]);

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return status.OK;
  } catch (err) {
    return (err as ServiceError).code;
  }
}

describe("hostile RPC input", () => {
  it("AcquireKey and ReportUsage answer every random and adversarial request with a proper status", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          provider: hostileString,
          model: hostileString,
          estimatedTokens: hostileInt,
          maxWait: hostileDuration,
          leaseTtl: hostileDuration,
          clientId: hostileString,
        }),
        fc.record({
          outcome: fc.oneof(
            fc.constantFrom(...Object.values(Outcome).filter((v): v is number => typeof v === "number")),
            fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          ),
          // int32 on the wire: anything wider cannot be sent at all.
          httpStatus: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
          promptTokens: hostileInt,
          completionTokens: hostileInt,
          latency: hostileDuration,
          retryAfter: hostileDuration,
          errorMessage: hostileString,
        }),
        async (acquire, report) => {
          const acquired = await client.acquire({ ...acquire, maxWait: acquire.maxWait && { ...acquire.maxWait, seconds: Math.min(acquire.maxWait.seconds, 0) } }, 2_000).catch((e: ServiceError) => e);
          const code = "code" in acquired ? acquired.code : status.OK;
          expect(ACCEPTABLE.has(code), `AcquireKey answered ${code}`).toBe(true);
          const leaseId = "leaseId" in acquired ? acquired.leaseId : "ls_fuzz";
          const reportCode = await codeOf(client.report({ leaseId, ...report }));
          expect(ACCEPTABLE.has(reportCode), `ReportUsage answered ${reportCode}`).toBe(true);
          if ("leaseId" in acquired && reportCode !== status.OK) {
            // A refused report leaves the lease open: end it properly.
            await client.report({ leaseId, outcome: Outcome.OUTCOME_SUCCESS });
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Still serving, with nothing left open.
    const lease = await client.acquire({ provider: "openai" });
    await client.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("hand-made wire bytes over the whole int64 and int32 range, and random bytes, never get INTERNAL", async () => {
    const raw = new Client(server.grpcAddress, credentials.createInsecure());
    const identity = (b: Buffer) => b;
    const unary = (method: string, bytes: Uint8Array) =>
      new Promise<number>((resolve) =>
        raw.makeUnaryRequest(`/keypool.v1.KeyPoolService/${method}`, identity, identity, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + 2_000 }, (err) =>
          resolve(err === null ? status.OK : err.code),
        ),
      );
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    const duration = fc.record({ seconds: int64, nanos: int32 });
    const durationBytes = (d: { seconds: bigint; nanos: number }) => new BinaryWriter().uint32(8).int64(d.seconds).uint32(16).int32(d.nanos).finish();
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({ tokens: int64, maxWait: duration, leaseTtl: duration }),
          fc.record({ prompt: int64, completion: int64, latency: duration, retryAfter: duration }),
          fc.uint8Array({ maxLength: 64 }),
          async (a, r, junk) => {
            // An unconfigured provider: the acquisition is refused after its fields are checked, so nothing stays leased.
            const acquire = new BinaryWriter().uint32(10).string("not-configured").uint32(24).int64(a.tokens)
              .uint32(34).bytes(durationBytes(a.maxWait)).uint32(42).bytes(durationBytes(a.leaseTtl)).finish();
            const report = new BinaryWriter().uint32(10).string("ls_fuzz").uint32(32).int64(r.prompt).uint32(40).int64(r.completion)
              .uint32(50).bytes(durationBytes(r.latency)).uint32(58).bytes(durationBytes(r.retryAfter)).finish();
            for (const [method, bytes] of [["AcquireKey", acquire], ["ReportUsage", report], ["AcquireKey", junk], ["ReportUsage", junk]] as const) {
              const code = await unary(method, bytes);
              expect(code === status.INTERNAL || code === status.UNKNOWN, `${method} answered ${code}`).toBe(false);
            }
          },
        ),
        { numRuns: RUNS },
      );
    } finally {
      raw.close();
    }
  });
});
