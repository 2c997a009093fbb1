import { runDemo } from "../demo/run-demo.js";
import { createLogger } from "../telemetry/logger.js";
import { printError } from "./print-errors.js";

export interface DemoOptions {
  duration: number;
  listen: string;
}

/**
 * `keypool demo`: five fake keys, a provider simulator, a sidecar and a few
 * simulated applications, with the live statistics table. Stops by itself
 * after --duration seconds, or on Ctrl-C / SIGTERM, and exits 0.
 */
export async function demoCommand(opts: DemoOptions): Promise<void> {
  if (!Number.isFinite(opts.duration) || opts.duration <= 0 || opts.duration > 24 * 3600) {
    process.stderr.write("keypool: --duration: expected a number of seconds, more than 0 and at most 86400\n");
    process.exitCode = 2;
    return;
  }
  const interrupt = new AbortController();
  const stop = () => interrupt.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  try {
    await runDemo({
      durationMs: opts.duration * 1000,
      listen: opts.listen,
      out: process.stdout,
      live: process.stdout.isTTY === true,
      signal: interrupt.signal,
      // The table is the output; only warnings and errors are logged, to stderr.
      log: createLogger({ level: process.env.KEYPOOL_LOG_LEVEL ?? "warn", destination: process.stderr }),
    });
    process.exitCode = 0;
  } catch (err) {
    process.exitCode = printError(err);
  } finally {
    process.removeListener("SIGINT", stop);
    process.removeListener("SIGTERM", stop);
  }
  // Idle keep-alive sockets and unref'd timers must not hold the demo open once it has finished.
  process.stdout.write("", () => process.exit(process.exitCode ?? 0));
}
