import { defineConfig } from "vitest/config";
import { SkippedGroupsReporter } from "./test/support/skipped-groups-reporter.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Server tests bind real ports and spawn processes; two cores do not gain from more workers.
    maxWorkers: 2,
    // The default output, then one line naming every skipped group and how to enable it.
    reporters: ["default", new SkippedGroupsReporter()],
  },
});
