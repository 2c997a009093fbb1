import { CHROMIUM_INSTALL, chromiumMissing } from "./browser.js";
import { OPENAI_SDK_PACKAGES, openAiSdkMissing, PROTOC_PACKAGES, protocMissing, PYTHON_PACKAGES, pythonMissing } from "../python/python-env.js";

/**
 * Test groups that need a part of the machine npm does not install. Locally such a group skips
 * (in CI it fails instead); this list is where the run's last line learns why and how to enable it.
 */
export interface SkipGroup {
  /** What the group tests, as the summary names it. */
  readonly name: string;
  /** Its test file, relative to the repository root. */
  readonly file: string;
  /** Its tests' full names, when the file holds other groups too. */
  readonly tests?: RegExp;
  /** Why it cannot run on this machine, or undefined when it can. */
  readonly missing: () => string | undefined;
  /** What enables it. */
  readonly enable: string;
}

export const SKIP_GROUPS: readonly SkipGroup[] = [
  {
    name: "Python client",
    file: "test/python/python-client.test.ts",
    tests: /pytest passes/,
    missing: pythonMissing,
    enable: PYTHON_PACKAGES,
  },
  {
    name: "OpenAI Python SDK stream",
    file: "test/python/python-client.test.ts",
    tests: /OpenAI Python SDK/,
    // Without the client's own dependencies, the SDK is not what is missing.
    missing: () => pythonMissing() ?? openAiSdkMissing() ?? process.env["KEYPOOL_OPENAI_SDK_UNAVAILABLE"],
    enable: OPENAI_SDK_PACKAGES,
  },
  {
    name: "Python stub regeneration",
    file: "test/python/python-client.test.ts",
    tests: /generate\.sh/,
    missing: protocMissing,
    enable: PROTOC_PACKAGES,
  },
  {
    name: "dashboard in Chromium",
    file: "test/dashboard/dashboard-browser.test.ts",
    missing: chromiumMissing,
    enable: CHROMIUM_INSTALL,
  },
];

/** The group a skipped test belongs to, if any. */
export function skipGroupOf(file: string, fullName: string): SkipGroup | undefined {
  return SKIP_GROUPS.find((g) => g.file === file && (g.tests === undefined || g.tests.test(fullName)));
}
