import type { ClientUnaryCall, Metadata, ServiceError } from "@grpc/grpc-js";
import { toKeyPoolError } from "./errors.js";

type UnaryMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/**
 * Runs one unary call with a deadline, as a promise. An abort signal cancels
 * it. Failures become KeyPoolError (KeyPoolUnavailableError when the sidecar
 * is not there). `metadata` should not ask to wait for a ready channel, so
 * that a sidecar that is down fails the call at once instead of at its deadline.
 */
export function unaryCall<Req, Res>(
  method: UnaryMethod<Req, Res>,
  request: Req,
  timeoutMs: number,
  names: { method: string; target: string },
  metadata: Metadata,
  signal?: AbortSignal,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const call = method(request, metadata, { deadline: Date.now() + timeoutMs }, (err, res) => {
      signal?.removeEventListener("abort", onAbort);
      if (err !== null) reject(signal?.aborted === true ? signal.reason : toKeyPoolError(err, names.method, names.target));
      else resolve(res);
    });
    const onAbort = () => call.cancel();
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
