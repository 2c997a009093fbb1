import { lstat, unlink } from "node:fs/promises";
import { connect } from "node:net";
import { KeypoolError } from "../protocol/keypool-error.js";

/**
 * Makes a Unix socket path ready for binding. A socket left behind by a
 * crashed process is removed; a live one (something answers) or a path that
 * is not a socket is never touched.
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = (await lstat(path)).isSocket();
  } catch {
    return; // Nothing there.
  }
  if (!isSocket) throw new KeypoolError("FAILED_PRECONDITION", `${path} exists and is not a socket; refusing to replace it`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
  if (alive) throw new KeypoolError("FAILED_PRECONDITION", `${path} is in use by a running process`);
  await unlink(path);
}

/** Runs `bind` with a umask that creates the socket file with `mode` from the start, not after a chmod. */
export async function withSocketMode<T>(mode: number, bind: () => Promise<T>): Promise<T> {
  const previous = process.umask(0o777 & ~mode);
  try {
    return await bind();
  } finally {
    process.umask(previous);
  }
}
