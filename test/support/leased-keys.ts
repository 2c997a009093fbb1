import type { LeasePool } from "../../src/pool/lease-pool.js";
import type { TestClient } from "./grpc-client.js";

/** The key ids of `n` sequential leases of `provider`, each reported a success at once. */
export async function leasedKeyIds(client: TestClient, provider: string, n: number): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let i = 0; i < n; i++) {
    const l = await client.acquire({ provider });
    ids.add(l.keyId);
    await client.report({ leaseId: l.leaseId, httpStatus: 200 });
  }
  return ids;
}

/** The same against a pool directly, in order: the key id of each of `n` sequential leases of openai (or `provider`). */
export async function poolLeasedIds(pool: LeasePool, n: number, provider = "openai"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const l = await pool.acquire({ provider });
    ids.push(l.keyId);
    await pool.report(l.leaseId, { outcome: "success" });
  }
  return ids;
}
