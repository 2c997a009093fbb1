import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MAX_ERROR_BODY_BYTES } from "../../src/provider-http/rate-limits/error-body.js";
import { MAX_RATE_LIMIT_HEADERS, RATE_LIMIT_HEADER_NAMES, RATE_LIMIT_HEADER_PREFIXES } from "../../src/provider-http/rate-limits/rate-limit-header-names.js";
import { PYTHON } from "./python-env.js";

const module = fileURLToPath(new URL("../../clients/python/keypool_client/rate_limit_headers.py", import.meta.url));

describe("the Python client's rate-limit header allow-list", () => {
  // The module needs only the standard library, so this runs wherever Python does.
  it("is the TypeScript client's, name for name, with the same caps", () => {
    const script = [
      "import json, runpy, sys",
      "m = runpy.run_path(sys.argv[1])",
      "print(json.dumps({k: m[k] for k in ('RATE_LIMIT_HEADER_NAMES', 'RATE_LIMIT_HEADER_PREFIXES', 'MAX_RATE_LIMIT_HEADERS', 'MAX_ERROR_BODY_BYTES')}))",
    ].join("\n");
    const run = spawnSync(PYTHON, ["-c", script, module], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      RATE_LIMIT_HEADER_NAMES: [...RATE_LIMIT_HEADER_NAMES],
      RATE_LIMIT_HEADER_PREFIXES: [...RATE_LIMIT_HEADER_PREFIXES],
      MAX_RATE_LIMIT_HEADERS,
      MAX_ERROR_BODY_BYTES,
    });
  });
});
