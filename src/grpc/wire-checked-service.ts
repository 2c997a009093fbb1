import type { ServiceDefinition } from "@grpc/grpc-js";
import { invalidArgument } from "../protocol/keypool-error.js";
import type { Logger } from "../telemetry/logger.js";
import { toServiceError } from "./to-status.js";
import { checkWire, type WireFields } from "./wire-check.js";

/** Requests refused at decoding, with the reason; such a request reaches no handler. */
const refused = new WeakMap<object, string>();

/**
 * grpc-js answers any exception of a request decoder with INTERNAL, so an
 * out-of-range field or a broken encoding cannot be refused from inside the
 * decoder. Instead the
 * decoder returns a placeholder remembered here, and `wireCheckedService`
 * answers it with INVALID_ARGUMENT naming the field before any handler runs.
 */
export function wireCheckedDefinition<D extends ServiceDefinition>(definition: D, fields: Readonly<Record<string, WireFields>>): D {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const wire = fields[name];
    if (wire === undefined) throw new Error(`no wire field table for method ${name}`);
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const problem = checkWire(bytes, wire);
        if (problem !== undefined) return refusal(problem);
        try {
          return method.requestDeserialize(bytes);
        } catch {
          return refusal("request: not a valid protobuf encoding of the request message");
        }
      },
    };
  }
  return out as D;
}

function refusal(problem: string): object {
  const placeholder = {};
  refused.set(placeholder, problem);
  return placeholder;
}

type Call = { readonly request?: unknown; emit?: (event: "error", err: unknown) => boolean };
type Callback = (err: unknown) => void;

/** Answers requests refused by `wireCheckedDefinition`; passes every other call to `impl`. */
export function wireCheckedService<T extends object>(impl: T, log: Logger): T {
  const out: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(impl as Record<string, (call: Call, cb?: Callback) => void>)) {
    out[name] = (call: Call, callback?: Callback) => {
      const problem = typeof call.request === "object" && call.request !== null ? refused.get(call.request) : undefined;
      if (problem === undefined) return handler(call, callback);
      const err = toServiceError(invalidArgument(problem), log);
      if (callback !== undefined) callback(err);
      else call.emit?.("error", err);
    };
  }
  return out as T;
}
