import { readFile } from "node:fs/promises";
import type { ServiceError } from "@grpc/grpc-js";
import type { ReloadConfigResponse } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { connect, type ConnectionOptions } from "./sidecar-connection.js";

export interface ReloadOptions extends ConnectionOptions {
  configJson?: string;
  json?: boolean;
}

const DEADLINE_MS = 15_000;

/** Asks a running sidecar to reload; prints the diff, exits non-zero when the reload was rejected. */
export async function reloadCommand(opts: ReloadOptions): Promise<void> {
  let configJson = "";
  if (opts.configJson !== undefined) {
    try {
      configJson = await readFile(opts.configJson, "utf8");
    } catch {
      process.stderr.write(`keypool: cannot read ${opts.configJson}\n`);
      process.exitCode = 1;
      return;
    }
  }
  const connection = connect(opts);
  if (connection === undefined) return;
  const { client, metadata } = connection;
  try {
    const res = await new Promise<ReloadConfigResponse>((resolve, reject) =>
      client.reloadConfig({ configJson }, metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, r) =>
        err ? reject(err) : resolve(r),
      ),
    );
    process.stdout.write(opts.json === true ? `${JSON.stringify(res)}\n` : formatDiff(res));
  } catch (err) {
    const e = err as ServiceError;
    process.stderr.write(`keypool: reload failed: ${e.details ?? e.message}\n`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

export function formatDiff(res: ReloadConfigResponse): string {
  const lines = [`config generation ${res.configGeneration}`];
  const section = (title: string, ids: string[]) => {
    if (ids.length > 0) lines.push(`${title} (${ids.length}):`, ...ids.map((id) => `  ${id}`));
  };
  section("added", res.addedKeyIds);
  section("removed (draining)", res.removedKeyIds);
  section("updated", res.updatedKeyIds);
  lines.push(`unchanged: ${res.unchangedKeyIds.length}`);
  for (const w of res.warnings) lines.push(`warning: ${w}`);
  if (res.addedKeyIds.length + res.removedKeyIds.length + res.updatedKeyIds.length === 0) lines.push("no key changed");
  return `${lines.join("\n")}\n`;
}
