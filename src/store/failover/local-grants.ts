import { outcomeFromHttpStatus } from "../../protocol/outcome.js";
import type { Lease, ReporterRights, UsageReport } from "../../pool/types.js";
import type { ReplayedGrant } from "../redis/redis-lease-pool.js";

/** How a lease granted alone ended, to be passed on to the store if it was replayed still open. */
export interface EndedGrant {
  readonly leaseId: string;
  readonly report: UsageReport;
  readonly owner: string;
  readonly rights: ReporterRights | undefined;
}

interface Grant {
  readonly lease: Lease;
  readonly model: string;
  ended: EndedGrant | undefined;
  /** Tokens it counts: the estimate while open, what it settled at once reported. */
  tokens: number;
  replayed: "no" | "open" | "ended";
}

/**
 * The leases a sidecar granted while it served alone, from their grant to
 * their replay into the shared store: which lease ids its local pool must
 * answer, and what each counts.
 */
export class LocalGrants {
  private readonly grants = new Map<string, Grant>();

  granted(lease: Lease, model: string): void {
    this.grants.set(lease.leaseId, { lease, model, ended: undefined, tokens: lease.estimatedTokens, replayed: "no" });
  }

  isLocal(leaseId: string): boolean {
    return this.grants.has(leaseId);
  }

  /** A report the local pool took: the tokens settle as the pools settle them (a success without counts keeps its estimate). */
  ended(leaseId: string, report: UsageReport, owner: string, rights: ReporterRights | undefined): void {
    const g = this.grants.get(leaseId);
    if (g === undefined || g.ended !== undefined) return;
    g.ended = { leaseId, report, owner, rights };
    const spent = (report.promptTokens ?? 0) + (report.completionTokens ?? 0);
    const outcome = report.outcome ?? outcomeFromHttpStatus(report.httpStatus ?? 0);
    g.tokens = outcome === "success" && spent === 0 ? g.lease.estimatedTokens : spent;
  }

  /** The grants not replayed yet, marked replayed: open ones open in the store, ended ones with their tokens. */
  takeUnreplayed(): ReplayedGrant[] {
    const out: ReplayedGrant[] = [];
    for (const g of this.grants.values()) {
      if (g.replayed !== "no") continue;
      g.replayed = g.ended === undefined ? "open" : "ended";
      out.push({ ...replayedOpen(g.lease, g.model), tokens: g.tokens, open: g.ended === undefined });
    }
    return out;
  }

  /** Leases replayed open whose report the local pool took since: the store must hear it too. */
  endedAfterReplay(): EndedGrant[] {
    const out: EndedGrant[] = [];
    for (const g of this.grants.values()) if (g.replayed === "open" && g.ended !== undefined) out.push(g.ended);
    return out;
  }

  /** Undoes a replay that failed: every grant is replayed again next time (a replay counts each lease once). */
  unmark(): void {
    for (const g of this.grants.values()) g.replayed = "no";
  }

  clear(): void {
    this.grants.clear();
  }
}

/** A lease granted alone and still open, as the store takes it in: its estimate counted, open until its TTL. */
export function replayedOpen(lease: Lease, model: string): ReplayedGrant {
  return {
    provider: lease.provider,
    keyId: lease.keyId,
    leaseId: lease.leaseId,
    at: lease.acquiredAt,
    tokens: lease.estimatedTokens,
    open: true,
    expiresAt: lease.expiresAt,
    owner: lease.owner,
    model,
  };
}
