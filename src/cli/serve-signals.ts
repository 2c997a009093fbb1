import type { KeypoolServer } from "../keypool-server.js";
import type { Logger } from "../telemetry/logger.js";
import { printError } from "./print-errors.js";

export interface ServeSignals {
  /** The server is up: signals that came while it started are acted on now. */
  serving(server: KeypoolServer): void;
  /** Start-up failed: the handlers go, so that the process can end. */
  failed(): void;
}

/**
 * SIGTERM/SIGINT stop and exit 0, SIGHUP re-reads the configuration. The
 * handlers are installed before the server starts: a signal that comes as
 * soon as "keypool serving" is printed (or earlier) must never meet the
 * default action, which would kill the process without a clean shutdown.
 */
export function installServeSignals(log: Logger, graceMs: number): ServeSignals {
  let server: KeypoolServer | undefined;
  let stopSignal: NodeJS.Signals | undefined;
  let reloadPending = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopSignal !== undefined) {
      // A second one does not wait for the grace period: the default action, as without a handler.
      removeHandlers();
      process.kill(process.pid, signal);
      return;
    }
    stopSignal = signal;
    log.info({ signal }, "signal received");
    if (server !== undefined) shutDown(server);
  };
  const shutDown = (s: KeypoolServer) =>
    s.stop(graceMs).then(
      () => process.exit(0),
      (err: unknown) => {
        printError(err);
        process.exit(1);
      },
    );
  // The reload's own log line says what changed or why it was rejected.
  const reload = (s: KeypoolServer) => void s.reloader.reread("signal").catch(() => undefined);
  const onTerm = () => stop("SIGTERM");
  const onInt = () => stop("SIGINT");
  const onHup = () => {
    if (server === undefined) reloadPending = true;
    else reload(server);
  };
  const removeHandlers = () => {
    process.removeListener("SIGTERM", onTerm);
    process.removeListener("SIGINT", onInt);
    process.removeListener("SIGHUP", onHup);
  };
  process.on("SIGTERM", onTerm);
  process.on("SIGINT", onInt);
  process.on("SIGHUP", onHup);
  return {
    serving(s) {
      server = s;
      if (stopSignal !== undefined) shutDown(s);
      else if (reloadPending) reload(s);
    },
    failed: removeHandlers,
  };
}
