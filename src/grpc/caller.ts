import { ANONYMOUS, type ClientIdentity } from "../auth/client-identity.js";

const callers = new WeakMap<object, ClientIdentity>();

/** Records who made a call, for the handlers behind the authorization layer. */
export function setCaller(call: object, client: ClientIdentity): void {
  callers.set(call, client);
}

/** Who made a call; anonymous when no authorization layer ran (no tokens configured). */
export function callerOf(call: object): ClientIdentity {
  return callers.get(call) ?? ANONYMOUS;
}
