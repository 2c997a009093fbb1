/** What Redis has done so far, from one `INFO stats commandstats cpu` reply. */
export interface RedisCounters {
  /** EVALSHA and EVAL calls: one per decision a sidecar sends, each one round trip. */
  readonly scriptCalls: number;
  /** Every command Redis ran, the scripts' own `redis.call`s included (INFO's `total_commands_processed`). */
  readonly commands: number;
  /** Redis's user + system CPU time, in microseconds. */
  readonly cpuUs: number;
  /** Calls and time (µs) per command name, as INFO commandstats counts them: a script's time includes its commands'. */
  readonly byCommand: Readonly<Record<string, { readonly calls: number; readonly usec: number }>>;
}

/**
 * Reads the counters out of the text of an INFO reply (raw RESP or plain);
 * a counter that is absent (a command never called yet) is 0.
 */
export function parseRedisCounters(info: string): RedisCounters {
  const byCommand: Record<string, { calls: number; usec: number }> = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) byCommand[m[1] as string] = { calls: Number(m[2]), usec: Number(m[3]) };
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, "m").exec(info)?.[1] ?? 0);
  return {
    scriptCalls: (byCommand["evalsha"]?.calls ?? 0) + (byCommand["eval"]?.calls ?? 0),
    commands: field("total_commands_processed"),
    cpuUs: Math.round((field("used_cpu_user") + field("used_cpu_sys")) * 1e6),
    byCommand,
  };
}

/** `b - a`, field by field. */
export function countersSince(a: RedisCounters, b: RedisCounters): RedisCounters {
  const byCommand: Record<string, { calls: number; usec: number }> = {};
  for (const [name, c] of Object.entries(b.byCommand)) {
    const before = a.byCommand[name] ?? { calls: 0, usec: 0 };
    if (c.calls > before.calls) byCommand[name] = { calls: c.calls - before.calls, usec: c.usec - before.usec };
  }
  return { scriptCalls: b.scriptCalls - a.scriptCalls, commands: b.commands - a.commands, cpuUs: b.cpuUs - a.cpuUs, byCommand };
}
