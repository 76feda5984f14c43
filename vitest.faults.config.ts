import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Auth0's SDKs only speak https: the tests put a TLS front with this certificate before
// Passdesk (test/support/tls-front.ts). Workers read it as they start, from this environment.
process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(
  new URL("./test/fixtures/tls/cert.pem", import.meta.url),
);

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
