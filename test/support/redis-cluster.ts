import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startRedisServer, type RedisServer } from "./redis-server.js";
import { waitUntil } from "./wait-until.js";

/** Debian's redis-cli, which creates a cluster from running nodes; REDIS_CLI overrides the path. */
export const REDIS_CLI = process.env.REDIS_CLI ?? "/usr/bin/redis-cli";

export interface RedisCluster {
  readonly nodes: readonly RedisServer[];
  /** The first node's URL: a seed, as an operator would give it. */
  readonly url: string;
  /** The node holding `key`'s slot. */
  nodeFor(key: string): Promise<RedisServer>;
  close(): Promise<void>;
}

/**
 * A real Redis Cluster of `size` masters (no replicas) on free ports, each
 * node its own redis-server in its own temp directory, the 16,384 slots
 * spread by `redis-cli --cluster create`.
 */
export async function startRedisCluster(size = 3): Promise<RedisCluster> {
  const nodes = await Promise.all(Array.from({ length: size }, () => startRedisServer({ clusterNode: true })));
  const close = async () => {
    await Promise.all(nodes.map((n) => n.close()));
  };
  try {
    await promisify(execFile)(REDIS_CLI, ["--cluster", "create", ...nodes.map((n) => `127.0.0.1:${n.port}`), "--cluster-replicas", "0", "--cluster-yes"], { timeout: 30_000 });
    for (const n of nodes) {
      await waitUntil(async () => (await n.command("CLUSTER", "INFO")).includes("cluster_state:ok"), `node ${n.port} to see the cluster ready`, 15_000);
    }
  } catch (err) {
    await close();
    throw err;
  }
  return {
    nodes,
    url: nodes[0]!.url,
    async nodeFor(key) {
      // Only the node that owns the key's slot answers for it; the others redirect with MOVED.
      for (const n of nodes) if (!(await n.command("EXISTS", key)).startsWith("-MOVED")) return n;
      throw new Error(`no node of the cluster owns ${key}`);
    },
    close,
  };
}
