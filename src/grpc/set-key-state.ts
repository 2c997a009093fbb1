import type { ServerUnaryCall } from "@grpc/grpc-js";
import { KeyAction, type SetKeyStateRequest, type SetKeyStateResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { invalidArgument } from "../protocol/keypool-error.js";
import { keyStateToProto } from "../protocol/proto-names.js";
import { attribution } from "../pool/key-health.js";
import type { KeyAction as KeyActionName } from "../pool/key-action.js";
import type { LeasePool } from "../pool/lease-pool.js";
import { callerOf } from "./caller.js";
import { setRpcAttributes } from "./rpc-span.js";

const actionByProto = new Map<number, KeyActionName>([
  [KeyAction.KEY_ACTION_DISABLE, "disable"],
  [KeyAction.KEY_ACTION_ENABLE, "enable"],
  [KeyAction.KEY_ACTION_DRAIN, "drain"],
  [KeyAction.KEY_ACTION_PROBE, "probe"],
  [KeyAction.KEY_ACTION_CLEAR_COOLDOWN, "clear_cooldown"],
]);

/** SetKeyState: an administrator's action on one key, attributed to the calling client. */
export function setKeyState(pool: LeasePool) {
  return async (call: ServerUnaryCall<SetKeyStateRequest, SetKeyStateResponse>): Promise<SetKeyStateResponse> => {
    const req = call.request;
    const action = actionByProto.get(req.action);
    if (action === undefined) throw invalidArgument("action: expected DISABLE, ENABLE, DRAIN, PROBE or CLEAR_COOLDOWN");
    const provider = req.provider.trim().toLowerCase();
    if (provider === "") throw invalidArgument("provider: required");
    if (req.keyId === "") throw invalidArgument("key_id: required");
    const r = await pool.setKeyState(provider, req.keyId, action, req.reason, attribution(callerOf(call).name));
    setRpcAttributes(call, { "keypool.provider": r.provider, "keypool.key_id": r.keyId, "keypool.key_action": action });
    return {
      provider: r.provider,
      keyId: r.keyId,
      previousState: keyStateToProto(r.from),
      state: keyStateToProto(r.to),
      changed: r.changed,
      stateReason: r.stateReason,
    };
  };
}
