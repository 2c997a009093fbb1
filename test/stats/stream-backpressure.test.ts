import { connect, constants } from "node:http2";
import { describe, expect } from "vitest";
import { StreamStatsRequest } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { durationFromMs } from "../../src/protocol/duration.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { StatsReader } from "../support/stats-stream.js";
import { waitUntil } from "../support/wait-until.js";
import { it } from "../support/keypool-fixture.js";

/**
 * A StreamStats call over raw HTTP/2 whose response is never read: after the
 * flow-control windows fill, the server cannot send more.
 */
function stalledStream(address: string, intervalMs: number) {
  const session = connect(`http://${address}`);
  // Closing the session at the end cancels the call; that is expected, not a failure.
  session.on("error", () => {});
  const body = Buffer.from(StreamStatsRequest.encode({ providers: [], interval: durationFromMs(intervalMs) }).finish());
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  body.copy(frame, 5);
  const stream = session.request({
    [constants.HTTP2_HEADER_METHOD]: "POST",
    [constants.HTTP2_HEADER_PATH]: "/keypool.v1.KeyPoolService/StreamStats",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  stream.end(frame);
  // No 'data' listener and paused: nothing is consumed, so no WINDOW_UPDATE goes back.
  stream.pause();
  return { close: () => session.destroy() };
}

describe("StreamStats under slow and vanishing readers", () => {
  it("a reader that never reads stops receiving (the server skips, it does not queue) while another stream keeps its rate", async ({ keypool }) => {
    // 300 keys make a snapshot of tens of kilobytes, so the 64 KiB windows fill within a few messages.
    const server = await keypool.start({ config: poolConfig({ openai: fakeKeys(300) }) });
    const stalled = stalledStream(server.grpcAddress, 100);
    const client = keypool.connect(server.grpcAddress);
    const healthy = new StatsReader(client, { intervalMs: 100 });
    await healthy.waitFor(1);
    const skipping = () => server.statsStreams.list().find((s) => s.skipped() > 0);
    await waitUntil(() => skipping() !== undefined, "the stalled stream to skip a tick");
    const stuck = skipping()!;
    const sentAtFirstSkip = stuck.sent();
    const skippedBefore = stuck.skipped();
    const healthyBefore = healthy.messages.length;
    await waitUntil(() => stuck.skipped() >= Math.max(20, skippedBefore + 15), "15 more skipped ticks", 15_000);
    // Nothing more was handed to the transport for the stalled reader: its memory cost is one message.
    expect(stuck.sent()).toBe(sentAtFirstSkip);
    expect(sentAtFirstSkip).toBeLessThanOrEqual(10);
    // Both streams tick every 100 ms: the healthy one received (nearly) every tick the stalled one skipped meanwhile,
    // counted in ticks rather than milliseconds so that a loaded machine slows both alike.
    expect(healthy.messages.length - healthyBefore).toBeGreaterThanOrEqual(Math.floor((stuck.skipped() - skippedBefore) * 0.7));
    healthy.cancel();
    stalled.close();
    client.close();
    await waitUntil(() => server.statsStreams.count() === 0, "no live stream");
  });

  it("a stream cancelled by the client releases its place, its timer and its listeners", async ({ keypool }) => {
    const server = await keypool.start({ config: poolConfig({ openai: fakeKeys(2) }) });
    const client = keypool.connect(server.grpcAddress);
    for (let round = 0; round < 20; round++) {
      const reader = new StatsReader(client, { intervalMs: 100 });
      await reader.waitFor(1);
      reader.cancel();
    }
    await waitUntil(() => server.statsStreams.count() === 0, "no live stream");
    // Nothing is sent for a stream that was cancelled: counts stay where they were.
    const kept = new StatsReader(client, { intervalMs: 100 });
    await kept.waitFor(3);
    expect(server.statsStreams.count()).toBe(1);
    kept.cancel();
    client.close();
    await waitUntil(() => server.statsStreams.count() === 0, "no live stream");
  });
});
