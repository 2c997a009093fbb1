import { bearerToken, headerValue, type Headers } from "./dialect.js";

/**
 * Every credential a request carries, wherever a provider would look for
 * one: Authorization (the bearer token, or the whole value for another
 * scheme), x-api-key, api-key, x-goog-api-key and the `key` query parameter.
 */
export function presentedCredentials(headers: Headers, url: URL): string[] {
  const found: string[] = [];
  const authorization = headerValue(headers, "authorization");
  if (authorization !== undefined) found.push(bearerToken(headers) ?? authorization);
  for (const name of ["x-api-key", "api-key", "x-goog-api-key"]) {
    const value = headerValue(headers, name);
    if (value !== undefined) found.push(value);
  }
  for (const value of url.searchParams.getAll("key")) if (value.length > 0) found.push(value);
  return found;
}
