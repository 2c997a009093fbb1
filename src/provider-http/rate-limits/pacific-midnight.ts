const pacific = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/Los_Angeles",
  hourCycle: "h23",
  year: "numeric",
  month: "numeric",
  day: "numeric",
  hour: "numeric",
  minute: "numeric",
  second: "numeric",
});

/**
 * The next midnight in America/Los_Angeles after `now` (epoch ms), when
 * Gemini's per-day quotas reset. Daylight saving time is the zone's own: a
 * day there may be 23 or 25 hours long.
 */
export function nextPacificMidnight(now: number): number {
  const today = wallClock(now);
  // Midnight is never inside a DST gap in this zone (changes happen at 02:00), so it exists exactly once.
  const wall = Date.UTC(today.year, today.month - 1, today.day + 1);
  let guess = wall - offsetAt(wall);
  guess = wall - offsetAt(guess);
  return guess;
}

/** Wall-clock time minus UTC at the instant `at`. */
function offsetAt(at: number): number {
  const w = wallClock(at);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(at / 1000) * 1000;
}

function wallClock(at: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const parts: Record<string, number> = {};
  for (const { type, value } of pacific.formatToParts(at)) parts[type] = Number(value);
  return {
    year: parts["year"] ?? 1970,
    month: parts["month"] ?? 1,
    day: parts["day"] ?? 1,
    hour: parts["hour"] ?? 0,
    minute: parts["minute"] ?? 0,
    second: parts["second"] ?? 0,
  };
}
