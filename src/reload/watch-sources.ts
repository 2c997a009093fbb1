import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { watch, type FSWatcher } from "chokidar";

export interface SourceWatcher {
  close(): Promise<void>;
}

/** Quiet time after the last file event before a reload, so a burst of writes gives one reload. */
export const DEFAULT_DEBOUNCE_MS = 200;

/**
 * Watches configuration files and calls `onChange` when their content
 * changes. It watches the folders, not the files: editors replace a file by
 * renaming a temporary one over it, and Kubernetes swaps a `..data` symlink
 * under mounted secrets; both leave a watch on the file itself pointing at a
 * stale inode. Any event in a folder leads to comparing the files' contents,
 * so unrelated events and rewrites with the same content cost no reload.
 */
export async function watchSources(
  files: readonly string[],
  onChange: () => void,
  options: { debounceMs?: number | undefined; onError?: ((err: unknown) => void) | undefined } = {},
): Promise<SourceWatcher> {
  const paths = files.map((f) => resolve(f));
  const dirs = [...new Set(paths.map((p) => dirname(p)))];
  let last = await fingerprint(paths);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const check = async () => {
    const now = await fingerprint(paths);
    if (closed || now === last) return;
    last = now;
    onChange();
  };
  const schedule = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      check().catch((err: unknown) => options.onError?.(err));
    }, options.debounceMs ?? DEFAULT_DEBOUNCE_MS);
  };

  const watcher: FSWatcher = watch(dirs, { ignoreInitial: true, depth: 0, followSymlinks: false, atomic: false });
  watcher.on("all", schedule);
  watcher.on("error", (err) => options.onError?.(err));
  await new Promise<void>((r) => watcher.once("ready", () => r()));
  return {
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      await watcher.close();
    },
  };
}

/** A hash of every file's content (through symlinks); a missing file counts as its own state. */
async function fingerprint(paths: readonly string[]): Promise<string> {
  const h = createHash("sha256");
  for (const p of paths) {
    try {
      h.update(await readFile(p));
    } catch {
      h.update("\u0000missing");
    }
    h.update("\u0000");
  }
  return h.digest("hex");
}
