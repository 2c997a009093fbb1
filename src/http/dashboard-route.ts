import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { IncomingMessage, ServerResponse } from "node:http";
import { KeypoolError } from "../protocol/keypool-error.js";

/** The page's ES modules: the entry point and what it imports. */
const MODULES = [
  "dashboard.js",
  "capacity.js",
  "chart-scale.js",
  "chart-series.js",
  "chart-view.js",
  "dom.js",
  "format.js",
  "key-action-view.js",
  "key-actions.js",
  "key-order.js",
  "key-row.js",
  "limit-text.js",
  "model-usage.js",
  "sparkline.js",
  "sse-parser.js",
  "store-text.js",
  "tiles.js",
  "trends.js",
  "usage-loader.js",
  "usage-tables.js",
] as const;

/** Where each dashboard path comes from, and what it is served as. */
const ASSETS: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  ...Object.fromEntries(MODULES.map((file) => [`/${file}`, { file, type: "text/javascript; charset=utf-8" }])),
  "/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
  "/favicon.svg": { file: "favicon.svg", type: "image/svg+xml" },
};

/**
 * The dashboard's paths: the page and its static modules, style and icon.
 * They hold no data (the script reads /v1/stats/stream, which takes the admin
 * token), so the admin server serves them without a token.
 */
export const DASHBOARD_PATHS: readonly string[] = Object.keys(ASSETS);

/**
 * Everything the page may do: its own script and style, requests to its own
 * origin, nothing inline, no frames. Script and style set through the DOM are
 * the only dynamic content.
 */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

let loaded: Map<string, Asset> | undefined;

/**
 * The asset folder: `dashboard/` beside this module (src/http/dashboard, or
 * dist/src/http/dashboard where `npm run build` copies it); a tree built by
 * `tsc` alone falls back to the sources it was built from.
 */
function assetDirectory(): string {
  const candidates = [new URL("./dashboard/", import.meta.url), new URL("../../../src/http/dashboard/", import.meta.url)];
  for (const dir of candidates) {
    const path = fileURLToPath(dir);
    if (existsSync(`${path}index.html`)) return path;
  }
  throw new KeypoolError("UNAVAILABLE", "the dashboard's files are missing from this installation; run npm run build");
}

/** Reads the assets once; they do not change while the process runs. */
function assets(): Map<string, Asset> {
  if (loaded !== undefined) return loaded;
  const dir = assetDirectory();
  const map = new Map<string, Asset>();
  for (const [path, { file, type }] of Object.entries(ASSETS)) {
    const body = readFileSync(`${dir}${file}`);
    map.set(path, { body, type, etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"` });
  }
  loaded = map;
  return map;
}

/**
 * Serves a dashboard path (one of DASHBOARD_PATHS) to GET or HEAD:
 * revalidated on every load (ETag, 304), never framed, no inline code.
 * Throws KeypoolError when the files are missing.
 */
export function serveDashboardAsset(req: IncomingMessage, res: ServerResponse, path: string): void {
  const asset = assets().get(path);
  if (asset === undefined) throw new KeypoolError("NOT_FOUND", "no such dashboard file");
  const headers = {
    "content-type": asset.type,
    "cache-control": "no-cache",
    etag: asset.etag,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
  };
  if (req.headers["if-none-match"] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "content-length": asset.body.length });
  res.end(req.method === "HEAD" ? undefined : asset.body);
}
