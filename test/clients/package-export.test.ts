import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the package", () => {
  it("exports the client as keypool/client, with its types, from the built dist/", () => {
    // The suite's global setup has just built dist/; a package may import itself by name.
    const out = execFileSync(
      process.execPath,
      ["--input-type=module", "-e", "const m = await import('keypool/client'); console.log(Object.keys(m).sort().join(','))"],
      { cwd: root, encoding: "utf8" },
    );
    const names = out.trim().split(",");
    for (const name of ["KeyPoolClient", "KeyPoolError", "KeyPoolUnavailableError", "withKey", "withKeyStream", "poolFetch", "usageFromBody", "SseUsageTracker", "outcomeFromHttp", "outcomeFromError"]) {
      expect(names).toContain(name);
    }
    expect(existsSync(`${root}dist/clients/typescript/src/index.d.ts`)).toBe(true);
    const server = execFileSync(process.execPath, ["--input-type=module", "-e", "const m = await import('keypool'); console.log(typeof m.startKeypoolServer)"], { cwd: root, encoding: "utf8" });
    expect(server.trim()).toBe("function");
  });
});
