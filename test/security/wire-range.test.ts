import { credentials, Client, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protoRoot } from "../../src/grpc/proto-path.js";
import { REQUEST_WIRE_FIELDS } from "../../src/grpc/request-wire-fields.js";
import { startKeypoolServer, type KeypoolServer } from "../../src/keypool-server.js";
import { silentLogger } from "../../src/telemetry/logger.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";

const INT64_MAX = 2n ** 63n - 1n;

interface ProtoField {
  name: string;
  number: number;
  type: string;
  typeName: string;
}
interface ProtoMethod {
  path: string;
  originalName: string;
  responseStream: boolean;
  requestType: { type: { field: ProtoField[] } };
}

/** Every method of the service with its request's fields, read from the proto itself rather than from the table under test. */
function methods(): ProtoMethod[] {
  const definition = loadSync(join(protoRoot(), "keypool", "v1", "keypool.proto"), { includeDirs: [protoRoot()], keepCase: true });
  return Object.values(definition["keypool.v1.KeyPoolService"] as Record<string, ProtoMethod>);
}

const isInt64 = (f: ProtoField) => f.type === "TYPE_INT64";
const isDuration = (f: ProtoField) => f.typeName.replace(/^\./, "") === "google.protobuf.Duration";

function durationBytes(seconds: bigint, nanos: number): Uint8Array {
  return new BinaryWriter().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
}

let server: KeypoolServer;
let raw: Client;

beforeAll(async () => {
  server = await startKeypoolServer({ listen: "127.0.0.1:0", config: poolConfig({ openai: fakeKeys(2) }), log: silentLogger() });
  raw = new Client(server.grpcAddress, credentials.createInsecure());
});
afterAll(async () => {
  raw.close();
  await server.stop(1_000);
});

/** Sends hand-made request bytes to a method and returns the status it answered with. */
function send(method: ProtoMethod, bytes: Uint8Array): Promise<{ code: number; details: string }> {
  const identity = (b: Buffer) => b;
  return new Promise((resolve) => {
    const done = (err: ServiceError | null) => resolve(err === null ? { code: status.OK, details: "" } : { code: err.code, details: err.details });
    if (method.responseStream) {
      const call = raw.makeServerStreamRequest(method.path, identity, identity, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + 5_000 });
      // The first message or the status, whichever comes first, is the answer.
      call.on("data", () => {
        call.cancel();
        done(null);
      });
      call.on("error", (err: ServiceError) => done(err));
    } else {
      raw.makeUnaryRequest(method.path, identity, identity, Buffer.from(bytes), new Metadata(), { deadline: Date.now() + 5_000 }, (err) => done(err));
    }
  });
}

describe("int64 and Duration fields are validated at the edge of the wire format", () => {
  it("the server's table of checked fields covers every int64 and Duration field of every request in the proto", () => {
    for (const m of methods()) {
      const table = REQUEST_WIRE_FIELDS[m.originalName];
      expect(table, m.originalName).toBeDefined();
      const wanted = m.requestType.type.field.filter((f) => isInt64(f) || isDuration(f)).map((f) => [f.number, f.name, isInt64(f) ? "int64" : "duration"]);
      expect([...table!].map(([n, f]) => [n, f.name, f.kind])).toEqual(wanted);
    }
  });

  const cases = methods().flatMap((m) =>
    m.requestType.type.field.flatMap((f) => {
      if (isInt64(f)) return [{ m, field: f.name, bytes: new BinaryWriter().uint32((f.number << 3) | 0).int64(INT64_MAX).finish() }];
      if (!isDuration(f)) return [];
      const tagged = (seconds: bigint, nanos: number) => new BinaryWriter().uint32((f.number << 3) | 2).bytes(durationBytes(seconds, nanos)).finish();
      return [
        { m, field: `${f.name}.seconds`, bytes: tagged(INT64_MAX, 0) },
        { m, field: `${f.name}.seconds`, bytes: tagged(-INT64_MAX, 0) },
        { m, field: `${f.name}.nanos`, bytes: tagged(1n, 1_000_000_000) },
        { m, field: `${f.name}.nanos`, bytes: tagged(0n, -1_000_000_000) },
        { m, field: `${f.name}.nanos`, bytes: tagged(5n, -1) },
        { m, field: `${f.name}.nanos`, bytes: tagged(-5n, 1) },
      ];
    }),
  );

  it.each(cases.map((c, i) => [i, c.m.originalName, c.field, c] as const))("case %i: %s %s out of range is INVALID_ARGUMENT naming it", async (_i, _m, field, c) => {
    const answer = await send(c.m, c.bytes);
    expect(answer.code).toBe(status.INVALID_ARGUMENT);
    expect(answer.details.startsWith(`${field}: `)).toBe(true);
  });

  it("2^53-1 estimated tokens passes the wire check and is served by a key without a token limit", async () => {
    const acquire = methods().find((m) => m.originalName === "acquireKey")!;
    const bytes = new BinaryWriter().uint32(10).string("openai").uint32(24).int64(BigInt(Number.MAX_SAFE_INTEGER)).finish();
    const answer = await send(acquire, bytes);
    expect(answer.code).toBe(status.OK);
  });
});
