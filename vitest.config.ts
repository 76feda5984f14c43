import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/faults/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Most suites wait on spawned processes and databases, not the CPU: more workers than the
    // two cores finish sooner.
    maxWorkers: 4,
  },
});
