import { KeyState, Outcome as ProtoOutcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { OutcomeName } from "./outcome.js";

/** A key's state by name, as the pool keeps it. */
export type KeyStateName = "active" | "cooling_down" | "exhausted" | "disabled" | "draining";

/** A key's state as a client reads it: a newer server may send one this version does not know. */
export type ReportedKeyState = KeyStateName | "unspecified";

const protoByOutcome: Readonly<Record<OutcomeName, ProtoOutcome>> = {
  success: ProtoOutcome.OUTCOME_SUCCESS,
  rate_limited: ProtoOutcome.OUTCOME_RATE_LIMITED,
  quota_exhausted: ProtoOutcome.OUTCOME_QUOTA_EXHAUSTED,
  unauthorized: ProtoOutcome.OUTCOME_UNAUTHORIZED,
  server_error: ProtoOutcome.OUTCOME_SERVER_ERROR,
  client_error: ProtoOutcome.OUTCOME_CLIENT_ERROR,
  timeout: ProtoOutcome.OUTCOME_TIMEOUT,
  cancelled: ProtoOutcome.OUTCOME_CANCELLED,
};

const outcomeByProto = new Map<number, OutcomeName>(Object.entries(protoByOutcome).map(([name, value]) => [value, name as OutcomeName]));

const protoByKeyState: Readonly<Record<KeyStateName, KeyState>> = {
  active: KeyState.KEY_STATE_ACTIVE,
  cooling_down: KeyState.KEY_STATE_COOLING_DOWN,
  exhausted: KeyState.KEY_STATE_EXHAUSTED,
  disabled: KeyState.KEY_STATE_DISABLED,
  draining: KeyState.KEY_STATE_DRAINING,
};

const keyStateByProto = new Map<number, KeyStateName>(Object.entries(protoByKeyState).map(([name, value]) => [value, name as KeyStateName]));

export function outcomeToProto(name: OutcomeName | undefined): ProtoOutcome {
  return name === undefined ? ProtoOutcome.OUTCOME_UNSPECIFIED : protoByOutcome[name];
}

/** The outcome a proto value names; undefined for UNSPECIFIED and for values this version does not know. */
export function outcomeFromProto(value: number): OutcomeName | undefined {
  return outcomeByProto.get(value);
}

/** Whether a proto outcome value is UNSPECIFIED or one this version knows. */
export function isKnownProtoOutcome(value: number): boolean {
  return value === ProtoOutcome.OUTCOME_UNSPECIFIED || outcomeByProto.has(value);
}

export function keyStateToProto(state: KeyStateName): KeyState {
  return protoByKeyState[state];
}

/** The state a proto value names; undefined for UNSPECIFIED and for values this version does not know. */
export function keyStateFromProto(state: number): KeyStateName | undefined {
  return keyStateByProto.get(state);
}
