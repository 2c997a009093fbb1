import { durationFromMs, durationToMs, timestampFromMs, timestampToMs } from "../protocol/duration.js";
import type { KeyLimits, LearnedLimit, ScopeStats } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import type { LimitSet } from "../config/types.js";
import type { LearnedLimitSnapshot, ScopeSnapshot } from "../pool/stats-types.js";
import { keyStateFromProto, keyStateToProto } from "../protocol/proto-names.js";

/** Scopes, per-model limits and learned limits in the StreamStats message, both ways. */

const optionalTime = (ms: number | undefined) => (ms === undefined ? undefined : timestampFromMs(ms));
const positive = (n: number | undefined) => (n === undefined || n <= 0 ? undefined : n);

export function limitSetToProto(l: LimitSet): KeyLimits {
  return { rpm: l.rpm ?? 0, tpm: l.tpm ?? 0, rpd: l.rpd ?? 0, maxConcurrent: 0, windows: [] };
}

export function limitSetFromProto(l: KeyLimits | undefined): LimitSet {
  return { rpm: positive(l?.rpm), tpm: positive(l?.tpm), rpd: positive(l?.rpd) };
}

export function modelLimitsToProto(m: Readonly<Record<string, LimitSet>>): Record<string, KeyLimits> {
  return Object.fromEntries(Object.entries(m).map(([model, l]) => [model, limitSetToProto(l)]));
}

export function modelLimitsFromProto(m: Readonly<Record<string, KeyLimits>>): Record<string, LimitSet> {
  return Object.fromEntries(Object.entries(m).map(([model, l]) => [model, limitSetFromProto(l)]));
}

export function scopeToProto(s: ScopeSnapshot | undefined): ScopeStats | undefined {
  if (s === undefined) return undefined;
  return {
    name: s.name,
    state: keyStateToProto(s.state),
    reason: s.reason,
    until: optionalTime(s.until),
    limits: limitSetToProto(s.limits),
    modelLimits: modelLimitsToProto(s.modelLimits),
    requestsInWindow: s.requestsInWindow,
  };
}

export function scopeFromProto(s: ScopeStats | undefined): ScopeSnapshot | undefined {
  if (s === undefined) return undefined;
  const state = keyStateFromProto(s.state);
  return {
    name: s.name,
    state: state === "cooling_down" || state === "exhausted" ? state : "active",
    reason: s.reason,
    until: timestampToMs(s.until),
    limits: limitSetFromProto(s.limits),
    modelLimits: modelLimitsFromProto(s.modelLimits),
    requestsInWindow: s.requestsInWindow,
  };
}

export function learnedToProto(l: LearnedLimitSnapshot): LearnedLimit {
  return {
    holder: l.holder,
    model: l.model,
    dimension: l.dimension,
    window: durationFromMs(l.windowMs),
    limit: l.limit ?? 0,
    remaining: l.remaining,
    resetAt: optionalTime(l.resetAt),
    others: l.others,
    source: l.source,
    seenAt: timestampFromMs(l.seenAt),
    expiresAt: timestampFromMs(l.expiresAt),
  };
}

export function learnedFromProto(l: LearnedLimit): LearnedLimitSnapshot {
  return {
    holder: l.holder === "scope" ? "scope" : "key",
    model: l.model,
    dimension: l.dimension === "tokens" ? "tokens" : "requests",
    windowMs: durationToMs(l.window) ?? 0,
    limit: positive(l.limit),
    remaining: l.remaining,
    resetAt: timestampToMs(l.resetAt),
    others: l.others,
    source: l.source,
    seenAt: timestampToMs(l.seenAt) ?? 0,
    expiresAt: timestampToMs(l.expiresAt) ?? 0,
  };
}
