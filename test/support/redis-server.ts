import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitUntil } from "./wait-until.js";

/** Debian's redis-server; REDIS_SERVER overrides the path. */
export const REDIS_SERVER = process.env.REDIS_SERVER ?? "/usr/bin/redis-server";

export function redisAvailable(): boolean {
  return existsSync(REDIS_SERVER);
}

export interface RedisServerOptions {
  /** `requirepass`: clients must AUTH. */
  readonly password?: string;
  /** Keep data in an append-only file, so that a restart finds it again. Off: a restart comes back empty. */
  readonly persist?: boolean;
  /** Run as a node of a Redis Cluster (see redis-cluster.ts); the cluster's own state file goes in the node's directory. */
  readonly clusterNode?: boolean;
}

/**
 * A real redis-server for one test file: its own free port on 127.0.0.1 and
 * its own temp directory, stopped and removed by `close`. `stop` and `start`
 * keep the port and directory, so a test can take the store away and bring it
 * back where the sidecars expect it.
 */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Sends one command and returns the raw RESP reply (for assertions on what the store holds). */
  command(...args: string[]): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "keypool-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const args = [
    "--port", String(port),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--appendonly", options.persist === true ? "yes" : "no",
    "--daemonize", "no",
    "--logfile", join(dir, "redis.log"),
  ];
  if (options.password !== undefined) args.push("--requirepass", options.password);
  if (options.clusterNode === true) args.push("--cluster-enabled", "yes", "--cluster-config-file", join(dir, "nodes.conf"));

  const start = async (): Promise<void> => {
    const proc = spawn(REDIS_SERVER, args, { stdio: "ignore" });
    child = proc;
    const exited = new Promise<never>((_, reject) =>
      proc.once("exit", (code) => reject(new Error(`redis-server exited with ${String(code)} before answering; see ${dir}/redis.log`))),
    );
    await Promise.race([waitForPing(port, options.password), exited]);
  };

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc === undefined || proc.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill(signal);
    await gone;
  };

  await start();
  return {
    port,
    dir,
    url: options.password === undefined ? `redis://127.0.0.1:${port}` : `redis://:${options.password}@127.0.0.1:${port}`,
    command: (...cmd) => sendCommand(port, options.password, cmd),
    stop,
    start,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function waitForPing(port: number, password: string | undefined, timeoutMs = 10_000): Promise<void> {
  const pong = () =>
    sendCommand(port, password, ["PING"]).then(
      (reply) => reply.startsWith("+PONG"),
      () => false, // not listening yet
    );
  return waitUntil(pong, `redis-server on port ${port} to answer PING`, timeoutMs);
}

/** One command in RESP over a fresh connection; enough for a harness, not a client. */
function sendCommand(port: number, password: string | undefined, cmd: readonly string[]): Promise<string> {
  const encode = (parts: readonly string[]) =>
    `*${parts.length}\r\n` + parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("");
  return new Promise((resolve, reject) => {
    const sock = createConnection({ port, host: "127.0.0.1" });
    let buf = "";
    let skip = password === undefined ? 0 : 1;
    sock.setTimeout(2_000, () => sock.destroy(new Error("redis command timed out")));
    sock.once("error", reject);
    sock.on("data", (d: Buffer) => {
      buf += d.toString();
      if (skip > 0) {
        const eol = buf.indexOf("\r\n");
        if (eol < 0) return;
        buf = buf.slice(eol + 2);
        skip = 0;
      }
      if (replyComplete(buf)) {
        sock.end();
        resolve(buf);
      }
    });
    sock.on("connect", () => {
      sock.write((password === undefined ? "" : encode(["AUTH", password])) + encode(cmd));
    });
  });
}

/** Whether `buf` holds one whole RESP reply (simple, integer, error, bulk, or an array of those). */
function replyComplete(buf: string): boolean {
  return parseReply(buf, 0) >= 0;
}

/** The offset after the reply that starts at `at`, or -1 when it is not all there yet. */
function parseReply(buf: string, at: number): number {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return -1;
  const head = buf[at];
  const n = Number(buf.slice(at + 1, eol));
  if (head === "$") return n < 0 ? eol + 2 : Buffer.byteLength(buf.slice(eol + 2)) >= n + 2 ? eol + 2 + n + 2 : -1;
  if (head === "*") {
    let next = eol + 2;
    for (let i = 0; i < n; i++) {
      next = parseReply(buf, next);
      if (next < 0) return -1;
    }
    return next;
  }
  return eol + 2;
}
