import type { Attributes } from "@opentelemetry/api";
import type { PoolEvent } from "../pool/types.js";

/** Acquisition results: at once, after waiting, refused for lack of capacity, refused for another reason. */
export type AcquisitionResult = "granted" | "waited" | "exhausted" | "error";
export const acquisitionResults: readonly AcquisitionResult[] = ["granted", "waited", "exhausted", "error"];

/** One counted series: its labels, built once, and its running total. */
export interface Tally {
  readonly attributes: Attributes;
  value: number;
}

/** A key's counts: ended leases by outcome (or expired), tokens by kind. */
export class KeyTallies {
  /** { provider, key_id }: the labels of the key's histogram samples too. */
  readonly attributes: Attributes;
  readonly leases = new Map<string, Tally>();
  readonly prompt: Tally;
  readonly completion: Tally;

  constructor(provider: string, keyId: string) {
    this.attributes = { provider, key_id: keyId };
    this.prompt = { attributes: { provider, key_id: keyId, kind: "prompt" }, value: 0 };
    this.completion = { attributes: { provider, key_id: keyId, kind: "completion" }, value: 0 };
  }

  /** Counts a lease ended with `outcome`. */
  ended(outcome: string): void {
    const t = this.leases.get(outcome) ?? entry(this.leases, outcome, () => ({ attributes: { ...this.attributes, outcome }, value: 0 }));
    t.value += 1;
  }
}

/**
 * The counters that follow pool events, kept as plain numbers and read at
 * scrape time: a call adds to a number, where recording on an instrument
 * would hash its labels every time. A series exists from its first event,
 * as with a counter (tokens: from the first non-zero count), and acquisition
 * results of the providers given at the start exist at 0.
 */
export class EventTallies {
  private readonly acquisitionsByProvider = new Map<string, Map<AcquisitionResult, Tally>>();
  private readonly keysByProvider = new Map<string, Map<string, KeyTallies>>();

  constructor(providers: Iterable<string>) {
    for (const provider of providers) for (const result of acquisitionResults) this.acquisitionTally(provider, result);
  }

  /** Counts one event; returns the key's tallies for a report, whose latency goes to the histogram. */
  count(e: PoolEvent): KeyTallies | undefined {
    switch (e.type) {
      case "acquired":
        this.acquisitionTally(e.provider, e.waitedMs > 0 ? "waited" : "granted").value += 1;
        return undefined;
      case "refused":
        this.acquisitionTally(e.provider, e.code === "RESOURCE_EXHAUSTED" ? "exhausted" : "error").value += 1;
        return undefined;
      case "reported": {
        const key = this.key(e.provider, e.keyId);
        key.ended(e.outcome);
        if (e.promptTokens > 0) key.prompt.value += e.promptTokens;
        if (e.completionTokens > 0) key.completion.value += e.completionTokens;
        return key;
      }
      case "lease_expired":
        this.key(e.provider, e.keyId).ended("expired");
        return undefined;
      default:
        return undefined;
    }
  }

  /** Every acquisition series. */
  *acquisitions(): Iterable<Tally> {
    for (const byResult of this.acquisitionsByProvider.values()) yield* byResult.values();
  }

  /** Every key with a counted event. */
  *keys(): Iterable<KeyTallies> {
    for (const byKey of this.keysByProvider.values()) yield* byKey.values();
  }

  // Looked up first and made only when missing, so that counting allocates nothing once a series exists.
  private acquisitionTally(provider: string, result: AcquisitionResult): Tally {
    return this.acquisitionsByProvider.get(provider)?.get(result) ?? this.newAcquisitionTally(provider, result);
  }

  private key(provider: string, keyId: string): KeyTallies {
    return this.keysByProvider.get(provider)?.get(keyId) ?? this.newKey(provider, keyId);
  }

  private newAcquisitionTally(provider: string, result: AcquisitionResult): Tally {
    const byResult = entry(this.acquisitionsByProvider, provider, () => new Map<AcquisitionResult, Tally>());
    return entry(byResult, result, () => ({ attributes: { provider, result }, value: 0 }));
  }

  private newKey(provider: string, keyId: string): KeyTallies {
    const byKey = entry(this.keysByProvider, provider, () => new Map<string, KeyTallies>());
    return entry(byKey, keyId, () => new KeyTallies(provider, keyId));
  }
}

/** The map's value for `key`, made and stored the first time. */
function entry<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
