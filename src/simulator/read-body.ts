import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { kind: "body"; text: string }
  | { kind: "too_large" }
  /** The client went away while sending. */
  | { kind: "gone" };

/** Reads the whole request body, keeping at most `limitBytes` (the rest is drained, not kept). */
export function readBody(req: IncomingMessage, limitBytes: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.once("end", () => {
      resolve(tooLarge ? { kind: "too_large" } : { kind: "body", text: Buffer.concat(chunks).toString("utf8") });
    });
    req.once("error", () => resolve({ kind: "gone" }));
    req.once("close", () => {
      if (!req.complete) resolve({ kind: "gone" });
    });
  });
}
