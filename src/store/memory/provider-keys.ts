import type { KeyIndex } from "../../pool/key-index.js";
import type { PooledKey } from "../../pool/pooled-key.js";
import type { QuotaScope } from "../../pool/quota-scope.js";
import type { WaitQueue } from "./wait-queue.js";

/** What the memory store holds for one provider. */
export interface ProviderKeys {
  readonly name: string;
  readonly keys: Map<string, PooledKey>;
  /** The quotas its keys share, by scope name. */
  readonly scopes: Map<string, QuotaScope<PooledKey>>;
  /** The keys that can still be leased, in the balancer's order; rebuilt by a reload that changes anything. */
  index: KeyIndex;
  readonly waiters: WaitQueue;
}
