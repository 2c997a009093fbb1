import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Duration } from "../../clients/typescript/src/gen/google/protobuf/duration.js";
import { durationFromMs, durationToMs } from "./duration.js";

/** Metadata key under which gRPC carries a google.rpc.Status with details. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";
/** Trailer with the retry delay in milliseconds, for clients that do not decode status details. */
export const RETRY_AFTER_MS_KEY = "retry-after-ms";
/** google.rpc.ErrorInfo's domain for keypool's reasons. */
export const ERROR_DOMAIN = "keypool";

const RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo";
const ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo";

/** What the details of a google.rpc.Status say, as far as keypool reads them. */
export interface StatusDetails {
  /** google.rpc.ErrorInfo.reason, when the domain is keypool's. */
  readonly reason?: string;
  /** google.rpc.RetryInfo.retry_delay, in milliseconds. */
  readonly retryAfterMs?: number;
}

/**
 * Encodes google.rpc.Status { code, message, details: [Any(ErrorInfo), Any(RetryInfo)?] }.
 * Written by hand: three tiny messages do not justify vendoring googleapis.
 */
export function encodeStatusDetails(code: number, message: string, details: { reason: string; retryAfterMs?: number | undefined }): Uint8Array {
  const status = new BinaryWriter().uint32(8).int32(code).uint32(18).string(message);
  const errorInfo = new BinaryWriter().uint32(10).string(details.reason).uint32(18).string(ERROR_DOMAIN).finish();
  status.uint32(26).bytes(anyOf(ERROR_INFO_TYPE, errorInfo));
  if (details.retryAfterMs !== undefined) {
    const retryInfo = new BinaryWriter();
    Duration.encode(durationFromMs(details.retryAfterMs), retryInfo.uint32(10).fork()).join();
    status.uint32(26).bytes(anyOf(RETRY_INFO_TYPE, retryInfo.finish()));
  }
  return status.finish();
}

function anyOf(typeUrl: string, value: Uint8Array): Uint8Array {
  return new BinaryWriter().uint32(10).string(typeUrl).uint32(18).bytes(value).finish();
}

/** The ErrorInfo reason and RetryInfo delay carried in an encoded google.rpc.Status. */
export function decodeStatusDetails(statusBytes: Uint8Array): StatusDetails {
  let reason: string | undefined;
  let retryAfterMs: number | undefined;
  for (const [typeUrl, value] of detailsOf(statusBytes)) {
    if (typeUrl === RETRY_INFO_TYPE) retryAfterMs = fieldOf(value, 1, (r) => durationToMs(Duration.decode(r.bytes()))) ?? retryAfterMs;
    if (typeUrl === ERROR_INFO_TYPE && fieldOf(value, 2, (r) => r.string()) === ERROR_DOMAIN) reason = fieldOf(value, 1, (r) => r.string());
  }
  return { ...(reason === undefined ? {} : { reason }), ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

/** The RetryInfo delay carried in an encoded google.rpc.Status, in milliseconds. */
export function decodeRetryDelayMs(statusBytes: Uint8Array): number | undefined {
  return decodeStatusDetails(statusBytes).retryAfterMs;
}

function detailsOf(statusBytes: Uint8Array): Array<[string, Uint8Array]> {
  const out: Array<[string, Uint8Array]> = [];
  const status = new BinaryReader(statusBytes);
  while (status.pos < status.len) {
    const tag = status.uint32();
    if (tag >>> 3 !== 3) {
      status.skip(tag & 7);
      continue;
    }
    const any = status.bytes();
    const typeUrl = fieldOf(any, 1, (r) => r.string()) ?? "";
    const value = fieldOf(any, 2, (r) => r.bytes());
    if (value !== undefined) out.push([typeUrl, value]);
  }
  return out;
}

/** The first occurrence of field `field` of a message, read by `read`. */
function fieldOf<T>(bytes: Uint8Array, field: number, read: (r: BinaryReader) => T): T | undefined {
  const r = new BinaryReader(bytes);
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag >>> 3 === field) return read(r);
    r.skip(tag & 7);
  }
  return undefined;
}
