import { onTestFinished, test } from "vitest";
import { startKeypoolServer, type KeypoolServer, type KeypoolServerOptions } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { TestClient } from "./grpc-client.js";

/** Real keypool servers and their gRPC clients, all stopped and closed when their scope ends. */
export interface Keypools {
  /** Starts a keypool (gRPC on an ephemeral loopback port, a silent log unless one is given) with `options`. */
  start(options?: KeypoolServerOptions): Promise<KeypoolServer>;
  /** A client of `address` (a server's grpcAddress). */
  connect(address: string): TestClient;
}

/** A keypool with the tests' defaults: gRPC on an ephemeral loopback port, a silent log unless one is given. */
function startTestServer(options: KeypoolServerOptions): Promise<KeypoolServer> {
  return startKeypoolServer({ listen: "127.0.0.1:0", log: silentLogger(), ...options });
}

/**
 * The same, for helpers that start a server from inside a running test (the
 * clients' and proxy harnesses): it is stopped when the test ends, after
 * whatever was registered later (clients) has been closed.
 */
export async function startServerForTest(options: KeypoolServerOptions = {}): Promise<KeypoolServer> {
  const server = await startTestServer(options);
  onTestFinished(() => server.stop(1_000));
  return server;
}

function keypools(onCleanup: (fn: () => Promise<void>) => void): Keypools {
  const servers: KeypoolServer[] = [];
  const clients: TestClient[] = [];
  // Clients first: a server whose callers are gone stops at once instead of waiting out its grace period.
  onCleanup(async () => {
    for (const c of clients.splice(0)) c.close();
    await Promise.all(servers.splice(0).map((s) => s.stop(1_000)));
  });
  return {
    async start(options = {}) {
      const server = await startTestServer(options);
      servers.push(server);
      return server;
    },
    connect(address) {
      const client = new TestClient(address);
      clients.push(client);
      return client;
    },
  };
}

/**
 * The test API with keypool servers: `keypool` in a test is torn down when
 * the test ends; `fileKeypool` (for `it.beforeAll`, a server shared by the
 * file's tests) when the file ends.
 */
export const it = test
  .extend("fileKeypool", { scope: "file" }, async ({}, { onCleanup }) => keypools(onCleanup))
  .extend("keypool", async ({}, { onCleanup }) => keypools(onCleanup));
