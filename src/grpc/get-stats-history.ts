import type { ServerUnaryCall } from "@grpc/grpc-js";
import { durationToMs } from "../protocol/duration.js";
import type { GetStatsHistoryRequest, GetStatsHistoryResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { parseHistoryQuery } from "../telemetry/history/history-query.js";
import type { HistoryDirectory } from "../telemetry/history/history-types.js";
import type { StatsHistory } from "../telemetry/history/stats-history.js";
import { setRpcAttributes } from "./rpc-span.js";
import { historyToProto } from "./stats-history-messages.js";

export interface GetStatsHistoryDeps {
  readonly history: StatsHistory;
  readonly directory: HistoryDirectory;
}

/** GetStatsHistory: the selected history (the fleet's, with a shared store), or INVALID_ARGUMENT / NOT_FOUND naming the field. */
export function getStatsHistory({ history, directory }: GetStatsHistoryDeps) {
  return async (call: ServerUnaryCall<GetStatsHistoryRequest, GetStatsHistoryResponse>): Promise<GetStatsHistoryResponse> => {
    const req = call.request;
    const query = parseHistoryQuery({
      provider: req.provider,
      keyId: req.keyId,
      model: req.model,
      rangeMs: durationToMs(req.range),
      resolutionMs: durationToMs(req.resolution),
    });
    setRpcAttributes(call, { "keypool.provider": query.provider, ...(query.keyId === "" ? {} : { "keypool.key_id": query.keyId }) });
    return historyToProto(await history.query(query, directory));
  };
}
