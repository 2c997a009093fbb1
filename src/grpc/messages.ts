import { durationFromMs, timestampFromMs } from "../../clients/typescript/src/duration.js";
import { KeyState, Outcome as ProtoOutcome, type AcquireKeyResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { invalidArgument } from "../errors.js";
import type { Outcome } from "../pool/outcome.js";
import type { KeyStateName, Lease } from "../pool/types.js";

const outcomeByProto = new Map<number, Outcome | undefined>([
  [ProtoOutcome.OUTCOME_UNSPECIFIED, undefined],
  [ProtoOutcome.OUTCOME_SUCCESS, "success"],
  [ProtoOutcome.OUTCOME_RATE_LIMITED, "rate_limited"],
  [ProtoOutcome.OUTCOME_QUOTA_EXHAUSTED, "quota_exhausted"],
  [ProtoOutcome.OUTCOME_UNAUTHORIZED, "unauthorized"],
  [ProtoOutcome.OUTCOME_SERVER_ERROR, "server_error"],
  [ProtoOutcome.OUTCOME_CLIENT_ERROR, "client_error"],
  [ProtoOutcome.OUTCOME_TIMEOUT, "timeout"],
  [ProtoOutcome.OUTCOME_CANCELLED, "cancelled"],
]);

const protoByOutcome = new Map<Outcome, ProtoOutcome>(
  [...outcomeByProto].flatMap(([p, o]) => (o === undefined ? [] : [[o, p as ProtoOutcome]])),
);

export function outcomeFromProto(value: number): Outcome | undefined {
  if (!outcomeByProto.has(value)) throw invalidArgument(`outcome: unknown value ${value}`);
  return outcomeByProto.get(value);
}

export function outcomeToProto(outcome: Outcome | undefined): ProtoOutcome {
  return outcome === undefined ? ProtoOutcome.OUTCOME_UNSPECIFIED : (protoByOutcome.get(outcome) ?? ProtoOutcome.OUTCOME_UNSPECIFIED);
}

const keyStates: Record<KeyStateName, KeyState> = {
  active: KeyState.KEY_STATE_ACTIVE,
  cooling_down: KeyState.KEY_STATE_COOLING_DOWN,
  exhausted: KeyState.KEY_STATE_EXHAUSTED,
  disabled: KeyState.KEY_STATE_DISABLED,
  draining: KeyState.KEY_STATE_DRAINING,
};

export function keyStateToProto(state: KeyStateName): KeyState {
  return keyStates[state];
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
