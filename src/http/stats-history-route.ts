import type { ServerResponse } from "node:http";
import { parseDuration } from "../config/duration.js";
import { invalidArgument } from "../protocol/keypool-error.js";
import { historyToJson } from "../telemetry/history/history-json.js";
import { parseHistoryQuery } from "../telemetry/history/history-query.js";
import type { HistoryDirectory } from "../telemetry/history/history-types.js";
import type { StatsHistory } from "../telemetry/history/stats-history.js";
import { sendJson } from "./http-errors.js";

const PARAMS = ["provider", "key", "model", "range", "resolution"] as const;

/**
 * GET /v1/stats/history?provider=&key=&model=&range=&resolution=: the
 * history as JSON. Durations as "1h", "5m", "10s" or milliseconds. An
 * unknown or repeated parameter is a 400 naming it: a typo would otherwise
 * answer a different question than the one asked.
 */
export async function serveStatsHistory(res: ServerResponse, url: URL, history: StatsHistory, directory: HistoryDirectory): Promise<void> {
  for (const name of new Set(url.searchParams.keys())) {
    if (!(PARAMS as readonly string[]).includes(name)) {
      throw invalidArgument(`${JSON.stringify(name.slice(0, 64))}: unknown parameter (expected ${PARAMS.join(", ")})`);
    }
    if (url.searchParams.getAll(name).length > 1) throw invalidArgument(`${name}: given more than once`);
  }
  const param = (name: (typeof PARAMS)[number]) => url.searchParams.get(name) ?? undefined;
  const query = parseHistoryQuery(
    {
      provider: param("provider"),
      keyId: param("key"),
      model: param("model"),
      rangeMs: queryDuration(url, "range"),
      resolutionMs: queryDuration(url, "resolution"),
    },
    { keyId: "key" },
  );
  sendJson(res, 200, historyToJson(await history.query(query, directory)));
}

function queryDuration(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined || ms === 0) throw invalidArgument(`${name}: expected a positive duration such as 10s, 5m or 1h`);
  return ms;
}
