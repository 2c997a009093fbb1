import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Duration } from "../../clients/typescript/src/gen/google/protobuf/duration.js";
import { durationFromMs, durationToMs } from "./duration.js";

/** Metadata key under which gRPC carries a google.rpc.Status with details. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";
/** Trailer with the retry delay in milliseconds, for clients that do not decode status details. */
export const RETRY_AFTER_MS_KEY = "retry-after-ms";

const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";

/**
 * Encodes google.rpc.Status { code, message, details: [Any(RetryInfo)] }.
 * Written by hand: three tiny messages do not justify vendoring googleapis.
 */
export function encodeRetryStatus(code: number, message: string, retryAfterMs: number): Uint8Array {
  const retryInfo = new BinaryWriter();
  Duration.encode(durationFromMs(retryAfterMs), retryInfo.uint32(10).fork()).join();
  const any = new BinaryWriter().uint32(10).string(RETRY_INFO_TYPE).uint32(18).bytes(retryInfo.finish());
  return new BinaryWriter().uint32(8).int32(code).uint32(18).string(message).uint32(26).bytes(any.finish()).finish();
}

/** The RetryInfo delay carried in an encoded google.rpc.Status, in milliseconds. */
export function decodeRetryDelayMs(statusBytes: Uint8Array): number | undefined {
  const status = new BinaryReader(statusBytes);
  while (status.pos < status.len) {
    const tag = status.uint32();
    if (tag >>> 3 !== 3) {
      status.skip(tag & 7);
      continue;
    }
    const any = new BinaryReader(status.bytes());
    let typeUrl = "";
    let value: Uint8Array | undefined;
    while (any.pos < any.len) {
      const t = any.uint32();
      if (t >>> 3 === 1) typeUrl = any.string();
      else if (t >>> 3 === 2) value = any.bytes();
      else any.skip(t & 7);
    }
    if (typeUrl !== RETRY_INFO_TYPE || value === undefined) continue;
    const info = new BinaryReader(value);
    while (info.pos < info.len) {
      const t = info.uint32();
      if (t >>> 3 === 1) return durationToMs(Duration.decode(info.bytes()));
      info.skip(t & 7);
    }
  }
  return undefined;
}
