import argon2 from "argon2";
import { describe, expect, it } from "vitest";
import { canonicalizeArgon2Hash, parseArgon2Hash } from "../../src/passwords/argon2-phc.ts";
import { verifyWithLibsodium } from "../support/libsodium.ts";
import { FAST_ARGON2 } from "./fixtures.ts";

const SALT = "c2FsdHNhbHRzYWx0c2FsdA";
const DIGEST = "xzMkZq5Xn0Xb5bN8lXyx2zr8GMyGBLTb1IBTWkENYgs";

function phc(params: string, { variant = "argon2id", version = "$v=19" } = {}): string {
  return `$${variant}${version}$${params}$${SALT}$${DIGEST}`;
}

describe("canonicalizeArgon2Hash", () => {
  it.each([
    ["m,p,t (node-argon2 0.45)", "m=19456,p=1,t=2"],
    ["t,p,m", "t=2,p=1,m=19456"],
    ["p,m,t", "p=1,m=19456,t=2"],
    ["m,t,p (already canonical)", "m=19456,t=2,p=1"],
  ])("writes %s as m,t,p, keeping salt and digest", (_, params) => {
    expect(canonicalizeArgon2Hash(phc(params))).toBe(phc("m=19456,t=2,p=1"));
  });

  it("keeps the variant and the version", () => {
    expect(canonicalizeArgon2Hash(phc("m=4096,p=2,t=3", { variant: "argon2i" }))).toBe(
      phc("m=4096,t=3,p=2", { variant: "argon2i" }),
    );
    expect(canonicalizeArgon2Hash(phc("m=4096,p=2,t=3", { version: "$v=16" }))).toBe(
      phc("m=4096,t=3,p=2", { version: "$v=16" }),
    );
  });

  it("writes the version the reference decoder assumes when the string has none (16)", () => {
    expect(canonicalizeArgon2Hash(phc("m=4096,p=1,t=3", { version: "" }))).toBe(
      phc("m=4096,t=3,p=1", { version: "$v=16" }),
    );
  });

  it("drops unused low bits of the last base64 character, which strict decoders refuse", () => {
    // "…Z" and "…Y" differ only in the 4 bits past the 16 bytes the salt holds.
    const salt = "c2FsdHNhbHRzYWx0c2FsdZ";
    expect(canonicalizeArgon2Hash(`$argon2id$v=19$m=4096,p=1,t=3$${salt}$${DIGEST}`)).toBe(
      `$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0c2FsdQ$${DIGEST}`,
    );
  });

  it("turns a real node-argon2 string into one libsodium accepts, for the same password", async () => {
    const written = await argon2.hash("correct horse battery staple", {
      type: argon2.argon2id,
      ...FAST_ARGON2,
      parallelism: 4,
    });
    expect(written).toMatch(/\$m=1024,p=4,t=1\$/);
    const canonical = canonicalizeArgon2Hash(written) ?? "";
    expect(canonical).toMatch(/^\$argon2id\$v=19\$m=1024,t=1,p=4\$/);
    expect(await verifyWithLibsodium(written, "correct horse battery staple")).toBe(false);
    expect(await verifyWithLibsodium(canonical, "correct horse battery staple")).toBe(true);
    expect(await argon2.verify(canonical, "correct horse battery staple")).toBe(true);
  });

  it.each([
    ["bcrypt", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"],
    ["an unknown variant", phc("m=4096,t=3,p=1", { variant: "argon2x" })],
    ["an unknown version", phc("m=4096,t=3,p=1", { version: "$v=18" })],
    ["a missing parameter", phc("m=4096,t=3")],
    ["a repeated parameter", phc("m=4096,t=3,t=3")],
    ["an extra parameter", phc("m=4096,t=3,p=1,keyid=abc")],
    ["associated data", phc("m=4096,t=3,p=1,data=c2FsdA")],
    ["a leading zero", phc("m=04096,t=3,p=1")],
    ["a zero time cost", phc("m=4096,t=0,p=1")],
    ["less memory than 8 KiB per lane", phc("m=31,t=3,p=4")],
    ["a salt shorter than 8 bytes", `$argon2id$v=19$m=4096,t=3,p=1$c2FsdA$${DIGEST}`],
    ["a base64 length no bytes have", `$argon2id$v=19$m=4096,t=3,p=1$${SALT}AAA$${DIGEST}`],
    ["padding", `$argon2id$v=19$m=4096,t=3,p=1$${SALT}==$${DIGEST}`],
    ["a missing digest", `$argon2id$v=19$m=4096,t=3,p=1$${SALT}`],
    ["trailing text", `${phc("m=4096,t=3,p=1")}$x`],
  ])("refuses %s", (_, value) => {
    expect(canonicalizeArgon2Hash(value)).toBeUndefined();
    expect(parseArgon2Hash(value)).toBeUndefined();
  });
});
