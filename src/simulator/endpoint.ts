import type { Dialect, Headers } from "./dialect.js";
import type { SimError } from "./sim-error.js";

/** One served operation, e.g. OpenAI chat completions. */
export interface Endpoint {
  readonly dialect: Dialect;
  /** Validates the JSON body; returns the call or the 400 to answer. */
  parse(body: unknown, request: EndpointRequest): ParsedCall | SimError;
}

export interface EndpointRequest {
  headers: Headers;
  url: URL;
  /** Path parameters, e.g. the Gemini model or the Azure deployment. */
  params: Readonly<Record<string, string>>;
}

/** A valid request, ready to be admitted and answered. */
export interface ParsedCall {
  model: string;
  promptTokens: number;
  /** The request's own cap on completion tokens, if it set one. */
  maxOutputTokens: number | undefined;
  /** False for embeddings, which produce no completion tokens. */
  generates: boolean;
  /** The successful non-streaming body. */
  json(outcome: CallOutcome): unknown;
  /** The successful stream, when the request asked for one. */
  stream: ((outcome: CallOutcome) => StreamPlan) | undefined;
}

/** What the simulator decided about an accepted call. */
export interface CallOutcome {
  /** Unique per simulator, e.g. for chatcmpl-… ids. */
  id: string;
  /** Arrival time in epoch milliseconds, by the injected clock. */
  createdMs: number;
  promptTokens: number;
  completionTokens: number;
  /** True when the completion stopped at the request's own cap. */
  truncated: boolean;
}

/** The frames of a streamed reply, already in wire format. */
export interface StreamPlan {
  contentType: string;
  /** Sent with the headers, before the first token. */
  head: string[];
  /** Frames carrying completion token `index`. */
  token(index: number, isLast: boolean): string[];
  /** Sent after the last token. */
  tail: string[];
}
