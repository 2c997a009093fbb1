import { parseDuration } from "../config/duration.js";
import { invalidArgument } from "../protocol/keypool-error.js";

/** Providers named in a query string, as ?provider=a&provider=b or ?provider=a,b. */
export function queryProviders(url: URL): string[] {
  return url.searchParams.getAll("provider").flatMap((v) => v.split(","));
}

/** ?interval= as a duration ("500ms", "2s") or milliseconds; undefined when absent. */
export function queryInterval(url: URL): number | undefined {
  const raw = url.searchParams.get("interval");
  if (raw === null) return undefined;
  const ms = parseDuration(raw);
  if (ms === undefined) throw invalidArgument("interval: expected a duration such as 500ms or 2s");
  return ms;
}
