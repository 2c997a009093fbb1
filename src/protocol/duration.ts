import type { Duration } from "../../clients/typescript/src/gen/google/protobuf/duration.js";
import type { Timestamp } from "../../clients/typescript/src/gen/google/protobuf/timestamp.js";

/** Milliseconds as a protobuf Duration. */
export function durationFromMs(ms: number): Duration {
  const whole = Math.trunc(ms / 1000);
  return { seconds: whole, nanos: Math.round((ms - whole * 1000) * 1e6) };
}

/** A protobuf Duration in milliseconds; undefined stays undefined. */
export function durationToMs(d: Duration | undefined): number | undefined {
  return d === undefined ? undefined : d.seconds * 1000 + d.nanos / 1e6;
}

export function timestampFromMs(ms: number): Timestamp {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: Math.round((ms - seconds * 1000) * 1e6) };
}

export function timestampToMs(t: Timestamp | undefined): number | undefined {
  return t === undefined ? undefined : t.seconds * 1000 + t.nanos / 1e6;
}
