/**
 * The least a Node proxy hop can be: node:http in, undici out, one fixed key,
 * no routing, pool, metrics or usage. proxy-floor.mjs runs it beside keypool
 * so that what keypool adds can be told from what the hop itself costs here.
 *
 *   node bench/experiments/bare-forwarder.mjs <upstream origin> <key>   (forked; sends its port over IPC)
 */
import { createServer } from "node:http";
import { Agent } from "undici";

const [origin, key] = process.argv.slice(2);
const agent = new Agent({ connections: 512, pipelining: 1 });
const server = createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    const up = await agent.request({ origin, path: "/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body });
    const headers = { "content-type": up.headers["content-type"] };
    if (up.headers["content-length"] !== undefined) headers["content-length"] = up.headers["content-length"];
    res.writeHead(up.statusCode, headers);
    up.body.on("data", (c) => res.write(c));
    up.body.on("end", () => res.end());
  });
});
server.listen(0, "127.0.0.1", () => process.send?.(server.address().port));
