import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { handleRequest, type HandlerContext } from "./handle-request.js";
import { ResponseIo } from "./response-io.js";
import { seededRandom } from "./seeded-random.js";
import { SimulatorState } from "./simulator-state.js";
import type { FailNextOptions, Simulator, SimulatorOptions } from "./types.js";

const maxBodyBytes = 32 * 1024 * 1024;

/**
 * Starts a local provider simulator on `host:port` (default 127.0.0.1:0).
 * It serves OpenAI-compatible, Azure OpenAI, Gemini and Anthropic routes and
 * never reaches the network. Nothing it logs or answers carries a whole secret.
 */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const windowMs = positive(options.windowMs ?? 60_000, "windowMs");
  const completionTokens = positiveInteger(options.completionTokens ?? 16, "completionTokens");
  const latency = options.latency ?? {};
  const baseMs = nonNegative(latency.baseMs ?? 0, "latency.baseMs");
  const jitterMs = nonNegative(latency.jitterMs ?? 0, "latency.jitterMs");
  const random = seededRandom(latency.seed ?? 1);
  const dayReset = options.dayReset ?? "sliding";
  if (dayReset !== "sliding" && dayReset !== "midnight-pacific") throw new Error('simulator dayReset must be "sliding" or "midnight-pacific"');
  const geminiDailyRetryDelayMs = options.geminiDailyRetryDelayMs === undefined ? undefined : nonNegative(options.geminiDailyRetryDelayMs, "geminiDailyRetryDelayMs");
  const state = new SimulatorState(windowMs, options.projects, dayReset);
  for (const [secret, key] of Object.entries(options.keys)) state.addKey(secret, key);

  /** Responses not yet closed, so close() can stop them. */
  const open = new Set<ResponseIo>();
  let sequence = 0;
  const ctx: HandlerContext = {
    state,
    now: options.now ?? Date.now,
    completionTokens,
    responseDelayMs: () => baseMs + (jitterMs > 0 ? Math.floor(random() * jitterMs) : 0),
    timeToFirstTokenMs: nonNegative(latency.timeToFirstTokenMs ?? 0, "latency.timeToFirstTokenMs"),
    perTokenMs: nonNegative(latency.perTokenMs ?? 0, "latency.perTokenMs"),
    maxBodyBytes,
    nextId: () => `sim${(++sequence).toString(36).padStart(8, "0")}`,
    geminiDailyRetryDelayMs,
  };

  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const io = new ResponseIo(res);
    open.add(io);
    res.once("close", () => open.delete(io));
    handleRequest(ctx, req, io).catch(() => {
      // A bug must not take the simulator down; answer 500 without details, or cut a started stream.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "simulator internal error", type: "server_error" } }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await listen(server, options.host ?? "127.0.0.1", options.port ?? 0);
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const io of open) io.abort();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
    revoke: (secret) => {
      state.get(secret).revoked = true;
    },
    restore: (secret) => {
      state.get(secret).revoked = false;
    },
    addKey: (secret, keyOptions) => state.addKey(secret, keyOptions),
    setLimits: (secret, limits) => state.setLimits(secret, limits),
    setBackgroundLoad: (secret, load) => state.setBackgroundLoad(secret, load),
    failNext: (secret, status, opts: FailNextOptions = {}) => {
      if (!Number.isInteger(status) || status < 400 || status > 599) {
        throw new Error("failNext: status must be an HTTP error status (400-599)");
      }
      const count = positiveInteger(opts.count ?? 1, "failNext count");
      const retryAfterSeconds = opts.retryAfterSeconds === undefined ? undefined : nonNegative(opts.retryAfterSeconds, "retryAfterSeconds");
      state.get(secret).queueFailure({ status, retryAfterSeconds }, count);
    },
    stats: () => state.snapshot(),
    keyStats: (secretOrLabel) => state.keyStats(secretOrLabel),
    reset: () => state.reset(),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`simulator ${name} must be a positive number`);
  return value;
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`simulator ${name} must be a positive integer`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new Error(`simulator ${name} must be a non-negative number`);
  return value;
}
