import { HEALTHY, type KeyHealth } from "../../pool/key-health.js";

/**
 * A key's health as the scripts read it: JSON, with Infinity spelled
 * "Infinity" (JSON has no such number) and empty arrays possibly coming back
 * as `{}` (Lua's cjson cannot tell an empty array from an empty object).
 */
export function healthToJson(h: KeyHealth): string {
  return JSON.stringify(h, (_k, v: unknown) => (v === Infinity ? "Infinity" : v));
}

export function healthFromJson(text: string): KeyHealth {
  const raw = JSON.parse(text, (_k, v: unknown) => (v === "Infinity" ? Infinity : v)) as Record<string, unknown>;
  const h = { ...HEALTHY, ...raw } as KeyHealth & Record<string, unknown>;
  return {
    ...h,
    unauthorizedReports: Array.isArray(raw.unauthorizedReports) ? (raw.unauthorizedReports as KeyHealth["unauthorizedReports"]) : [],
    probeLease: typeof raw.probeLease === "string" ? raw.probeLease : undefined,
    hold: typeof raw.hold === "object" && raw.hold !== null ? (raw.hold as KeyHealth["hold"]) : undefined,
    probeDue: raw.probeDue === true,
    disabledByConfig: raw.disabledByConfig === true,
  };
}
