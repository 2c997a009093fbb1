import type { Clock } from "../clock/clock.js";
import { configFingerprint, describeConfigDifference, type ConfigFingerprint } from "../config/config-fingerprint.js";
import type { PoolConfig } from "../config/types.js";
import type { ConfigAnnouncement, ConfigAnnouncements } from "../config/config-announcement.js";
import type { ConfigReloader, ReloadEvent } from "./config-reloader.js";

/** Whether this sidecar runs the configuration the fleet last announced, and if not, why. */
export interface FleetConfigStatus {
  readonly sidecar: string;
  /** Digest of this sidecar's configuration. */
  readonly digest: string;
  /** The announcement compared with: the fleet's latest. */
  readonly latest: { readonly sidecar: string; readonly generation: number; readonly at: number } | undefined;
  readonly inStep: boolean;
  /** What differs, in key ids and setting names; or why re-reading failed. */
  readonly differences: readonly string[];
  /** Why the last announcement of this sidecar's own configuration failed, if it did. */
  readonly announceError: string | undefined;
}

export interface FleetConfigSyncOptions {
  readonly reloader: ConfigReloader;
  readonly announcements: ConfigAnnouncements;
  readonly sidecar: string;
  readonly clock: Clock;
  /**
   * Re-read the sources when another sidecar announces a configuration.
   * False for a server embedded with a configuration object: its sources did
   * not make its configuration, so it only compares and reports.
   */
  readonly rereads: boolean;
  readonly onDiffer?: ((status: FleetConfigStatus) => void) | undefined;
  readonly onInStep?: ((status: FleetConfigStatus) => void) | undefined;
  readonly onAnnounceError?: ((message: string) => void) | undefined;
}

/**
 * Keeps the sidecars sharing a store on one configuration while each reads
 * its own sources. A sidecar announces every configuration it starts with or
 * reloads (file, signal, RPC); each other sidecar, told of it, re-reads its
 * own sources at once and compares: the same document is applied within the
 * time of one read, and a sidecar whose sources give another says so in its
 * status and log, naming what differs. A re-read caused by an announcement
 * is not announced again, so announcements never echo around the fleet.
 */
export class FleetConfigSync {
  private own: ConfigFingerprint;
  private generation: number;
  private latest: ConfigAnnouncement | undefined;
  private current: FleetConfigStatus;
  private announceError: string | undefined;
  private stop: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly options: FleetConfigSyncOptions,
    config: PoolConfig,
    generation: number,
  ) {
    this.own = configFingerprint(config);
    this.generation = generation;
    this.current = this.compare([]);
  }

  /** Listens to the fleet, then announces the configuration this sidecar starts with. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.reloader.subscribe((e) => this.onReload(e));
    this.stop = await this.options.announcements.listen((a) => this.onAnnouncement(a));
    await this.announce();
  }

  close(): void {
    this.stop?.();
    this.unsubscribe?.();
  }

  status(): FleetConfigStatus {
    return this.current;
  }

  private onReload(e: ReloadEvent): void {
    if (e.result === "rejected") {
      // Only a re-read the fleet asked for concerns the fleet: the running configuration stays, and differs.
      if (e.trigger === "fleet") this.settle(e.errors.map((err) => `this sidecar's sources were rejected: ${err}`));
      return;
    }
    this.own = configFingerprint(e.config);
    this.generation = e.diff.generation;
    if (e.trigger !== "fleet" && e.result === "applied") {
      void this.announce();
      return;
    }
    this.settle([]);
  }

  private onAnnouncement(a: ConfigAnnouncement): void {
    this.latest = a;
    if (a.sidecar === this.options.sidecar || a.fingerprint.digest === this.own.digest) {
      this.settle([]);
      return;
    }
    if (!this.options.rereads) {
      this.settle([]);
      return;
    }
    // Its result arrives as a reload event with the trigger "fleet"; a rejection as well.
    this.options.reloader.reread("fleet").catch(() => undefined);
  }

  private async announce(): Promise<void> {
    const a: ConfigAnnouncement = { sidecar: this.options.sidecar, generation: this.generation, at: this.options.clock.now(), fingerprint: this.own };
    try {
      await this.options.announcements.announce(a);
      this.announceError = undefined;
      this.latest = a;
    } catch (err) {
      this.announceError = err instanceof Error ? err.message : String(err);
      this.options.onAnnounceError?.(this.announceError);
    }
    this.settle([]);
  }

  /** Recomputes the status against the latest announcement; tells the log when it changes between in step and not. */
  private settle(problems: readonly string[]): void {
    const before = this.current;
    this.current = this.compare(problems);
    const changed = before.inStep !== this.current.inStep || before.differences.join("\n") !== this.current.differences.join("\n");
    if (!changed) return;
    if (this.current.inStep) this.options.onInStep?.(this.current);
    else this.options.onDiffer?.(this.current);
  }

  private compare(problems: readonly string[]): FleetConfigStatus {
    const latest = this.latest;
    const differences = latest === undefined ? [] : [...problems, ...describeConfigDifference(this.own, latest.fingerprint)];
    return {
      sidecar: this.options.sidecar,
      digest: this.own.digest,
      latest: latest === undefined ? undefined : { sidecar: latest.sidecar, generation: latest.generation, at: latest.at },
      inStep: differences.length === 0,
      differences,
      announceError: this.announceError,
    };
  }
}
