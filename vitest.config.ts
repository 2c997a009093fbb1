import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Server tests bind real ports and spawn processes; two cores do not gain from more workers.
    maxWorkers: 2,
  },
});
