import type { IncomingHttpHeaders } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, type Attributes, type Span, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";

const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<IncomingHttpHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key.toLowerCase()],
};

/** The span of one proxied request; a no-op without a tracer. */
export interface ProxySpan {
  set(attributes: Attributes): void;
  /** The request's route, once the provider is known to be configured: names the span `{method} /{provider}/*`. */
  route(provider: string): void;
  /** Ends the span with the status answered to the client (0: none, the client went away). */
  end(status: number, errorType?: string): void;
}

const NO_SPAN: ProxySpan = { set: () => {}, route: () => {}, end: () => {} };

/**
 * A SERVER span per proxied request, continuing the client's W3C
 * `traceparent`, named `{method}` and then `{method} /{provider}/*` (a route
 * template, not the path: low cardinality), with HTTP semantic-convention
 * attributes and keypool.* ones (provider, key id, attempts, outcome). The URL's
 * query is never recorded: Gemini clients may put their token in `?key=`.
 */
export function startProxySpan(tracer: Tracer | undefined, method: string, headers: IncomingHttpHeaders, peer: { address?: string | undefined; port?: number | undefined }): ProxySpan {
  if (tracer === undefined) return NO_SPAN;
  const parent = propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  const span: Span = tracer.startSpan(
    method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        "http.request.method": method,
        ...(peer.address === undefined ? {} : { "network.peer.address": peer.address }),
        ...(peer.port === undefined ? {} : { "network.peer.port": peer.port }),
      },
    },
    parent,
  );
  let ended = false;
  return {
    set: (attributes) => span.setAttributes(attributes),
    route(provider) {
      const route = `/${provider}/*`;
      span.updateName(`${method} ${route}`);
      span.setAttributes({ "http.route": route, "keypool.provider": provider });
    },
    end(status, errorType) {
      if (ended) return;
      ended = true;
      if (status > 0) span.setAttribute("http.response.status_code", status);
      const type = errorType ?? (status >= 500 ? String(status) : undefined);
      if (type !== undefined) span.setAttribute("error.type", type);
      // For a server span only 5xx (and failures without an answer) are errors; 4xx are the client's.
      if (status >= 500 || status === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: type ?? "no response" });
      span.end();
    },
  };
}
