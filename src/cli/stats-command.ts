import { status, type ServiceError } from "@grpc/grpc-js";
import { durationFromMs } from "../protocol/duration.js";
import type { StreamStatsResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { parseDuration } from "../config/duration.js";
import { snapshotFromProto } from "../grpc/stats-messages.js";
import { snapshotToJson } from "../pool/stats-json.js";
import { connect, type ConnectionOptions } from "./sidecar-connection.js";
import { renderStatsTable } from "../stats-table/stats-table.js";

export interface StatsOptions extends ConnectionOptions {
  provider: string[];
  interval: string;
  watch?: boolean;
  json?: boolean;
}

/** Longest wait for the first snapshot of a one-shot `keypool stats`. */
const ONE_SHOT_DEADLINE_MS = 10_000;

/**
 * `keypool stats`: reads StreamStats from a running sidecar. One snapshot by
 * default; with --watch every snapshot, the table redrawn in place on a
 * terminal; --json prints the /v1/stats JSON (one document, or one line per
 * snapshot with --watch).
 */
export async function statsCommand(opts: StatsOptions): Promise<void> {
  const intervalMs = parseDuration(opts.interval);
  if (intervalMs === undefined || intervalMs <= 0) {
    process.stderr.write(`keypool: --interval ${JSON.stringify(opts.interval)}: expected a duration such as 500ms or 2s\n`);
    process.exitCode = 2;
    return;
  }
  const connection = connect(opts);
  if (connection === undefined) return;
  const { client, metadata } = connection;
  const deadline = opts.watch === true ? Infinity : Date.now() + ONE_SHOT_DEADLINE_MS;
  const call = client.streamStats({ providers: opts.provider, interval: durationFromMs(intervalMs) }, metadata(), { deadline });
  const print = printer(opts);
  let cancelledByUs = false;
  const stop = () => {
    cancelledByUs = true;
    call.cancel();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    process.exitCode = await new Promise<number>((resolve) => {
      call.on("data", (message: StreamStatsResponse) => {
        print(message);
        if (opts.watch !== true) {
          stop();
          resolve(0);
        }
      });
      call.on("error", (err: ServiceError) => {
        if (cancelledByUs && err.code === status.CANCELLED) return resolve(0);
        process.stderr.write(`keypool: ${describeFailure(err, opts.target)}\n`);
        resolve(1);
      });
      // The server ended the stream cleanly (it is shutting down).
      call.on("end", () => resolve(0));
    });
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
    client.close();
  }
}

function printer(opts: StatsOptions): (m: StreamStatsResponse) => void {
  const redraw = opts.watch === true && process.stdout.isTTY;
  return (message) => {
    const snapshot = snapshotFromProto(message);
    if (opts.json === true) {
      const json = snapshotToJson(snapshot);
      process.stdout.write(opts.watch === true ? `${JSON.stringify(json)}\n` : `${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const table = renderStatsTable(snapshot);
    if (!redraw) {
      process.stdout.write(opts.watch === true ? `${table}\n` : table);
      return;
    }
    // Home, each line cleared to its end, then everything below: no flicker, no scrollback spam.
    process.stdout.write(`\x1b[H${table.split("\n").join("\x1b[K\n")}\x1b[J`);
  };
}

function describeFailure(err: ServiceError, target: string): string {
  if (err.code === status.UNAVAILABLE) return `cannot reach keypool at ${target}: ${err.details}`;
  if (err.code === status.DEADLINE_EXCEEDED) return `no statistics from ${target} within ${ONE_SHOT_DEADLINE_MS / 1000}s`;
  return `StreamStats failed (${status[err.code] ?? err.code}): ${err.details}`;
}
