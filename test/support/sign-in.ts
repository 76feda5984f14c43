import { randomBytes } from "node:crypto";
import type { Clock } from "../../src/clock.ts";
import type { BruteForceGuard, SignInAttempt } from "../../src/sign-in/brute-force.ts";
import type { TokenExchangeDependencies } from "../../src/sign-in/exchange-token.ts";
import type { TokenSettings } from "../../src/sign-in/issue-tokens.ts";
import { createKeyEncryption } from "../../src/sign-in/key-encryption.ts";
import { createKeyRing } from "../../src/sign-in/key-ring.ts";
import type { MemoryRepository } from "./memory/stores.ts";

export const ISSUER_URL = "https://passdesk.example.com";

export const TEST_TOKEN_SETTINGS: TokenSettings = {
  issuer: `${ISSUER_URL}/`,
  userinfoAudience: `${ISSUER_URL}/userinfo`,
  accessTokenLifetimeSeconds: 86400,
  idTokenLifetimeSeconds: 36000,
  refreshTokenLifetimeSeconds: 30 * 86400,
};

/**
 * A guard that lets every attempt through and remembers what it was told: for the tests of
 * sign-in itself. Brute-force protection has tests of its own.
 */
export function createRecordingGuard(): BruteForceGuard & {
  calls: Array<{ step: string; email: string; known?: boolean }>;
} {
  const calls: Array<{ step: string; email: string; known?: boolean }> = [];
  return {
    calls,
    async admit(attempt: SignInAttempt) {
      calls.push({ step: "admit", email: attempt.email });
      return { allowed: true };
    },
    async succeeded(attempt) {
      calls.push({ step: "succeeded", email: attempt.email });
    },
    async failed(attempt, user) {
      calls.push({ step: "failed", email: attempt.email, known: user !== undefined });
    },
    async abandoned(attempt) {
      calls.push({ step: "abandoned", email: attempt.email });
    },
  };
}

/** Token exchange over memory stores, with a fresh key-encryption key. */
export async function createMemoryTokenExchange(
  repo: MemoryRepository,
  options: { clock: Clock; guard?: BruteForceGuard; hasher: TokenExchangeDependencies["hasher"] },
): Promise<TokenExchangeDependencies & { guard: BruteForceGuard }> {
  const encryption = createKeyEncryption(randomBytes(32));
  const keyRing = createKeyRing({ keys: repo.signingKeys, encryption, clock: options.clock });
  return {
    stores: repo,
    transaction: repo.transaction,
    hasher: options.hasher,
    dummyHash: await options.hasher.hash("no one's password"),
    guard: options.guard ?? createRecordingGuard(),
    clock: options.clock,
    keyRing,
    settings: TEST_TOKEN_SETTINGS,
    defaultConnection: "Username-Password-Authentication",
  };
}
