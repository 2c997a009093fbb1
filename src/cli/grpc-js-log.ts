import { setLogger } from "@grpc/grpc-js";
import type { Logger } from "../telemetry/logger.js";

/**
 * grpc-js writes its own error lines to stderr ("E No address added out of
 * total 1 resolved") beside the error it throws. Every failure that matters
 * reaches the command as that thrown error and is said plainly there, so the
 * library's lines go to the structured log at debug, for whoever looks.
 */
export function routeGrpcJsLog(log: Logger): void {
  const write = (...args: unknown[]) => log.debug({ source: "grpc-js" }, args.map(String).join(" "));
  setLogger({ error: write, info: write, debug: write });
}
