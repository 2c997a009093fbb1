import type { LimitSet } from "../config/types.js";
import type { KeySnapshot, LearnedLimitSnapshot } from "../pool/stats-types.js";
import { compactCount, shortDuration } from "./stats-format.js";

/**
 * One line per key whose limits go beyond its own general ones: its scope,
 * the configured limits per model, and what the provider's answers taught,
 * each with where it came from. Nothing for a key with none of these.
 */
export function limitLine(k: KeySnapshot, at: number): string | undefined {
  const parts: string[] = [];
  const models = modelText(k.modelLimits);
  if (models !== "") parts.push(`configured per model ${models}`);
  if (k.scope !== undefined) {
    const s = k.scope;
    const own = limitText(s.limits);
    const scopeModels = modelText(s.modelLimits);
    const held = s.state === "active" ? "" : `, ${s.state}${s.until === undefined ? "" : ` ${shortDuration(Math.max(0, s.until - at))}`}: ${s.reason}`;
    parts.push(`scope ${s.name} (${[own === "" ? "no limits configured" : own, scopeModels].filter((t) => t !== "").join("; ")}; ${s.requestsInWindow} req/min${held})`);
  }
  for (const l of k.learnedLimits) parts.push(learnedText(l, at));
  return parts.length === 0 ? undefined : `  ${k.keyId}: ${parts.join("; ")}`;
}

function limitText(l: LimitSet): string {
  const out: string[] = [];
  if (l.rpm !== undefined) out.push(`rpm ${compactCount(l.rpm)}`);
  if (l.tpm !== undefined) out.push(`tpm ${compactCount(l.tpm)}`);
  if (l.rpd !== undefined) out.push(`rpd ${compactCount(l.rpd)}`);
  return out.join(" ");
}

function modelText(m: Readonly<Record<string, LimitSet>>): string {
  return Object.entries(m)
    .map(([model, l]) => `${model} ${limitText(l)}`)
    .join(", ");
}

function learnedText(l: LearnedLimitSnapshot, at: number): string {
  const what = `${l.dimension}${l.limit === undefined ? "" : ` ${compactCount(l.limit)}`}/${shortDuration(l.windowMs)}`;
  const left = l.remaining === undefined ? "" : `, ${compactCount(l.remaining)} left`;
  const reset = l.resetAt === undefined || l.resetAt <= at ? "" : ` for ${shortDuration(l.resetAt - at)}`;
  const others = l.others > 0 ? `, ${compactCount(l.others)} used by others` : "";
  return `learned ${what}${l.model === "" ? "" : ` for ${l.model}`}${left}${reset}${others} (${l.holder}, ${l.source})`;
}
