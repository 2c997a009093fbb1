import type { SimError } from "./sim-error.js";

/** Whether a parse result is a refusal rather than a value. */
export function isError(value: unknown): value is SimError {
  return typeof value === "object" && value !== null && "kind" in value && !Array.isArray(value);
}
