export interface EndedLease {
  readonly provider: string;
  readonly keyId: string;
  readonly owner: string;
  readonly how: "reported" | "expired";
}

/** Most ended leases remembered; beyond it the oldest are forgotten first. */
const MAX_REMEMBERED = 200_000;

/**
 * Leases that have ended, remembered for a while so that a second report is
 * recognised (OK, already reported) rather than refused as unknown. Bounded
 * in time and count so that memory does not grow with traffic.
 */
export class EndedLeases {
  private readonly byId = new Map<string, EndedLease & { readonly endedAt: number }>();

  add(leaseId: string, lease: EndedLease, now: number, retentionMs: number): void {
    this.byId.set(leaseId, { ...lease, endedAt: now });
    // Insertion order is end order, so the oldest are first.
    for (const [id, e] of this.byId) {
      if (this.byId.size <= MAX_REMEMBERED && e.endedAt + retentionMs > now) break;
      this.byId.delete(id);
    }
  }

  get(leaseId: string): EndedLease | undefined {
    return this.byId.get(leaseId);
  }

  get size(): number {
    return this.byId.size;
  }
}
