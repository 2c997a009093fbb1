import { KeyState, Outcome } from "./gen/keypool/v1/keypool.js";
import type { OutcomeName } from "./outcome-name.js";

/** A key's state by name, as the broker reports it. */
export type KeyStateName = "active" | "cooling_down" | "exhausted" | "disabled" | "draining" | "unspecified";

const outcomeToProtoMap: Record<OutcomeName, Outcome> = {
  success: Outcome.OUTCOME_SUCCESS,
  rate_limited: Outcome.OUTCOME_RATE_LIMITED,
  quota_exhausted: Outcome.OUTCOME_QUOTA_EXHAUSTED,
  unauthorized: Outcome.OUTCOME_UNAUTHORIZED,
  server_error: Outcome.OUTCOME_SERVER_ERROR,
  client_error: Outcome.OUTCOME_CLIENT_ERROR,
  timeout: Outcome.OUTCOME_TIMEOUT,
  cancelled: Outcome.OUTCOME_CANCELLED,
};

export function outcomeToProto(name: OutcomeName | undefined): Outcome {
  return name === undefined ? Outcome.OUTCOME_UNSPECIFIED : outcomeToProtoMap[name];
}

export function outcomeFromProto(outcome: Outcome): OutcomeName | undefined {
  for (const [name, value] of Object.entries(outcomeToProtoMap)) if (value === outcome) return name as OutcomeName;
  return undefined;
}

export function keyStateFromProto(state: KeyState): KeyStateName {
  switch (state) {
    case KeyState.KEY_STATE_ACTIVE:
      return "active";
    case KeyState.KEY_STATE_COOLING_DOWN:
      return "cooling_down";
    case KeyState.KEY_STATE_EXHAUSTED:
      return "exhausted";
    case KeyState.KEY_STATE_DISABLED:
      return "disabled";
    case KeyState.KEY_STATE_DRAINING:
      return "draining";
    default:
      return "unspecified";
  }
}
