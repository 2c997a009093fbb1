import type { LeasePool } from "../pool/lease-pool.js";
import { hasUpstream } from "./upstream-url.js";

/**
 * Which providers the proxy can send requests to: a built-in origin, or a
 * `base_url` on at least one key; and which are configured at all.
 * Recomputed when the configuration generation moves, so a request costs a
 * set lookup.
 */
export class RoutableProviders {
  private generation = -1;
  private routable = new Set<string>();
  private configuredNames = new Set<string>();

  constructor(private readonly pool: LeasePool) {}

  has(provider: string): boolean {
    this.refresh();
    return this.routable.has(provider);
  }

  /** Whether the configuration names `provider` at all (routable or not). */
  configured(provider: string): boolean {
    this.refresh();
    return this.configuredNames.has(provider);
  }

  private refresh(): void {
    if (this.pool.configGeneration === this.generation) return;
    const routable = new Set<string>();
    for (const { provider: name, key, state } of this.pool.keys()) {
      if (state !== "draining" && hasUpstream(name, key.config.baseUrl)) routable.add(name);
    }
    this.routable = routable;
    this.configuredNames = new Set(this.pool.providerNames());
    this.generation = this.pool.configGeneration;
  }

}
