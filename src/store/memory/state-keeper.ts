import type { Clock, TimerHandle } from "../../clock/clock.js";
import type { PersistedState } from "./persisted-state.js";
import { readStateFile, writeStateFile } from "./state-file.js";

/** The part of the memory store a state file saves and restores. */
export interface PersistentPool {
  exportState(): PersistedState;
  importState(state: PersistedState): number;
}

export interface StateKeeperLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Keeps the memory store's state in a file across restarts: restores it at
 * start, saves it every interval and once more at shutdown. A missing or
 * unusable file is one warning and a fresh start; a failed save is one
 * warning and the next interval tries again.
 */
export class StateKeeper {
  private timer: TimerHandle | undefined;
  private saving: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly pool: PersistentPool,
    private readonly path: string,
    private readonly clock: Clock,
    private readonly log: StateKeeperLog,
    private readonly intervalMs: number,
  ) {}

  /** Restores what the file holds; call it before serving. */
  async restore(): Promise<void> {
    const read = await readStateFile(this.path);
    if (read.kind === "read") {
      const restored = this.pool.importState(read.state);
      this.log.info({ stateFile: this.path, keys: restored, savedAt: new Date(read.state.savedAt).toISOString() }, "state restored");
    } else if (read.kind === "missing") {
      this.log.warn({ stateFile: this.path }, "state file not found; starting fresh");
    } else {
      this.log.warn({ stateFile: this.path, reason: read.reason }, "state file unusable; starting fresh");
    }
  }

  /** Saves every interval from now on, until `stop`. */
  run(): void {
    if (this.timer === undefined) this.schedule();
  }

  /** Saves now; saves never overlap. */
  save(): Promise<void> {
    this.saving = this.saving.then(() =>
      writeStateFile(this.path, this.pool.exportState()).catch((err: unknown) => {
        this.log.warn({ stateFile: this.path, err: err instanceof Error ? err.message : String(err) }, "state file not saved");
      }),
    );
    return this.saving;
  }

  /** Stops the interval and saves one last time. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    await this.save();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      void this.save().then(() => this.schedule());
    }, this.intervalMs);
  }
}
