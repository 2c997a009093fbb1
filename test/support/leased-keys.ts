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
