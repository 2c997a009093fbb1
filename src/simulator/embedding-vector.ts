import { hashString, seededRandom } from "./seeded-random.js";

/** A deterministic unit vector for `input`: equal inputs give equal vectors. */
export function embeddingVector(input: string, dimensions: number): number[] {
  const random = seededRandom(hashString(input));
  const values: number[] = [];
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const v = random() * 2 - 1;
    values.push(v);
    norm += v * v;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  // Round through float32 so the float and base64 forms carry the same numbers.
  return Array.from(new Float32Array(values.map((v) => v * scale)));
}

/** The vector as OpenAI sends it for encoding_format "base64": little-endian float32 bytes. */
export function embeddingBase64(values: readonly number[]): string {
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString("base64");
}
