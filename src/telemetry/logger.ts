import { pino, type Logger as PinoLogger, type DestinationStream } from "pino";

export type Logger = PinoLogger;

/**
 * Structured JSON logs. Anything under a field that could carry a secret is
 * censored, in case a future call site passes one by mistake; call sites log
 * key ids and masked keys only.
 */
export function createLogger(options: { level?: string; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: "keypool",
      level: options.level ?? process.env.KEYPOOL_LOG_LEVEL ?? "info",
      base: { pid: process.pid },
      redact: {
        paths: ["secret", "apiKey", "api_key", "key", "token", "authorization", "*.secret", "*.apiKey", "*.api_key", "*.token", "*.authorization"],
        censor: "[redacted]",
      },
    },
    options.destination,
  );
}

export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
