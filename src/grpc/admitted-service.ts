import type { KeyPoolServiceServer } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { callerOf } from "./caller.js";
import type { FairAdmission } from "./fair-admission.js";

interface AdmittedCall {
  readonly cancelled: boolean;
  getPeer(): string;
}

/**
 * Puts AcquireKey and ReportUsage, the calls that reach the pool, through
 * per-client admission. A client is its name from the tokens file; without
 * tokens every caller is anonymous, and a connection (a client's channel)
 * stands for the client.
 */
export function admittedService(impl: KeyPoolServiceServer, admission: FairAdmission): KeyPoolServiceServer {
  const admit =
    <C extends AdmittedCall, B>(handler: (call: C, callback: B) => void) =>
    (call: C, callback: B) => {
      const name = callerOf(call).name;
      admission.admit(name === "" ? `peer:${call.getPeer()}` : `client:${name}`, () => {
        // A call cancelled while queued has had its answer from grpc-js; it must not reach the pool.
        if (!call.cancelled) handler(call, callback);
      });
    };
  return { ...impl, acquireKey: admit(impl.acquireKey), reportUsage: admit(impl.reportUsage) };
}
