import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Auth0's SDKs only speak https: the tests put a TLS front with this certificate before
// Passdesk (test/support/tls-front.ts). Workers read it as they start, from this environment.
process.env.NODE_EXTRA_CA_CERTS = fileURLToPath(
  new URL("./test/fixtures/tls/cert.pem", import.meta.url),
);

// Browser end-to-end tests: real Passdesk, fake SendGrid, Debian's Chromium (`npm run test:e2e`).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
