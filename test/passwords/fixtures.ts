import type { PasswordPolicy } from "../../src/passwords/policy.ts";

/** A policy that checks only its level unless told otherwise. */
export function createPolicy(overrides: Partial<PasswordPolicy> = {}): PasswordPolicy {
  return {
    level: "none",
    minLength: 1,
    historySize: 0,
    dictionary: false,
    noPersonalInfo: false,
    ...overrides,
  };
}

/** A deterministic byte source (mulberry32), so generated passwords can be asserted. */
export function createSeededRandom(seed: number): (size: number) => Uint8Array {
  let state = seed >>> 0;
  const nextByte = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) & 0xff;
  };
  return (size) => Uint8Array.from({ length: size }, nextByte);
}

/** Cheap Argon2id parameters: the tests check behaviour, not cost. */
export const FAST_ARGON2 = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
