import { defineConfig } from "vitest/config";

// Browser end-to-end tests: real Passdesk, fake SendGrid, Debian's Chromium (`npm run test:e2e`).
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
