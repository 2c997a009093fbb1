import type { LimitViolation } from "./limits.js";
import { QuotaWindows } from "./quota-windows.js";
import type { DayReset, SimulatorKeyLimits } from "./types.js";

/**
 * The limits of a key or of a project: general ones and per-model ones. A
 * request for a model counts against the general windows and, when that
 * model has limits of its own, against those too.
 */
export class QuotaSet {
  readonly general: QuotaWindows;
  private models = new Map<string, QuotaWindows>();

  constructor(
    limits: SimulatorKeyLimits,
    private readonly windowMs: number,
    private readonly scope: LimitViolation["scope"],
    private readonly dayReset: DayReset,
  ) {
    this.general = new QuotaWindows({}, windowMs, scope, undefined, dayReset);
    this.setLimits(limits);
  }

  /** Replaces the limits; the windows of what stays keep their counts. */
  setLimits(limits: SimulatorKeyLimits): void {
    const { models = {}, ...general } = limits;
    this.general.limits = general;
    const next = new Map<string, QuotaWindows>();
    for (const [model, modelLimits] of Object.entries(models)) {
      const windows = this.models.get(model) ?? new QuotaWindows({}, this.windowMs, this.scope, model, this.dayReset);
      windows.limits = { ...modelLimits };
      next.set(model, windows);
    }
    this.models = next;
  }

  /** The windows a request for `model` counts in. */
  windowsFor(model: string | undefined): QuotaWindows[] {
    const specific = model === undefined ? undefined : this.models.get(model);
    return specific === undefined ? [this.general] : [this.general, specific];
  }

  clear(): void {
    this.general.clear();
    for (const windows of this.models.values()) windows.clear();
  }
}
