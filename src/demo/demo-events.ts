import type { PoolSnapshot } from "../pool/stats-types.js";
import type { KeyStateName } from "../pool/types.js";

/**
 * Key state changes between two looks at the pool, as lines of the demo's
 * event log: `12:00:03  demo-5  active → cooling_down  rate limited (429) ...`.
 * A cooldown ends by time alone, without an event, so the demo compares
 * snapshots instead of listening: that shows the recoveries too.
 * `states` holds each key's last seen state and is updated.
 */
export function stateChanges(states: Map<string, KeyStateName>, snapshot: PoolSnapshot): string[] {
  const time = new Date(snapshot.generatedAt).toISOString().slice(11, 19);
  const lines: string[] = [];
  for (const p of snapshot.providers) {
    for (const k of p.keys) {
      const id = `${p.provider}/${k.keyId}`;
      const before = states.get(id);
      states.set(id, k.state);
      if (before === undefined || before === k.state) continue;
      const reason = k.state === "active" ? "" : k.stateReason;
      lines.push(`${time}  ${k.keyId}  ${before} → ${k.state}${reason === "" ? "" : `  ${reason}`}`);
    }
  }
  return lines;
}

/** Appends `line`, keeping the last `max` lines: the event log under a redrawn table. */
export function pushBounded(lines: string[], line: string, max: number): void {
  lines.push(line);
  if (lines.length > max) lines.splice(0, lines.length - max);
}
