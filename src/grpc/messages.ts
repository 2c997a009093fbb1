import { type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { durationFromMs, timestampFromMs } from "../protocol/duration.js";
import { invalidArgument } from "../protocol/keypool-error.js";
import type { OutcomeName } from "../protocol/outcome.js";
import { isKnownProtoOutcome, outcomeFromProto } from "../protocol/proto-names.js";
import type { Lease } from "../pool/types.js";

/** The outcome a ReportKey request names; a value this version does not know is the caller's error. */
export function reportedOutcome(value: number): OutcomeName | undefined {
  if (!isKnownProtoOutcome(value)) throw invalidArgument("outcome: not a value of keypool.v1.Outcome");
  return outcomeFromProto(value);
}

export function leaseToProto(lease: Lease): AcquireKeyResponse {
  return {
    leaseId: lease.leaseId,
    keyId: lease.keyId,
    apiKey: lease.secret,
    provider: lease.provider,
    expiresAt: timestampFromMs(lease.expiresAt),
    baseUrl: lease.baseUrl ?? "",
    maskedKey: lease.maskedKey,
    waited: durationFromMs(lease.waitedMs),
  };
}
