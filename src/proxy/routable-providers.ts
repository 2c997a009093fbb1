import type { LeasePool } from "../pool/lease-pool.js";
import { hasUpstream } from "./upstream-url.js";

/**
 * Which providers the proxy can send requests to: a built-in origin, or a
 * `base_url` on at least one key. Recomputed when the configuration
 * generation moves, so a request costs a set lookup.
 */
export class RoutableProviders {
  private generation = -1;
  private routable = new Set<string>();

  constructor(private readonly pool: LeasePool) {}

  has(provider: string): boolean {
    if (this.pool.configGeneration !== this.generation) {
      const routable = new Set<string>();
      for (const { provider: name, key, state } of this.pool.keys()) {
        if (state !== "draining" && hasUpstream(name, key.config.baseUrl)) routable.add(name);
      }
      this.routable = routable;
      this.generation = this.pool.configGeneration;
    }
    return this.routable.has(provider);
  }

}
