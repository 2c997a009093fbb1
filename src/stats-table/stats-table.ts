import type { KeySnapshot, PoolSnapshot, ProviderSnapshot, StoreStatus } from "../pool/stats-types.js";
import { limitLine } from "./limit-lines.js";
import { againstLimit, compactCount, percent, ratio, shortDuration } from "./stats-format.js";

interface Column {
  readonly title: string;
  readonly right: boolean;
  readonly cell: (k: KeySnapshot, at: number) => string;
}

const columns: readonly Column[] = [
  { title: "KEY", right: false, cell: (k) => k.keyId },
  { title: "MASKED", right: false, cell: (k) => k.maskedKey },
  { title: "STATE", right: false, cell: stateCell },
  { title: "IN-FLIGHT", right: true, cell: (k) => againstLimit(k.inFlight, k.limits.maxConcurrent) },
  { title: "REQ/MIN", right: true, cell: (k) => againstLimit(k.requestsInWindow, k.limits.rpm) },
  { title: "TOK/MIN", right: true, cell: (k) => againstLimit(k.tokensInWindow, k.limits.tpm) },
  { title: "UTIL", right: true, cell: (k) => percent(k.utilization) },
  { title: "P50", right: true, cell: (k) => shortDuration(k.latency?.p50Ms) },
  { title: "P95", right: true, cell: (k) => shortDuration(k.latency?.p95Ms) },
  { title: "429s", right: true, cell: (k) => compactCount(k.rateLimitedTotal) },
  { title: "ERRORS", right: true, cell: (k) => compactCount(k.errorsTotal) },
];

/**
 * The statistics as a person reads them: per provider a summary line (balance
 * ratio first: it is what people compare), a table of keys, and below it why
 * each key that is not active is not, then scopes, per-model and learned
 * limits where a key has any. Masked keys only.
 */
export function renderStatsTable(s: PoolSnapshot): string {
  const when = new Date(s.generatedAt).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
  const parts = [`keypool statistics at ${when} (configuration generation ${s.configGeneration})`];
  if (s.store !== undefined) parts[0] += `\n${storeLine(s.store)}`;
  if (s.providers.length === 0) parts.push("no providers");
  for (const p of s.providers) parts.push(renderProvider(p, s.generatedAt));
  return `${parts.join("\n\n")}\n`;
}

function renderProvider(p: ProviderSnapshot, at: number): string {
  const summary =
    `${p.provider}  balance ${ratio(p.balanceRatio)} (lifetime ${ratio(p.balanceRatioTotal)})` +
    `  in-flight ${p.inFlight}  waiting ${p.waiting}  requests ${p.requestsTotal}` +
    `  429s ${p.rateLimitedTotal}  errors ${p.errorsTotal}` +
    `  tokens ${compactCount(p.promptTokensTotal)} in / ${compactCount(p.completionTokensTotal)} out`;
  const rows = p.keys.map((k) => columns.map((c) => c.cell(k, at)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => ((columns[i]?.right ?? false) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const lines = [summary, line(columns.map((c) => c.title)), ...rows.map(line)];
  for (const k of p.keys) {
    if (k.state !== "active" && k.stateReason !== "") lines.push(`  ${k.keyId}: ${k.stateReason}`);
  }
  for (const k of p.keys) {
    const limits = limitLine(k, at);
    if (limits !== undefined) lines.push(limits);
  }
  return lines.join("\n");
}

/** The state, with the time left for a cooldown ("cooling_down 12s"). */
function stateCell(k: KeySnapshot, at: number): string {
  if (k.cooldownUntil === undefined || k.state === "active") return k.state;
  return `${k.state} ${shortDuration(Math.max(0, k.cooldownUntil - at))}`;
}

/** The shared store in one line: which, how many sidecars, and loudly when this sidecar has lost it. */
function storeLine(s: StoreStatus): string {
  const alive = `${s.sidecarsAlive} sidecar${s.sidecarsAlive === 1 ? "" : "s"} alive`;
  if (!s.degraded) return `store ${s.location}: ${alive}`;
  const since = s.degradedSince === undefined ? "" : ` since ${new Date(s.degradedSince).toISOString()}`;
  const what = s.failureMode === "closed" ? "refusing every acquisition" : `serving alone with 1/${s.limitsDividedBy ?? 1} of every limit`;
  return `store ${s.location}: UNREACHABLE${since}, ${what} (${alive} when last seen)`;
}
