import { requestFacts } from "../provider-http/request-facts.js";

export interface RequestEstimate {
  /** Model named by the body or the path; the acquisition asks for a key serving it. */
  readonly model: string | undefined;
  /** Tokens reserved until the real count is reported: a prompt estimate plus the completion cap. */
  readonly estimatedTokens: number;
}

/**
 * What a proxied request will cost, for the acquisition: the client
 * library's estimate (`model` from the body or a Gemini/Azure path, four
 * characters a token plus `max_tokens` and its kin) over the upstream path
 * and the body.
 */
export function estimateRequest(path: string, body: Buffer | undefined): RequestEstimate {
  const facts = requestFacts(new URL(path, "http://upstream.invalid"), body === undefined ? undefined : body.toString("utf8"));
  return { model: facts.model, estimatedTokens: facts.estimatedTokens };
}
