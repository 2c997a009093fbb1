import type { IncomingHttpHeaders } from "node:http";
import type { ProviderApi } from "../provider-http/provider-api.js";

/** Where a client's credential was found, named as its SDK sends it (for messages; never the value). */
export type CredentialPlace = "authorization" | "x-api-key" | "api-key" | "x-goog-api-key" | "key";

export interface ClientCredential {
  readonly value: string;
  readonly place: CredentialPlace;
}

/** Where each API's SDK puts its key, most usual first; the others are accepted after them. */
const PLACES: Readonly<Record<ProviderApi, readonly CredentialPlace[]>> = {
  openai: ["authorization"],
  azure: ["api-key", "authorization"],
  gemini: ["x-goog-api-key", "key"],
  anthropic: ["x-api-key", "authorization"],
};
const EVERY_PLACE: readonly CredentialPlace[] = ["authorization", "x-api-key", "api-key", "x-goog-api-key", "key"];

/** The header (or query parameter) a client of this API is told to put its keypool token in. */
export function expectedPlace(api: ProviderApi): CredentialPlace {
  return (PLACES[api][0] as CredentialPlace);
}

/**
 * The credential a client sent where its SDK sends an API key: the API's own
 * place first (`Authorization: Bearer` for OpenAI-compatible APIs, `api-key`
 * for Azure, `x-goog-api-key` or `?key=` for Gemini, `x-api-key` for
 * Anthropic), then any other of them. Undefined when there is none. The
 * proxy removes every one of these places before forwarding, whatever it found.
 */
export function clientCredential(headers: IncomingHttpHeaders, query: URLSearchParams, api: ProviderApi): ClientCredential | undefined {
  const order = [...PLACES[api], ...EVERY_PLACE.filter((p) => !PLACES[api].includes(p))];
  for (const place of order) {
    const value = valueAt(headers, query, place);
    if (value !== undefined && value !== "") return { value, place };
  }
  return undefined;
}

function valueAt(headers: IncomingHttpHeaders, query: URLSearchParams, place: CredentialPlace): string | undefined {
  if (place === "key") return query.get("key") ?? undefined;
  const raw = headers[place];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (value === undefined) return undefined;
  if (place !== "authorization") return value;
  const m = /^Bearer\s+(\S+)$/i.exec(value);
  return m?.[1];
}
