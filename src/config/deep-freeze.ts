/**
 * Config objects are shared by the pool, the transports and a reload in
 * progress; freezing them makes "the config never changes under you" a fact.
 */

/** A Map that refuses changes. Object.freeze alone does not stop Map#set. */
export class FrozenMap<K, V> extends Map<K, V> {
  constructor(entries: Iterable<readonly [K, V]>) {
    super();
    for (const [k, v] of entries) super.set(k, v);
    Object.freeze(this);
  }

  override set(_key: K, _value: V): this {
    throw new TypeError("config is immutable");
  }

  override delete(_key: K): boolean {
    throw new TypeError("config is immutable");
  }

  override clear(): void {
    throw new TypeError("config is immutable");
  }
}

/** Freezes `value` and everything reachable from it (including Map values). */
export function deepFreeze<T>(value: T): T {
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object" || seen.has(node)) return;
    seen.add(node);
    if (node instanceof Map) {
      for (const [k, v] of node) {
        visit(k);
        visit(v);
      }
    } else {
      for (const child of Object.values(node)) visit(child);
    }
    Object.freeze(node);
  };
  visit(value);
  return value;
}
