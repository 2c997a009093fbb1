import type { KeyStateName } from "../pool/types.js";

/** The log message for a key's state change, saying what happened rather than "state changed". */
export function keyStateMessage(from: KeyStateName, to: KeyStateName): string {
  switch (to) {
    case "cooling_down":
      return "key cooling down";
    case "exhausted":
      return "key exhausted";
    case "disabled":
      return "key disabled";
    case "draining":
      return "key draining";
    case "active":
      return from === "disabled" ? "key re-enabled" : "key active again";
  }
}
