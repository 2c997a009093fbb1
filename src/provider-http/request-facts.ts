/** What a provider request says about itself, for the acquisition. */
export interface RequestFacts {
  /** Model named in the body or the URL, when any. */
  readonly model?: string;
  /** Prompt estimate (4 characters a token) plus the completion cap the request set. */
  readonly estimatedTokens: number;
}

/**
 * The model and a token estimate of a provider request, from its URL and
 * JSON body text: `model` in the body (OpenAI, Anthropic), `/models/{model}:`
 * (Gemini) or `/deployments/{name}/` (Azure) in the path; the cap from
 * `max_tokens`, `max_completion_tokens`, `max_output_tokens` or Gemini's
 * `generationConfig.maxOutputTokens`. The estimate only reserves room in the
 * token windows until the real count is reported.
 */
export function requestFacts(url: URL, bodyText: string | undefined): RequestFacts {
  const inPath = /\/models\/([^/:]+)[:/]/.exec(url.pathname)?.[1] ?? /\/deployments\/([^/]+)\//.exec(url.pathname)?.[1];
  let model = inPath === undefined ? undefined : decodePathSegment(inPath);
  let cap = 0;
  if (bodyText !== undefined && bodyText.trimStart().startsWith("{")) {
    try {
      const body = JSON.parse(bodyText) as Record<string, unknown>;
      if (typeof body["model"] === "string") model = body["model"];
      const config = body["generationConfig"] ?? body["generation_config"];
      const candidates = [
        body["max_completion_tokens"],
        body["max_tokens"],
        body["max_output_tokens"],
        config !== null && typeof config === "object" ? (config as Record<string, unknown>)["maxOutputTokens"] : undefined,
      ];
      cap = candidates.find((c): c is number => typeof c === "number" && Number.isFinite(c) && c > 0) ?? 0;
    } catch {
      // Not JSON: estimate from its length only.
    }
  }
  const prompt = bodyText === undefined ? 0 : Math.ceil(bodyText.length / 4);
  return { ...(model === undefined ? {} : { model }), estimatedTokens: prompt + Math.round(cap) };
}

/** A path segment as the provider will read it; a malformed escape is kept as written rather than failing the request. */
function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
