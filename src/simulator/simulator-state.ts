import { QuotaSet } from "./quota-set.js";
import { SimulatedKey, type SharedProject } from "./simulated-key.js";
import type {
  DayReset,
  SimulatorBackgroundLoad,
  SimulatorKeyLimits,
  SimulatorKeyOptions,
  SimulatorKeyStats,
  SimulatorLimits,
  SimulatorStats,
  SimulatorTotals,
} from "./types.js";

/**
 * Everything the simulator remembers: its keys by secret and by label, and
 * the counters that belong to no key. Errors thrown here never name a secret.
 */
export class SimulatorState {
  private readonly bySecret = new Map<string, SimulatedKey>();
  private readonly byLabel = new Map<string, SimulatedKey>();
  unknownKeyRequests = 0;
  missingCredentialRequests = 0;
  notFoundRequests = 0;
  seenCredentials = new Set<string>();

  private readonly projects = new Map<string, SharedProject>();

  constructor(
    readonly windowMs: number,
    projects: Record<string, SimulatorKeyLimits> = {},
    private readonly dayReset: DayReset = "sliding",
  ) {
    for (const [name, limits] of Object.entries(projects)) {
      this.projects.set(name, { quotas: new QuotaSet(validLimits(limitsOf(limits), `project ${name}`), windowMs, "project", dayReset), members: [] });
    }
  }

  addKey(secret: string, options: SimulatorKeyOptions = {}): void {
    if (secret.length === 0) throw new Error("simulator key secrets must not be empty");
    if (this.bySecret.has(secret)) throw new Error("simulator key added twice");
    const label = options.label ?? `key-${this.bySecret.size + 1}`;
    if (this.byLabel.has(label)) throw new Error(`simulator key label "${label}" is used twice`);
    const project = options.project === undefined ? undefined : this.projects.get(options.project);
    if (options.project !== undefined && project === undefined) throw new Error(`simulator key ${label}: project "${options.project}" is not configured`);
    const key = new SimulatedKey(label, validLimits(limitsOf(options), label), this.windowMs, project, this.dayReset);
    if (options.background !== undefined) key.setBackgroundLoad(validBackground(options.background, label));
    this.bySecret.set(secret, key);
    this.byLabel.set(label, key);
  }

  /** The key with this secret, if the simulator accepts it. */
  find(secret: string): SimulatedKey | undefined {
    return this.bySecret.get(secret);
  }

  /** The key with this secret; throws (without the secret) for an unknown one. */
  get(secret: string): SimulatedKey {
    const key = this.bySecret.get(secret);
    if (key === undefined) throw new Error("not a simulator key (secrets are not echoed)");
    return key;
  }

  setLimits(secret: string, limits: SimulatorKeyLimits): void {
    const key = this.get(secret);
    key.setLimits(validLimits(limitsOf(limits), key.label));
  }

  setBackgroundLoad(secret: string, load: SimulatorBackgroundLoad | undefined): void {
    const key = this.get(secret);
    key.setBackgroundLoad(load === undefined ? undefined : validBackground(load, key.label));
  }

  keyStats(secretOrLabel: string): SimulatorKeyStats | undefined {
    const key = this.bySecret.get(secretOrLabel) ?? this.byLabel.get(secretOrLabel);
    return key === undefined ? undefined : { ...key.stats };
  }

  snapshot(): SimulatorStats {
    const keys: Record<string, SimulatorKeyStats> = {};
    const byLabel: Record<string, SimulatorKeyStats> = {};
    const totals: SimulatorTotals = {
      requests: 0,
      successes: 0,
      rateLimited: 0,
      unauthorized: 0,
      injected: 0,
      badRequests: 0,
      promptTokens: 0,
      completionTokens: 0,
    };
    for (const [secret, key] of this.bySecret) {
      const stats = { ...key.stats };
      keys[secret] = stats;
      byLabel[key.label] = stats;
      for (const name of Object.keys(totals) as (keyof SimulatorTotals)[]) totals[name] += stats[name];
    }
    return {
      keys,
      byLabel,
      totals,
      unknownKeyRequests: this.unknownKeyRequests,
      missingCredentialRequests: this.missingCredentialRequests,
      notFoundRequests: this.notFoundRequests,
      seenCredentials: new Set(this.seenCredentials),
    };
  }

  reset(): void {
    for (const key of this.bySecret.values()) key.reset();
    this.unknownKeyRequests = 0;
    this.missingCredentialRequests = 0;
    this.notFoundRequests = 0;
    this.seenCredentials = new Set();
  }
}

/** Only the limit fields, so a label or stray property never becomes a limit. */
function limitsOf(options: SimulatorKeyLimits): SimulatorKeyLimits {
  const limits: SimulatorKeyLimits = generalLimits(options);
  if (options.models !== undefined) {
    limits.models = Object.fromEntries(Object.entries(options.models).map(([model, l]) => [model, generalLimits(l)]));
  }
  return limits;
}

function generalLimits(options: SimulatorLimits): SimulatorLimits {
  const limits: SimulatorLimits = {};
  if (options.rpm !== undefined) limits.rpm = options.rpm;
  if (options.tpm !== undefined) limits.tpm = options.tpm;
  if (options.rpd !== undefined) limits.rpd = options.rpd;
  return limits;
}

function validLimits(limits: SimulatorKeyLimits, owner: string): SimulatorKeyLimits {
  const { models = {}, ...general } = limits;
  for (const [where, set] of [[owner, general] as const, ...Object.entries(models).map(([m, l]) => [`${owner} model ${m}`, l] as const)]) {
    for (const [name, value] of Object.entries(set)) nonNegativeInteger(value, `simulator key ${where}: ${name}`);
  }
  return limits;
}

function validBackground(load: SimulatorBackgroundLoad, label: string): SimulatorBackgroundLoad {
  if (typeof load.rpm !== "number" || !Number.isFinite(load.rpm) || load.rpm < 0) {
    throw new Error(`simulator key ${label}: background.rpm must be a non-negative number`);
  }
  if (load.tokensPerRequest !== undefined) nonNegativeInteger(load.tokensPerRequest, `simulator key ${label}: background.tokensPerRequest`);
  return { ...load };
}

function nonNegativeInteger(value: unknown, what: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new Error(`${what} must be a non-negative integer`);
}
