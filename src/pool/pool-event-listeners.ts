import type { PoolEvent } from "./types.js";

/** Who listens to a pool's events: every store keeps one, so that subscribing and emitting are written once. */
export class PoolEventListeners {
  private readonly listeners = new Set<(event: PoolEvent) => void>();

  constructor(first?: ((event: PoolEvent) => void) | undefined) {
    if (first !== undefined) this.listeners.add(first);
  }

  subscribe(listener: (event: PoolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: PoolEvent): void {
    for (const l of this.listeners) l(event);
  }
}
