/** Reads one header by name, case-insensitively; undefined when absent. */
export type HeaderReader = (name: string) => string | undefined;

/**
 * A reader over the header shapes SDKs and HTTP libraries use: a fetch
 * `Headers`, anything with `get(name)`, or a plain record (any case).
 */
export function headerReader(source: unknown): HeaderReader {
  if (source === null || typeof source !== "object") return () => undefined;
  const getter = (source as { get?: unknown }).get;
  if (typeof getter === "function") {
    return (name) => {
      const value: unknown = getter.call(source, name);
      return typeof value === "string" ? value : undefined;
    };
  }
  const lower = new Map<string, unknown>();
  for (const [k, v] of Object.entries(source)) lower.set(k.toLowerCase(), v);
  return (name) => {
    const value = lower.get(name.toLowerCase());
    if (typeof value === "string") return value;
    if (Array.isArray(value) && typeof value[0] === "string") return value[0];
    return undefined;
  };
}
