import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect } from "vitest";
import { DASHBOARD_PATHS } from "../../src/http/dashboard-route.js";
import { fakeKeys, poolConfig } from "../support/pool-config.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

const DASHBOARD_DIR = new URL("../../src/http/dashboard/", import.meta.url);

let dir: string | undefined;

afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const ADMIN_TOKEN = "kp-test-dashboard-admin-0001";
const CALLER_TOKEN = "kp-test-dashboard-caller-0001";

async function start(keypool: Keypools, withTokens = false): Promise<string> {
  let tokensFile: string | undefined;
  if (withTokens) {
    dir = mkdtempSync(join(tmpdir(), "keypool-dashboard-"));
    tokensFile = join(dir, "tokens.json");
    writeFileSync(
      tokensFile,
      JSON.stringify({
        clients: [
          { name: "ops", token: ADMIN_TOKEN, providers: ["*"], admin: true },
          { name: "app", token: CALLER_TOKEN, providers: ["openai"] },
        ],
      }),
      { mode: 0o600 },
    );
  }
  const server = await keypool.start({ adminListen: "127.0.0.1:0", config: poolConfig({ openai: fakeKeys(2) }), tokensFile, watch: false });
  return `http://${server.adminAddress}`;
}

describe("dashboard files on the admin server", () => {
  it("serves the page, its modules, style and icon with their types, revalidation and a strict policy", async ({ keypool }) => {
    const base = await start(keypool);
    const modules = readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".js"));
    const types: Record<string, RegExp> = {
      "/": /^text\/html/,
      ...Object.fromEntries(modules.map((f) => [`/${f}`, /^text\/javascript/])),
      "/dashboard.css": /^text\/css/,
      "/favicon.svg": /^image\/svg\+xml/,
    };
    expect([...DASHBOARD_PATHS].sort()).toEqual(Object.keys(types).sort());
    for (const [path, type] of Object.entries(types)) {
      const res = await fetch(`${base}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toMatch(type);
      expect(res.headers.get("cache-control")).toBe("no-cache");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      const body = await res.text();
      expect(body.length).toBeGreaterThan(100);
      const etag = res.headers.get("etag")!;
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await fetch(`${base}${path}`, { headers: { "if-none-match": etag } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe("");
      const head = await fetch(`${base}${path}`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get("content-length"))).toBe(Buffer.byteLength(body));
    }
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toContain('<script type="module" src="/dashboard.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/dashboard.css">');
  });

  it("serves every module that a served module imports, so the page loads whole", () => {
    for (const file of readdirSync(DASHBOARD_DIR).filter((f) => f.endsWith(".js"))) {
      const source = readFileSync(new URL(file, DASHBOARD_DIR), "utf8");
      const imports = [...source.matchAll(/^import [^;]* from "\.\/([\w-]+\.js)";$/gm)].map((m) => m[1]);
      for (const name of imports) expect(DASHBOARD_PATHS, `${file} imports ${name}`).toContain(`/${name}`);
    }
  });

  it("loads nothing from elsewhere and holds no inline script or style (no CDN, nothing for the policy to block)", async ({ keypool }) => {
    const base = await start(keypool);
    for (const path of DASHBOARD_PATHS) {
      const text = await (await fetch(`${base}${path}`)).text();
      // The only absolute URL is the SVG namespace.
      const urls = [...text.matchAll(/(?:https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}[^\s"')]*/gi)].map((m) => m[0]);
      expect(urls.filter((u) => u !== "http://www.w3.org/2000/svg"), path).toEqual([]);
    }
    const html = await (await fetch(`${base}/`)).text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
  });

  it("with client tokens, serves the page and its files without a token while the data needs an admin token", async ({ keypool }) => {
    const base = await start(keypool, true);
    for (const path of DASHBOARD_PATHS) expect((await fetch(`${base}${path}`)).status, path).toBe(200);
    expect((await fetch(`${base}/v1/stats`)).status).toBe(401);
    expect((await fetch(`${base}/v1/stats/stream`)).status).toBe(401);
    expect((await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${CALLER_TOKEN}` } })).status).toBe(403);
    expect((await fetch(`${base}/v1/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(200);
    // Only the exact paths are open: anything else still asks for the token before it is found missing.
    expect((await fetch(`${base}/index.html`)).status).toBe(401);
    expect((await fetch(`${base}/dashboard.js.map`)).status).toBe(401);
  });

  it("the page and its files hold no secret", async ({ keypool }) => {
    const base = await start(keypool);
    for (const path of DASHBOARD_PATHS) {
      const text = await (await fetch(`${base}${path}`)).text();
      expect(text).not.toMatch(/sk-test-\d{4}/);
    }
  });
});
