import { stat } from "node:fs/promises";

/**
 * A warning when a file holding secrets can be read by users other than its
 * owner (group or world read bits), as ssh does for private keys. Not an
 * error: containers often run with such modes on purpose.
 */
export async function readableByOthersWarning(path: string, what: string): Promise<string | undefined> {
  try {
    const s = await stat(path);
    if ((s.mode & 0o044) !== 0) {
      return `${what} ${path} is readable by other users (mode ${(s.mode & 0o777).toString(8).padStart(3, "0")}); consider chmod 600`;
    }
  } catch {
    // A missing file is reported by whoever reads it.
  }
  return undefined;
}
