import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ReloadEvent } from "../../src/reload/config-reloader.js";
import type { KeypoolServer } from "../../src/keypool-server.js";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "keypool-reload-"));
}

/** Writes a file the way editors do: a temporary file renamed over the original. */
export function renameWrite(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Keys with explicit ids and obviously fake secrets. */
export function keysDoc(ids: string[], extra: Record<string, unknown> = {}): { key: string; id: string }[] {
  return ids.map((id) => ({ key: `sk-test-reload-${id}`, id, ...extra }));
}

/** Collects reload events of a running server. */
export function recordReloads(server: KeypoolServer): ReloadEvent[] {
  const events: ReloadEvent[] = [];
  server.reloader.subscribe((e) => events.push(e));
  return events;
}
