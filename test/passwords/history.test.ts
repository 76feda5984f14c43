import { beforeAll, describe, expect, it } from "vitest";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { isReusedPassword } from "../../src/passwords/history.ts";
import { FAST_ARGON2 } from "./fixtures.ts";

const hasher = createArgon2Hasher(FAST_ARGON2);
let recentHashes: string[] = [];

beforeAll(async () => {
  recentHashes = await Promise.all(
    ["current-Passw0rd", "older-Passw0rd", "oldest-caf\u00e9"].map((p) => hasher.hash(p)),
  );
});

describe("isReusedPassword", () => {
  it("is true for the current password", async () => {
    expect(await isReusedPassword("current-Passw0rd", recentHashes, hasher)).toBe(true);
  });

  it("is true for a password anywhere in the history", async () => {
    expect(await isReusedPassword("older-Passw0rd", recentHashes, hasher)).toBe(true);
    expect(await isReusedPassword("oldest-caf\u00e9", recentHashes, hasher)).toBe(true);
  });

  it("is true for a reused password typed with a decomposed accent", async () => {
    expect(await isReusedPassword("oldest-cafe\u0301", recentHashes, hasher)).toBe(true);
  });

  it("is false for a new password", async () => {
    expect(await isReusedPassword("brand-new-Passw0rd", recentHashes, hasher)).toBe(false);
  });

  it("is false when there is no history", async () => {
    expect(await isReusedPassword("current-Passw0rd", [], hasher)).toBe(false);
  });

  it("skips a malformed hash in the history instead of failing", async () => {
    const hashes = ["garbage", ...recentHashes];
    expect(await isReusedPassword("older-Passw0rd", hashes, hasher)).toBe(true);
  });
});
