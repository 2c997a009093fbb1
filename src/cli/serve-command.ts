import { KeypoolError } from "../protocol/keypool-error.js";
import { DEFAULT_ADMIN_LISTEN } from "../listen/admin-listen.js";
import type { TlsFiles } from "../listen/server-credentials.js";
import { startKeypoolServer } from "../keypool-server.js";
import { createLogger } from "../telemetry/logger.js";
import { routeGrpcJsLog } from "./grpc-js-log.js";
import { printError } from "./print-errors.js";
import { installServeSignals } from "./serve-signals.js";

export interface ServeOptions {
  listen: string;
  config?: string;
  envFile?: string;
  grace: number;
  watch: boolean;
  adminListen?: string;
  proxyListen?: string;
  tokensFile?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  metricsOpen?: boolean;
  socketMode: number;
  insecure?: boolean;
  stateFile?: string;
  stateInterval?: string;
  store?: string;
  storePrefix?: string;
  storeFailure?: string;
}

function tlsFiles(opts: ServeOptions): TlsFiles | undefined {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) {
    if (opts.tlsClientCa !== undefined) throw new KeypoolError("INVALID_ARGUMENT", "--tls-client-ca needs --tls-cert and --tls-key");
    return undefined;
  }
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) {
    throw new KeypoolError("INVALID_ARGUMENT", "--tls-cert and --tls-key go together");
  }
  return { certFile: opts.tlsCert, keyFile: opts.tlsKey, clientCaFile: opts.tlsClientCa };
}

/** The state file and its save interval, from the flags or the environment. */
function stateFileOptions(opts: ServeOptions): { stateFile: string | undefined; stateIntervalMs: number | undefined } {
  const stateFile = opts.stateFile ?? (process.env["KEYPOOL_STATE_FILE"] || undefined);
  const interval = opts.stateInterval ?? (process.env["KEYPOOL_STATE_INTERVAL"] || undefined);
  if (interval === undefined) return { stateFile, stateIntervalMs: undefined };
  const seconds = Number(interval);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
    throw new KeypoolError("INVALID_ARGUMENT", `--state-interval: expected seconds between 0 and 86400, got ${JSON.stringify(interval.slice(0, 64))}`);
  }
  return { stateFile, stateIntervalMs: seconds * 1000 };
}

export async function serveCommand(opts: ServeOptions): Promise<void> {
  const log = createLogger();
  routeGrpcJsLog(log);
  const graceMs = Number.isFinite(opts.grace) && opts.grace >= 0 ? opts.grace * 1000 : 10_000;
  const signals = installServeSignals(log, graceMs);
  try {
    // An address given explicitly must be bound; the default one may be taken (another sidecar), which only warns.
    const adminListen = opts.adminListen ?? process.env["KEYPOOL_ADMIN_LISTEN"];
    const server = await startKeypoolServer({
      listen: opts.listen,
      configFile: opts.config,
      envFile: opts.envFile,
      log,
      watch: opts.watch,
      adminListen: adminListen ?? DEFAULT_ADMIN_LISTEN,
      adminOptional: adminListen === undefined,
      tokensFile: opts.tokensFile ?? (process.env["KEYPOOL_TOKENS_FILE"] || undefined),
      tls: tlsFiles(opts),
      metricsOpen: opts.metricsOpen === true,
      socketMode: Number.isInteger(opts.socketMode) ? opts.socketMode : 0o600,
      insecure: opts.insecure === true,
      proxyListen: opts.proxyListen,
      ...stateFileOptions(opts),
      store: opts.store ?? (process.env["KEYPOOL_STORE"] || undefined),
      storePrefix: opts.storePrefix ?? (process.env["KEYPOOL_STORE_PREFIX"] || undefined),
      storeFailure: opts.storeFailure ?? (process.env["KEYPOOL_STORE_FAILURE"] || undefined),
    });
    if (opts.insecure === true) log.warn("--insecure: keypool accepts callers it cannot authenticate on non-loopback listeners");
    signals.serving(server);
  } catch (err) {
    signals.failed();
    process.exitCode = printError(err);
  }
}
