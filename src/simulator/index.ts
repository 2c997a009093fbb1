/**
 * A local, faithful stand-in for LLM providers (OpenAI and OpenAI-compatible,
 * Azure OpenAI, Gemini, Anthropic) with per-key limits over sliding windows,
 * failure injection and counters. Used by tests, the demo and benchmarks.
 */
export { startSimulator } from "./start-simulator.js";
export type {
  DayReset,
  FailNextOptions,
  Simulator,
  SimulatorBackgroundLoad,
  SimulatorKeyLimits,
  SimulatorLimits,
  SimulatorKeyOptions,
  SimulatorKeyStats,
  SimulatorLatency,
  SimulatorOptions,
  SimulatorStats,
  SimulatorTotals,
} from "./types.js";
export { maskSecret } from "./mask-secret.js";
