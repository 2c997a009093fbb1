import type { SimulatorLimits } from "./types.js";

/**
 * One `--model-limit` value, `MODEL:rpm=N[,tpm=N][,rpd=N]`, as [model, limits],
 * or a message naming what is wrong.
 */
export function parseModelLimit(text: string, flag: string): [string, SimulatorLimits] | string {
  const colon = text.lastIndexOf(":");
  const model = text.slice(0, colon).trim();
  if (colon < 0 || model.length === 0) return `${flag}: expected MODEL:rpm=N[,tpm=N][,rpd=N]`;
  const limits: SimulatorLimits = {};
  for (const part of text.slice(colon + 1).split(",")) {
    const match = /^\s*(rpm|tpm|rpd)=(\d{1,12})\s*$/.exec(part);
    if (match === null) return `${flag} ${model}: expected rpm=N, tpm=N or rpd=N separated by commas`;
    limits[match[1] as keyof SimulatorLimits] = Number(match[2]);
  }
  return [model, limits];
}
