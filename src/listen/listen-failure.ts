import { KeypoolError } from "../protocol/keypool-error.js";

/** Plain words for the bind errors an operator meets; anything else keeps the system's own text. */
const reasons: Readonly<Record<string, string>> = {
  EADDRINUSE: "address already in use",
  EACCES: "permission denied",
  EADDRNOTAVAIL: "address not available on this machine",
  ENOENT: "no such directory",
  ENOTDIR: "a part of the path is not a directory",
};

/**
 * A listener that could not bind, said plainly: "cannot listen on ADDR for
 * gRPC: address already in use". grpc-js wraps the socket error in its own
 * text ("No address added out of total 1 resolved errors: [listen
 * EADDRINUSE: ...]"), Node's HTTP server does not; both come out the same.
 */
export function listenFailure(name: string, address: string, err: unknown): KeypoolError {
  return new KeypoolError("UNAVAILABLE", `cannot listen on ${address} for ${name}: ${bindReason(err)}`, undefined, [], "UNAVAILABLE", { cause: err });
}

function bindReason(err: unknown): string {
  const own = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const code = own ?? /\b(E[A-Z]{3,})\b/.exec(message)?.[1];
  if (code !== undefined && reasons[code] !== undefined) return reasons[code];
  // "listen EXXX: text address" inside grpc-js's wrapper: keep the text alone.
  return /listen E[A-Z]+: ([^\],]+)/.exec(message)?.[1]?.trim() ?? message;
}
