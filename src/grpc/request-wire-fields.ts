import type { WireField, WireFields } from "./wire-check.js";

const int64 = (name: string): WireField => ({ name, kind: "int64" });
const duration = (name: string): WireField => ({ name, kind: "duration" });

/**
 * Every int64 and Duration field of every KeyPoolService request, by method
 * name and field number (keypool/v1/keypool.proto). A field added to a
 * request in the proto belongs here too; the wire test walks this table.
 */
export const REQUEST_WIRE_FIELDS: Readonly<Record<string, WireFields>> = {
  acquireKey: new Map([
    [3, int64("estimated_tokens")],
    [4, duration("max_wait")],
    [5, duration("lease_ttl")],
  ]),
  reportUsage: new Map([
    [4, int64("prompt_tokens")],
    [5, int64("completion_tokens")],
    [6, duration("latency")],
    [7, duration("retry_after")],
  ]),
  streamStats: new Map([[2, duration("interval")]]),
  reloadConfig: new Map<number, WireField>(),
  setKeyState: new Map<number, WireField>(),
  getStatsHistory: new Map([
    [4, duration("range")],
    [5, duration("resolution")],
  ]),
};
