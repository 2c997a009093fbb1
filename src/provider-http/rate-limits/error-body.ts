import type { ParseNote } from "./rate-limit-facts.js";

/** Only the start of an error body is read: quota details come first, and the work stays bounded. */
export const MAX_ERROR_BODY_BYTES = 8 * 1024;

const decoder = new TextDecoder("utf-8", { fatal: false });

/**
 * The error body as JSON, or undefined (with a note) when it is not JSON.
 * The text is dropped here; callers pick known fields out of the value.
 */
export function parseErrorBody(body: string | Uint8Array | undefined, notes: ParseNote[]): unknown {
  if (body === undefined || body.length === 0) return undefined;
  const text = typeof body === "string" ? body.slice(0, MAX_ERROR_BODY_BYTES) : decoder.decode(body.subarray(0, MAX_ERROR_BODY_BYTES));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    notes.push({ field: "error_body", reason: "not JSON (or cut at 8 KiB)" });
    return undefined;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `body.error[name]` when it is a string, the common place of an error code. */
export function errorField(body: unknown, name: string): string | undefined {
  if (!isRecord(body)) return undefined;
  const error = body["error"];
  if (!isRecord(error)) return undefined;
  const value = error[name];
  return typeof value === "string" ? value : undefined;
}
