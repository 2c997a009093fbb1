import type { ParseNote } from "./rate-limit-facts.js";

/** Longer header values are no rate-limit header of any provider; they are skipped unread. */
export const MAX_HEADER_VALUE_CHARS = 256;

/**
 * Reads named headers of one answer and collects a note for every value that
 * is present but unusable, so each dialect parser stays a list of names.
 */
export class HeaderFields {
  readonly notes: ParseNote[] = [];

  constructor(private readonly headers: Readonly<Record<string, string>>) {}

  /** The trimmed value, or undefined when absent, empty or too long. */
  text(name: string): string | undefined {
    if (!Object.hasOwn(this.headers, name)) return undefined;
    const raw = this.headers[name];
    if (typeof raw !== "string") return undefined;
    if (raw.length > MAX_HEADER_VALUE_CHARS) {
      this.note(name, `longer than ${MAX_HEADER_VALUE_CHARS} characters`);
      return undefined;
    }
    const value = raw.trim();
    return value.length === 0 ? undefined : value;
  }

  /** A non-negative integer header. */
  count(name: string): number | undefined {
    return this.parsed(name, parseCount, "expected a non-negative integer");
  }

  /** A header read with `parse`; a value it rejects is noted with `expected`. */
  parsed<T>(name: string, parse: (value: string) => T | undefined, expected: string): T | undefined {
    const value = this.text(name);
    if (value === undefined) return undefined;
    const result = parse(value);
    if (result === undefined) this.note(name, expected);
    return result;
  }

  note(field: string, reason: string): void {
    this.notes.push({ field, reason });
  }
}

export function parseCount(value: string): number | undefined {
  if (!/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

/** Retry-After in (possibly fractional) seconds, as milliseconds. */
export function parseSeconds(value: string): number | undefined {
  if (!/^\d{1,9}(\.\d{1,9})?$/.test(value)) return undefined;
  return Math.round(Number(value) * 1000);
}
