import type { ClientUsageSnapshot } from "./stats-types.js";

/** Who asked: the authenticated client's name and the id it declared, as a lease or a waiting acquisition carries them. */
export interface ClientOfRequest {
  readonly owner: string;
  readonly clientId: string;
}

/**
 * Open leases and waiting acquisitions counted per (client, declared id),
 * most open leases first, then most waiting, then by name. Names and ids
 * only: a request carries no token.
 */
export function clientUsage(leases: Iterable<ClientOfRequest>, waiters: Iterable<ClientOfRequest>): ClientUsageSnapshot[] {
  const byClient = new Map<string, { client: string; clientId: string; openLeases: number; waiting: number }>();
  const entry = (r: ClientOfRequest) => {
    const id = JSON.stringify([r.owner, r.clientId]);
    let e = byClient.get(id);
    if (e === undefined) byClient.set(id, (e = { client: r.owner, clientId: r.clientId, openLeases: 0, waiting: 0 }));
    return e;
  };
  for (const l of leases) entry(l).openLeases += 1;
  for (const w of waiters) entry(w).waiting += 1;
  return [...byClient.values()].sort(
    (a, b) => b.openLeases - a.openLeases || b.waiting - a.waiting || compare(a.client, b.client) || compare(a.clientId, b.clientId),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
