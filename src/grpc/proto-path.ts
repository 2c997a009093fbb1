import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The shipped proto folder, found from this module whether it runs from src/ or dist/. */
export function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "proto", "keypool", "v1", "keypool.proto"))) return join(dir, "proto");
    dir = dirname(dir);
  }
  throw new Error("proto/keypool/v1/keypool.proto not found next to the installed package");
}
