import { KeypoolError } from "../protocol/keypool-error.js";

/** Prints an error for a person: the message and each detail on its own line. Returns the exit code. */
export function printError(err: unknown): number {
  if (err instanceof KeypoolError) {
    process.stderr.write(`keypool: ${err.message}\n`);
    for (const d of err.details) process.stderr.write(`  - ${d}\n`);
    return 1;
  }
  process.stderr.write(`keypool: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
}
