import type { IncomingMessage, ServerResponse } from "node:http";
import type { LeasePool } from "../pool/lease-pool.js";
import type { PoolSnapshot } from "../pool/stats-types.js";
import { snapshotToJson } from "../pool/stats-json.js";
import { parseStatsRequest } from "../telemetry/stats-request.js";
import { openStatsStream } from "../telemetry/stats-stream.js";
import type { StatsSubscribers } from "../telemetry/stats-subscribers.js";
import { queryInterval, queryProviders } from "./stats-query.js";

/**
 * GET /v1/stats/stream: the StreamStats snapshots as Server-Sent Events
 * (`event: snapshot`, `data:` the /v1/stats JSON), for browsers and
 * dashboards. Same pacing and bounds as StreamStats: the first snapshot at
 * once, then one per interval (?interval=, default 1 s), latest-wins when the
 * reader is slow, a shared limit on live streams, ended on shutdown.
 * Throws KeypoolError before anything is written when the request is refused.
 */
export function serveStatsStream(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  pool: LeasePool,
  subscribers: StatsSubscribers,
  visible: readonly string[] = pool.providerNames(),
  shown: (snapshot: PoolSnapshot) => PoolSnapshot = (s) => s,
): void {
  const { providers, intervalMs } = parseStatsRequest(queryProviders(url), queryInterval(url), visible);
  const stream = openStatsStream<string>({
    subscribers,
    transport: "sse",
    intervalMs,
    build: () => `event: snapshot\ndata: ${JSON.stringify(snapshotToJson(shown(pool.snapshot(providers))))}\n\n`,
    send: (chunk, flushed) => {
      res.write(chunk, () => flushed());
    },
    end: () => res.end(),
    fail: () => res.destroy(),
    stream: res,
    endedBy: ["close"],
  });
  if (stream === undefined) throw subscribers.refusal();
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-store",
    connection: "keep-alive",
    "x-accel-buffering": "no",
  });
  // Tells EventSource how long to wait before reconnecting after the stream ends.
  res.write(`retry: ${Math.max(1_000, intervalMs)}\n\n`);
  req.socket.setNoDelay(true);
  stream.start();
}
