import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** The request fields whose wire values can be out of range for the decoder or for their type. */
export type WireField = { readonly name: string; readonly kind: "int64" | "duration" };
export type WireFields = ReadonlyMap<number, WireField>;

/** google.protobuf.Duration's own bounds: about 10,000 years either way, nanos below one second. */
const MAX_DURATION_SECONDS = 315_576_000_000n;
const MAX_NANOS = 999_999_999;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Walks a request's encoding and returns the first field whose value the
 * generated decoder cannot hold (an int64 beyond 2^53) or that breaks its
 * type's rules (a Duration's range, nanos and sign), as "field: reason";
 * undefined when every such field is fine. Only top-level fields listed in
 * `fields` are checked; the decoder deals with everything else.
 */
export function checkWire(bytes: Uint8Array, fields: WireFields): string | undefined {
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      const field = fields.get(fieldNo);
      if (field?.kind === "int64" && wireType === WireType.Varint) {
        const value = BigInt(reader.int64());
        if (value > MAX_SAFE || value < -MAX_SAFE) return `${field.name}: out of range (at most ${Number.MAX_SAFE_INTEGER})`;
      } else if (field?.kind === "duration" && wireType === WireType.LengthDelimited) {
        const problem = checkDuration(reader.bytes());
        if (problem !== undefined) return `${field.name}${problem}`;
      } else {
        reader.skip(wireType, fieldNo);
      }
    }
  } catch {
    // Malformed framing is the decoder's to report; this check only adds field names.
    return undefined;
  }
  return undefined;
}

function checkDuration(bytes: Uint8Array): string | undefined {
  const reader = new BinaryReader(bytes);
  let seconds = 0n;
  let nanos = 0;
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === 1 && wireType === WireType.Varint) seconds = BigInt(reader.int64());
    else if (fieldNo === 2 && wireType === WireType.Varint) nanos = reader.int32();
    else reader.skip(wireType, fieldNo);
  }
  if (seconds > MAX_DURATION_SECONDS || seconds < -MAX_DURATION_SECONDS) {
    return `.seconds: out of range (at most ${MAX_DURATION_SECONDS} either way)`;
  }
  if (nanos > MAX_NANOS || nanos < -MAX_NANOS) return `.nanos: out of range (at most ${MAX_NANOS} either way)`;
  if ((seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)) return ".nanos: sign differs from seconds";
  return undefined;
}
