import type { Tracer } from "@opentelemetry/api";
import { trace } from "@opentelemetry/api";
import { defaultResource, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from "@opentelemetry/semantic-conventions";

export const TRACER_NAME = "keypool";
const VERSION = process.env.npm_package_version ?? "0.1.0";

/** Where RPC spans go: a tracer, or none when tracing is off. */
export interface Tracing {
  readonly tracer: Tracer | undefined;
  /** Flushes pending spans; stops the SDK once its last user stops. */
  shutdown(): Promise<void>;
}

export interface TracingOptions {
  /** Spans go to this exporter, synchronously, instead of what OTEL_* says (tests use InMemorySpanExporter). */
  readonly spanExporter?: SpanExporter | undefined;
  /** The environment read for OTEL_* variables; defaults to process.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

/**
 * True when the standard OTEL_* variables ask for traces: an OTLP endpoint
 * (general or for traces), or an explicit OTEL_TRACES_EXPORTER other than
 * "none". Otherwise tracing is off, with no exporter and no cost per call.
 */
export function tracingRequested(env: Readonly<Record<string, string | undefined>>): boolean {
  if ((env["OTEL_SDK_DISABLED"] ?? "").trim().toLowerCase() === "true") return false;
  const exporters = (env["OTEL_TRACES_EXPORTER"] ?? "").split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
  if (exporters.includes("none")) return false;
  if (exporters.length > 0) return true;
  return nonEmpty(env["OTEL_EXPORTER_OTLP_ENDPOINT"]) || nonEmpty(env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);
}

/**
 * Sets up tracing for one server. With an injected exporter, a private
 * tracer provider (not registered globally, so tests in one process do not
 * see each other's spans). Otherwise, when the environment asks for it, the
 * OpenTelemetry Node SDK configured by the standard OTEL_* variables (traces
 * only: metrics go to Prometheus, logs to stdout), shared by every server of
 * the process.
 */
export async function startTracing(options: TracingOptions = {}): Promise<Tracing> {
  if (options.spanExporter !== undefined) {
    const provider = new BasicTracerProvider({ resource: keypoolResource(), spanProcessors: [new SimpleSpanProcessor(options.spanExporter)] });
    return {
      tracer: provider.getTracer(TRACER_NAME, VERSION),
      // Flush only: shutting the provider down would also shut (and empty) the caller's exporter.
      shutdown: () => provider.forceFlush(),
    };
  }
  if (!tracingRequested(options.env ?? process.env)) return { tracer: undefined, shutdown: async () => {} };
  await acquireSdk();
  return { tracer: trace.getTracer(TRACER_NAME, VERSION), shutdown: releaseSdk };
}

function keypoolResource() {
  return defaultResource().merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: "keypool", [ATTR_SERVICE_VERSION]: VERSION }));
}

interface SharedSdk {
  readonly shutdown: () => Promise<void>;
  users: number;
}

let shared: Promise<SharedSdk> | undefined;

async function acquireSdk(): Promise<void> {
  shared ??= (async () => {
    // Loaded only when asked for: the SDK and its exporters are heavy, and most runs do not trace.
    const { NodeSDK } = await import("@opentelemetry/sdk-node");
    const sdk = new NodeSDK({
      serviceName: process.env["OTEL_SERVICE_NAME"] ?? "keypool",
      metricReaders: [],
      logRecordProcessors: [],
      instrumentations: [],
    });
    sdk.start();
    return { shutdown: () => sdk.shutdown(), users: 0 };
  })();
  (await shared).users += 1;
}

async function releaseSdk(): Promise<void> {
  if (shared === undefined) return;
  const sdk = await shared;
  sdk.users -= 1;
  if (sdk.users > 0) return;
  shared = undefined;
  await sdk.shutdown();
}

function nonEmpty(v: string | undefined): boolean {
  return v !== undefined && v.trim() !== "";
}
