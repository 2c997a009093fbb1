import { credentials, Metadata, type ServiceError } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyPoolServiceClient, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

let server: KeypoolServer;
const channels: KeyPoolServiceClient[] = [];

function channel(): KeyPoolServiceClient {
  // A connection of its own, as two separate client processes would have (grpc-js otherwise shares one per target).
  const c = new KeyPoolServiceClient(server.grpcAddress, credentials.createInsecure(), { "grpc.use_local_subchannel_pool": 1 });
  channels.push(c);
  return c;
}

function acquire(c: KeyPoolServiceClient, provider: string): Promise<AcquireKeyResponse> {
  return new Promise((resolve, reject) =>
    c.acquireKey({ provider, model: "", estimatedTokens: 0, maxWait: undefined, leaseTtl: undefined, clientId: "" }, new Metadata(), { deadline: Date.now() + 120_000 }, (err: ServiceError | null, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

beforeAll(async () => {
  server = await startKeypoolServer({
    listen: "127.0.0.1:0",
    // The flood is refused for lack of capacity after its first call: it costs the server work, and holds no leases.
    config: poolConfig({ openai: fakeKeys(1, { rpm: 1 }), google: fakeKeys(2) }),
    log: silentLogger(),
  });
});
afterAll(async () => {
  for (const c of channels) c.close();
  await server.stop(1_000);
});

describe("fairness under a flood", () => {
  it("another client's acquisitions are served during a 10,000-call burst, not after it", async () => {
    const flooder = channel();
    const victim = channel();
    // Both channels connected before the burst, so that neither waits for a handshake.
    await Promise.all([acquire(flooder, "openai"), acquire(victim, "google")]);
    let floodDone = 0;
    const flood = Promise.all(
      Array.from({ length: 10_000 }, () =>
        acquire(flooder, "openai").then(
          () => (floodDone += 1),
          () => (floodDone += 1),
        ),
      ),
    );
    // Once the server is answering the burst, the victim makes its calls one after the other.
    while (floodDone === 0) await new Promise((r) => setImmediate(r));
    const doneWhenVictimServed: number[] = [];
    for (let i = 0; i < 5; i++) {
      const lease = await acquire(victim, "google");
      expect(lease.provider).toBe("google");
      doneWhenVictimServed.push(floodDone);
    }
    await flood;
    expect(floodDone).toBe(10_000);
    // Served in the middle of the burst: each answer came while most of the burst was still unanswered.
    // (Without admission the first answer came after about 2,800 of the burst's, the fifth after about 8,800.)
    expect(doneWhenVictimServed[0]!).toBeLessThan(1_000);
    expect(doneWhenVictimServed[4]!).toBeLessThan(5_000);
  }, 120_000);
});
