import type { StoreStatus as StoreStatusMessage } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { StoreStatus } from "../pool/stats-types.js";
import { timestampFromMs, timestampToMs } from "../protocol/duration.js";

/** The shared store's state as the StreamStats message carries it. */
export function storeStatusToProto(s: StoreStatus): StoreStatusMessage {
  return {
    kind: s.kind,
    location: s.location,
    failureMode: s.failureMode,
    degraded: s.degraded,
    degradedSince: s.degradedSince === undefined ? undefined : timestampFromMs(s.degradedSince),
    reason: s.reason,
    sidecarsAlive: s.sidecarsAlive,
    sidecarId: s.sidecarId,
    limitsDividedBy: s.limitsDividedBy ?? 0,
  };
}

/** Back from the message, for `keypool stats`; undefined for a kind this version does not know. */
export function storeStatusFromProto(m: StoreStatusMessage): StoreStatus | undefined {
  if (m.kind !== "redis") return undefined;
  return {
    kind: "redis",
    location: m.location,
    failureMode: m.failureMode === "closed" ? "closed" : "local",
    degraded: m.degraded,
    degradedSince: timestampToMs(m.degradedSince),
    reason: m.reason,
    sidecarsAlive: m.sidecarsAlive,
    sidecarId: m.sidecarId,
    limitsDividedBy: m.limitsDividedBy > 0 ? m.limitsDividedBy : undefined,
  };
}
