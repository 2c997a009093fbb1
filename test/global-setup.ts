import { execFileSync } from "node:child_process";

/**
 * CLI tests run the built package as a user would; build it once before the
 * suite. KEYPOOL_SKIP_BUILD=1 skips it when dist/ is known to be current.
 */
export default function setup(): void {
  if (process.env.KEYPOOL_SKIP_BUILD === "1") return;
  execFileSync("npx", ["tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
}
