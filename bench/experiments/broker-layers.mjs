/**
 * What keypool's own layers cost per AcquireKey + ReportUsage pair, without
 * grpc-js or a socket: the same pair through the memory store alone, through
 * the pool of a running server (its metrics and statistics history listening
 * to the pool's events), through the service's handlers with stand-in calls,
 * through per-client admission as well, and finally with the request decoded
 * from bytes and the answer encoded, as a server does. Each layer's CPU time
 * per pair, one pair at a time, two rounds. The difference from one row to
 * the next is that layer's cost; the broker benchmark's gap to a do-nothing
 * server (docs/performance.md 2c) can be compared with their sum.
 * Needs the build (`npm run build && npx tsc -p bench/tsconfig.json`).
 *
 *   node bench/experiments/broker-layers.mjs [keys=5] [pairs=100000]
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dist = (p) => import(join(root, "dist", p));
const [keys = 5, pairs = 100_000] = process.argv.slice(2).map(Number);
const { startKeypoolServer } = await dist("src/keypool-server.js");
const { silentLogger } = await dist("src/telemetry/logger.js");
const { benchPoolConfig } = await dist("bench/lib/fake-keys.js");
const { keyPoolService } = await dist("src/grpc/key-pool-service.js");
const { admittedService } = await dist("src/grpc/admitted-service.js");
const { FairAdmission } = await dist("src/grpc/fair-admission.js");
const { MemoryLeasePool } = await dist("src/store/memory/memory-lease-pool.js");
const { systemClock } = await dist("src/clock/clock.js");
const gen = await dist("clients/typescript/src/gen/keypool/v1/keypool.js");

const server = await startKeypoolServer({ config: benchPoolConfig(keys), listen: "127.0.0.1:0", log: silentLogger() });
const alone = new MemoryLeasePool({ clock: systemClock });
alone.applyConfig(benchPoolConfig(keys));
// The statistics-history RPC is not called here.
const handlers = keyPoolService({ pool: server.pool, log: silentLogger(), reloader: server.reloader, history: undefined });
const admitted = admittedService(handlers, new FairAdmission());

/** What a handler reads of grpc-js's call object. */
const call = (request) => ({ request, cancelled: false, getPeer: () => "ipv4:127.0.0.1:50000", getDeadline: () => Infinity });
const acquireRequest = gen.AcquireKeyRequest.fromPartial({ provider: "openai", estimatedTokens: 20 });
const acquireBytes = gen.AcquireKeyRequest.encode(acquireRequest).finish();
const report = (leaseId) =>
  gen.ReportUsageRequest.fromPartial({ leaseId, outcome: gen.Outcome.OUTCOME_SUCCESS, promptTokens: 10, completionTokens: 10, latency: { seconds: 0, nanos: 500_000_000 } });

const throughPool = (pool) => async () => {
  const lease = await pool.acquire({ provider: "openai", estimatedTokens: 20, owner: "" });
  await pool.report(lease.leaseId, { outcome: "success", promptTokens: 10, completionTokens: 10, latencyMs: 500 }, "");
};
const throughService = (service, codec) => () =>
  new Promise((resolve, reject) => {
    const request = codec ? gen.AcquireKeyRequest.decode(acquireBytes) : acquireRequest;
    service.acquireKey(call(request), (err, lease) => {
      if (err) return reject(err);
      if (codec) gen.AcquireKeyResponse.encode(lease).finish();
      // The report's bytes are made outside the server's share: encoding is the client's work.
      const reportRequest = codec ? gen.ReportUsageRequest.decode(gen.ReportUsageRequest.encode(report(lease.leaseId)).finish()) : report(lease.leaseId);
      service.reportUsage(call(reportRequest), (err2, answer) => {
        if (err2) return reject(err2);
        if (codec) gen.ReportUsageResponse.encode(answer).finish();
        resolve();
      });
    });
  });

const layers = [
  ["the memory store alone", throughPool(alone)],
  ["the served pool (metrics and history listening)", throughPool(server.pool)],
  ["+ the service's handlers", throughService(handlers, false)],
  ["+ per-client admission", throughService(admitted, false)],
  ["+ requests decoded, answers encoded (and the report's request encoded)", throughService(admitted, true)],
];
for (let round = 1; round <= 2; round++) {
  for (const [name, pair] of layers) {
    for (let i = 0; i < pairs / 5; i++) await pair();
    const before = process.cpuUsage();
    for (let i = 0; i < pairs; i++) await pair();
    const used = process.cpuUsage(before);
    console.log(`round ${round}, ${keys} keys, ${name}: ${((used.user + used.system) / pairs).toFixed(2)} µs CPU per pair`);
  }
}
alone.close();
await server.stop(500);
