import { describe, expect, it } from "vitest";
import { createArgon2Hasher, OWASP_ARGON2ID } from "../../src/passwords/argon2-hasher.ts";
import { FAST_ARGON2 } from "./fixtures.ts";

const hasher = createArgon2Hasher(FAST_ARGON2);

const ARGON2I_HASH =
  "$argon2i$v=19$m=1024,p=1,t=1$nbFvRHSOQ/gBJh5nTC7vZw$0XvC0ACNin0cJsPEbNFPcKGFsmVquBRSiOPdn7pgehU";
const BCRYPT_HASH = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";

function readParams(phc: string): Record<string, string> {
  const params = phc.split("$")[3] ?? "";
  return Object.fromEntries(params.split(",").map((pair) => pair.split("=")));
}

describe("createArgon2Hasher", () => {
  it("verifies the password it hashed and rejects another", async () => {
    const hash = await hasher.hash("correct horse battery staple");
    expect(await hasher.verify(hash, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(hash, "correct horse battery stapler")).toBe(false);
  });

  it("salts each hash", async () => {
    expect(await hasher.hash("same")).not.toBe(await hasher.hash("same"));
  });

  it("hashing a decomposed é then verifying the composed é succeeds", async () => {
    const hash = await hasher.hash("caf\u0065\u0301");
    expect(await hasher.verify(hash, "caf\u00e9")).toBe(true);
  });

  it("hashing a composed é then verifying the decomposed é succeeds", async () => {
    const hash = await hasher.hash("caf\u00e9");
    expect(await hasher.verify(hash, "cafe\u0301")).toBe(true);
  });

  it("uses Argon2id v19 with OWASP's parameters by default", async () => {
    const hash = await createArgon2Hasher().hash("correct horse battery staple");
    expect(hash.startsWith("$argon2id$v=19$")).toBe(true);
    // node-argon2 writes the parameters as m,p,t rather than libargon2's m,t,p.
    expect(readParams(hash)).toEqual({ m: "19456", t: "2", p: "1" });
    expect(OWASP_ARGON2ID).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it.each([
    ["an empty string", ""],
    ["garbage", "garbage"],
    ["a bare header", "$argon2id$"],
    ["a too-short digest", "$argon2id$v=19$m=1024,t=1,p=1$AAAA$BBBB"],
    ["a bcrypt hash", BCRYPT_HASH],
  ])("verify returns false rather than throwing for %s", async (_, malformed) => {
    await expect(hasher.verify(malformed, "password")).resolves.toBe(false);
  });

  it("verify returns false for a truncated hash", async () => {
    const hash = await hasher.hash("password");
    await expect(hasher.verify(hash.slice(0, -5), "password")).resolves.toBe(false);
  });
});

describe("needsRehash", () => {
  it("is false for a hash made with the same parameters", async () => {
    expect(hasher.needsRehash(await hasher.hash("password"))).toBe(false);
  });

  it("is true for a hash made with different parameters", async () => {
    const hash = await hasher.hash("password");
    expect(createArgon2Hasher(OWASP_ARGON2ID).needsRehash(hash)).toBe(true);
    expect(createArgon2Hasher({ ...FAST_ARGON2, timeCost: 2 }).needsRehash(hash)).toBe(true);
  });

  it("is true for another Argon2 variant with the same parameters", () => {
    expect(hasher.needsRehash(ARGON2I_HASH)).toBe(true);
  });

  it.each([
    ["garbage", "garbage"],
    ["an empty string", ""],
    ["a bare header", "$argon2id$"],
    ["a bcrypt hash", BCRYPT_HASH],
  ])("is true for %s", (_, hash) => {
    expect(hasher.needsRehash(hash)).toBe(true);
  });
});
