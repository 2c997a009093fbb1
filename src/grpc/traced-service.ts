import {
  status as Status,
  type Metadata,
  type ServerWritableStream,
  type ServiceDefinition,
  type ServiceError,
} from "@grpc/grpc-js";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Span, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { bindRpcSpan, rpcSpanOf } from "./rpc-span.js";

const propagator = new W3CTraceContextPropagator();

const metadataGetter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key).filter((v): v is string => typeof v === "string");
    return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
  },
};

/** Codes that mean the server failed (OpenTelemetry gRPC conventions); the others are the caller's business. */
const SERVER_ERRORS = new Set<number>([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

type AnyHandler = (...args: never[]) => unknown;

/**
 * Wraps every unary and server-streaming handler of a service in a SERVER
 * span named by the gRPC method ("keypool.v1.KeyPoolService/AcquireKey"),
 * continuing the W3C trace context (traceparent) found in the call's
 * metadata, with the RPC semantic-convention attributes and the status the
 * call ended with. Handlers add keypool.* attributes via setRpcAttributes.
 * Without a tracer the service is returned untouched.
 */
export function tracedService<T extends object>(definition: ServiceDefinition, impl: T, tracer: Tracer | undefined): T {
  if (tracer === undefined) return impl;
  const wrapped: Record<string, unknown> = { ...(impl as Record<string, unknown>) };
  for (const [name, method] of Object.entries(definition)) {
    const handler = (impl as Record<string, unknown>)[name];
    if (typeof handler !== "function" || method.requestStream) continue;
    const rpcMethod = method.path.replace(/^\//, "");
    wrapped[name] = method.responseStream
      ? traceServerStream(tracer, rpcMethod, handler as AnyHandler)
      : traceUnary(tracer, rpcMethod, handler as AnyHandler);
  }
  return wrapped as T;
}

interface TracedCall {
  readonly metadata: Metadata;
  getPeer(): string;
}

function traceUnary(tracer: Tracer, rpcMethod: string, handler: AnyHandler) {
  return (call: TracedCall, callback: (err: Partial<ServiceError> | null, ...rest: unknown[]) => void) => {
    const span = startRpcSpan(tracer, rpcMethod, call);
    const done = (err: Partial<ServiceError> | null, ...rest: unknown[]) => {
      endRpcSpan(call, span, err === null ? Status.OK : (err.code ?? Status.UNKNOWN), err?.details);
      callback(err, ...rest);
    };
    (handler as (c: TracedCall, cb: typeof done) => void)(call, done);
  };
}

function traceServerStream(tracer: Tracer, rpcMethod: string, handler: AnyHandler) {
  return (call: ServerWritableStream<unknown, unknown>) => {
    const span = startRpcSpan(tracer, rpcMethod, call);
    let failure: Partial<ServiceError> | undefined;
    let ended = false;
    const onError = (err: Partial<ServiceError>) => {
      failure = err;
    };
    const finish = (code: number | undefined) => {
      if (ended) return;
      ended = true;
      call.removeListener("error", onError);
      call.removeListener("finish", onFinish);
      call.removeListener("cancelled", onCancelled);
      endRpcSpan(call, span, code ?? failure?.code ?? Status.OK, failure?.details);
    };
    const onFinish = () => finish(undefined);
    const onCancelled = () => finish(Status.CANCELLED);
    call.on("error", onError);
    call.once("finish", onFinish);
    call.once("cancelled", onCancelled);
    (handler as (c: typeof call) => void)(call);
  };
}

function startRpcSpan(tracer: Tracer, rpcMethod: string, call: TracedCall): Span {
  const parent = propagator.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
  const slash = rpcMethod.lastIndexOf("/");
  const span = tracer.startSpan(
    rpcMethod,
    {
      kind: SpanKind.SERVER,
      attributes: {
        "rpc.system.name": "grpc",
        "rpc.system": "grpc",
        "rpc.method": rpcMethod,
        "rpc.service": rpcMethod.slice(0, slash),
        ...peerAttributes(call.getPeer()),
      },
    },
    parent,
  );
  bindRpcSpan(call, span);
  return span;
}

function endRpcSpan(call: object, span: Span, code: number, details: string | undefined): void {
  const name = Status[code] ?? "UNKNOWN";
  span.setAttribute("rpc.status_code", name);
  span.setAttribute("rpc.grpc.status_code", code);
  if (code !== Status.OK && rpcSpanOf(call)?.outcomeSet !== true) {
    span.setAttribute("keypool.outcome", code === Status.RESOURCE_EXHAUSTED ? "exhausted" : "error");
  }
  if (SERVER_ERRORS.has(code)) {
    span.setAttribute("error.type", name);
    span.setStatus({ code: SpanStatusCode.ERROR, message: details ?? name });
  }
  span.end();
}

/** network.peer.* from grpc-js's peer string ("127.0.0.1:51234", "[::1]:51234"). */
function peerAttributes(peer: string): Record<string, string | number> {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(peer);
  if (m === null) return peer === "" ? {} : { "network.peer.address": peer };
  return { "network.peer.address": m[1] as string, "network.peer.port": Number(m[2]) };
}
