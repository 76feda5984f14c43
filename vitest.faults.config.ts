import { defineConfig } from "vitest/config";

// Fault-injection tests (`npm run test:faults`): real Passdesk processes, fake SendGrid and Slack,
// a PostgreSQL restart. Each is heavy and some touch shared state (the local cluster), so they
// run one file at a time.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
  },
});
