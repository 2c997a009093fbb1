import { randomBytes } from "node:crypto";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { parsePersistedState, type PersistedState } from "./persisted-state.js";

export type StateFileRead = { kind: "read"; state: PersistedState } | { kind: "missing" } | { kind: "unreadable"; reason: string };

/** Reads a state file; a missing, unreadable or malformed one says so instead of throwing. */
export async function readStateFile(path: string): Promise<StateFileRead> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    return { kind: "unreadable", reason: (err as NodeJS.ErrnoException).code ?? "read failed" };
  }
  const parsed = parsePersistedState(text);
  return parsed.ok ? { kind: "read", state: parsed.state } : { kind: "unreadable", reason: parsed.error };
}

/**
 * Writes the state so that a reader finds the old file or the new one,
 * never half of one: a temporary file beside it (mode 0600), then a rename.
 */
export async function writeStateFile(path: string, state: PersistedState): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(state), { mode: 0o600, flag: "wx" });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
