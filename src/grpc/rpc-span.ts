import type { Attributes, Span } from "@opentelemetry/api";

interface RpcSpanEntry {
  readonly span: Span;
  outcomeSet: boolean;
}

/** The span of each traced call, keyed by the call object the handler receives. */
const spans = new WeakMap<object, RpcSpanEntry>();

/** Ties a span to a call, for handlers to annotate (see setRpcAttributes). */
export function bindRpcSpan(call: object, span: Span): void {
  spans.set(call, { span, outcomeSet: false });
}

/** The span tied to a call and whether a handler already set keypool.outcome. */
export function rpcSpanOf(call: object): RpcSpanEntry | undefined {
  return spans.get(call);
}

/** True when the call has a span: handlers build span attributes only then, since they cost on every call. */
export function isTraced(call: object): boolean {
  return spans.has(call);
}

/**
 * Adds keypool.* attributes to the call's span, when it is traced; a no-op
 * otherwise. Handlers say what only they know (the key leased, the outcome
 * reported) without depending on the tracing setup. Ids only, never secrets.
 */
export function setRpcAttributes(call: object, attributes: Attributes): void {
  const entry = spans.get(call);
  if (entry === undefined) return;
  entry.span.setAttributes(attributes);
  if (attributes["keypool.outcome"] !== undefined) entry.outcomeSet = true;
}
