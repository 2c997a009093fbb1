import type { FleetConfigStatus } from "../reload/fleet-config-sync.js";

/** The fleet's part of /v1/stats: whether this sidecar runs the configuration the fleet last announced. */
export function fleetConfigJson(s: FleetConfigStatus): Record<string, unknown> {
  return {
    sidecar: s.sidecar,
    digest: s.digest,
    in_step: s.inStep,
    latest: s.latest === undefined ? null : { sidecar: s.latest.sidecar, generation: s.latest.generation, at: new Date(s.latest.at).toISOString() },
    differences: s.differences,
    ...(s.announceError === undefined ? {} : { announce_error: s.announceError }),
  };
}
