import { credentials, loadPackageDefinition, makeGenericClientConstructor, type Client } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect } from "vitest";
import type { KeypoolServer } from "../../src/keypool-server.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { it } from "../support/keypool-fixture.js";

let server: KeypoolServer;

it.beforeAll(async ({ fileKeypool }) => {
  server = await fileKeypool.start({ config: poolConfig({ openai: fakeKeys(1) }) });
});

type Callback = (err: Error | null, res: Record<string, unknown>) => void;

describe("standard services", () => {
  it("answers grpc.health.v1 Check for the server and for KeyPoolService", async () => {
    const Health = makeGenericClientConstructor(healthService, "grpc.health.v1.Health");
    const client = new Health(server.grpcAddress, credentials.createInsecure()) as Client & {
      check(req: { service: string }, cb: Callback): void;
    };
    for (const name of ["", "keypool.v1.KeyPoolService"]) {
      const res = await new Promise<Record<string, unknown>>((resolve, reject) =>
        client.check({ service: name }, (err, r) => (err ? reject(err) : resolve(r))),
      );
      expect(res.status).toBe("SERVING");
    }
    client.close();
  });

  it("lists KeyPoolService through server reflection", async () => {
    const require = createRequire(import.meta.url);
    const root = join(dirname(require.resolve("@grpc/reflection/package.json")), "build", "proto");
    const def = loadSync(join(root, "grpc/reflection/v1/reflection.proto"), { includeDirs: [root], keepCase: true });
    const pkg = loadPackageDefinition(def) as unknown as {
      grpc: { reflection: { v1: { ServerReflection: new (addr: string, creds: unknown) => Client & { ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: unknown): void; end(): void } } } } };
    };
    const client = new pkg.grpc.reflection.v1.ServerReflection(server.grpcAddress, credentials.createInsecure());
    const call = client.ServerReflectionInfo();
    const names = await new Promise<string[]>((resolve, reject) => {
      call.on("data", (msg: { list_services_response?: { service: { name: string }[] } }) =>
        resolve((msg.list_services_response?.service ?? []).map((s) => s.name)),
      );
      call.on("error", reject);
      call.write({ list_services: "" });
    });
    call.end();
    expect(names).toContain("keypool.v1.KeyPoolService");
    client.close();
  });
});
