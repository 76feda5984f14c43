import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Auth0's SDKs only speak https: the tests put a TLS front with this certificate before
// Passdesk (test/support/tls-front.ts). Workers read it as they start, from this environment.
process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(
  new URL("./test/fixtures/tls/cert.pem", import.meta.url),
);

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
