import argon2 from "argon2";
import bcryptjs from "bcryptjs";
import { describe, expect, it } from "vitest";
import { createArgon2Hasher, OWASP_ARGON2ID } from "../../src/passwords/argon2-hasher.ts";
import { verifyWithLibsodium } from "../support/libsodium.ts";
import { FAST_ARGON2 } from "./fixtures.ts";

const hasher = createArgon2Hasher(FAST_ARGON2);

const ARGON2I_HASH =
  "$argon2i$v=19$m=1024,p=1,t=1$nbFvRHSOQ/gBJh5nTC7vZw$0XvC0ACNin0cJsPEbNFPcKGFsmVquBRSiOPdn7pgehU";
const BCRYPT_HASH = "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy";
/** The example in PHP's password_verify documentation. */
const PHP_BCRYPT_HASH = "$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a";

/** The same string with its parameters in node-argon2 0.45's order, m,p,t. */
function inNodeArgon2Order(phc: string): string {
  return phc.replace(/\$m=(\d+),t=(\d+),p=(\d+)\$/, "$m=$1,p=$3,t=$2$");
}

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
    expect(readParams(hash)).toEqual({ m: "19456", t: "2", p: "1" });
    expect(OWASP_ARGON2ID).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it("stores the PHC string format's canonical form: m, t, p in that order, a 16-byte salt", async () => {
    const hash = await hasher.hash("correct horse battery staple");
    expect(hash).toMatch(
      /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
  });

  it("still verifies the m,p,t strings node-argon2 0.45 wrote", async () => {
    const old = await argon2.hash("correct horse battery staple", {
      type: argon2.argon2id,
      ...FAST_ARGON2,
    });
    expect(old).toMatch(/\$m=1024,p=1,t=1\$/);
    expect(await hasher.verify(old, "correct horse battery staple")).toBe(true);
    expect(await hasher.verify(old, "correct horse battery stapler")).toBe(false);
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

describe.each([
  ["OWASP's parameters", OWASP_ARGON2ID],
  ["the tests' cheap parameters", FAST_ARGON2],
])("a strict second implementation (libsodium) given a hash made with %s", (_, params) => {
  const strictHasher = createArgon2Hasher(params);

  it("accepts the right password and refuses a wrong one", async () => {
    const hash = await strictHasher.hash("violet lanterns drift upstream");
    expect(await verifyWithLibsodium(hash, "violet lanterns drift upstream")).toBe(true);
    expect(await verifyWithLibsodium(hash, "violet lanterns drift downstream")).toBe(false);
  });

  it("accepts a password Passdesk normalised to NFC when given the NFC form", async () => {
    const hash = await strictHasher.hash("caf\u0065\u0301 au lait, s'il vous pla\u00eet");
    expect(await verifyWithLibsodium(hash, "caf\u00e9 au lait, s'il vous pla\u00eet")).toBe(true);
  });

  it("refuses the same hash written in node-argon2 0.45's m,p,t order", async () => {
    const hash = await strictHasher.hash("violet lanterns drift upstream");
    expect(
      await verifyWithLibsodium(inNodeArgon2Order(hash), "violet lanterns drift upstream"),
    ).toBe(false);
  });
});

describe("verifying imported bcrypt hashes", () => {
  it.each([
    ["$2b$ (bcryptjs, node)", "$2b$"],
    ["$2a$", "$2a$"],
  ])("verifies %s and refuses a wrong password", async (_, prefix) => {
    const salt = bcryptjs.genSaltSync(4).replace(/^\$2b\$/, prefix);
    const hash = bcryptjs.hashSync("an app's old password", salt);
    expect(hash.startsWith(prefix)).toBe(true);
    expect(await hasher.verify(hash, "an app's old password")).toBe(true);
    expect(await hasher.verify(hash, "an app's old passw0rd")).toBe(false);
  });

  it("verifies PHP's $2y$, which the native bcrypt package does not know by that name", async () => {
    expect(await hasher.verify(PHP_BCRYPT_HASH, "rasmuslerdorf")).toBe(true);
    expect(await hasher.verify(PHP_BCRYPT_HASH, "rasmuslerdorF")).toBe(false);
  });

  it("compares the NFC form of the password, as for argon2", async () => {
    const hash = bcryptjs.hashSync("caf\u00e9", 4);
    expect(await hasher.verify(hash, "cafe\u0301")).toBe(true);
  });

  it.each([
    ["PHP's buggy $2x$", PHP_BCRYPT_HASH.replace("$2y$", "$2x$")],
    ["a cost above 14", PHP_BCRYPT_HASH.replace("$10$", "$15$")],
    ["a truncated hash", PHP_BCRYPT_HASH.slice(0, -1)],
  ])("reads %s as a mismatch, without an error", async (_, hash) => {
    await expect(hasher.verify(hash, "rasmuslerdorf")).resolves.toBe(false);
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

  it("is true for the same parameters in node-argon2 0.45's m,p,t order, so it is rewritten", async () => {
    const hash = await hasher.hash("password");
    expect(hasher.needsRehash(inNodeArgon2Order(hash))).toBe(true);
  });

  it("is true for bcrypt hashes, however well-formed", () => {
    expect(hasher.needsRehash(PHP_BCRYPT_HASH)).toBe(true);
    expect(hasher.needsRehash(bcryptjs.hashSync("password", 4))).toBe(true);
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
