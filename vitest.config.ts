import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["test/e2e/**", "test/faults/**"],
    // Bounds for hangs, not speed targets: a CLI test spawns several processes that each open
    // PGlite (WebAssembly), and on a slow shared host with every worker busy one can take 30 s.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Most suites wait on spawned processes and databases, not the CPU: more workers than the
    // two cores finish sooner (four overloaded a slow host).
    maxWorkers: 3,
  },
});
