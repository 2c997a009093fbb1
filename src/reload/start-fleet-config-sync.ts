import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Clock } from "../clock/clock.js";
import type { ConfigAnnouncements } from "../config/config-announcement.js";
import type { PoolConfig } from "../config/types.js";
import type { Logger } from "../telemetry/logger.js";
import type { ConfigReloader } from "./config-reloader.js";
import { FleetConfigSync } from "./fleet-config-sync.js";

/** This sidecar's name in the fleet: host name and process id, which tell sidecars apart in a log and say nothing secret. */
export function sidecarName(): string {
  return `${hostname()}/${process.pid}`;
}

/**
 * Joins the fleet's configuration announcements, with a log line whenever
 * this sidecar falls out of step with the fleet or back into it. A store
 * that cannot be listened to is a warning: the sidecar serves on, following
 * its own sources only.
 */
export async function startFleetConfigSync(
  announcements: ConfigAnnouncements,
  reloader: ConfigReloader,
  config: PoolConfig,
  generation: number,
  clock: Clock,
  log: Logger,
  rereads: boolean,
): Promise<FleetConfigSync> {
  const sync = new FleetConfigSync(
    {
      reloader,
      announcements,
      // The suffix tells apart servers embedded in one process.
      sidecar: `${sidecarName()}-${randomBytes(2).toString("hex")}`,
      clock,
      rereads,
      onDiffer: (s) =>
        log.warn({ fleetLatest: s.latest, differences: s.differences }, "configuration differs from the one the fleet last announced; this sidecar keeps its own"),
      onInStep: (s) => log.info({ fleetLatest: s.latest }, "configuration in step with the fleet"),
      onAnnounceError: (message) => log.warn({ err: message }, "could not announce this configuration to the fleet"),
    },
    config,
    generation,
  );
  try {
    await sync.start();
  } catch (err) {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, "cannot follow the fleet's configuration announcements; following this sidecar's sources only");
  }
  return sync;
}
