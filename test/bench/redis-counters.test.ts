import { describe, expect, it } from "vitest";
import { countersSince, parseRedisCounters } from "../../bench/lib/redis-counters.js";

// Shaped as redis-server 7.0 answers `INFO stats commandstats cpu` (abridged), in its RESP bulk string.
const info = (evalsha: number, hmget: number, total: number, user: string) =>
  `$400\r\n# Stats\r\ntotal_connections_received:12\r\ntotal_commands_processed:${total}\r\n\r\n# Commandstats\r\n` +
  `cmdstat_evalsha:calls=${evalsha},usec=${evalsha * 800},usec_per_call=800.00,rejected_calls=0,failed_calls=0\r\n` +
  `cmdstat_hmget:calls=${hmget},usec=${hmget * 80},usec_per_call=80.00,rejected_calls=0,failed_calls=0\r\n` +
  `cmdstat_info:calls=3,usec=90,usec_per_call=30.00,rejected_calls=0,failed_calls=0\r\n\r\n` +
  `# CPU\r\nused_cpu_sys:0.250000\r\nused_cpu_user:${user}\r\nused_cpu_sys_children:0.000000\r\n`;

describe("Redis counters from INFO", () => {
  it("script calls are EVALSHA + EVAL; commands are total_commands_processed; CPU is user + system", () => {
    const c = parseRedisCounters(info(10, 70, 400, "1.500000"));
    expect(c.scriptCalls).toBe(10);
    expect(c.commands).toBe(400);
    expect(c.cpuUs).toBe(1_750_000);
    expect(c.byCommand["hmget"]).toEqual({ calls: 70, usec: 5600 });
  });

  it("the difference of two readings leaves out commands that did not run in between", () => {
    const d = countersSince(parseRedisCounters(info(10, 70, 400, "1.5")), parseRedisCounters(info(14, 98, 470, "1.6")));
    expect(d).toMatchObject({ scriptCalls: 4, commands: 70, cpuUs: 100_000 });
    expect(Object.keys(d.byCommand).sort()).toEqual(["evalsha", "hmget"]);
  });

  it("a command never called counts 0", () => {
    expect(parseRedisCounters("# Stats\r\ntotal_commands_processed:1\r\n").scriptCalls).toBe(0);
  });
});
