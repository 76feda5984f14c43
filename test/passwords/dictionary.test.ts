import { dictionary } from "@zxcvbn-ts/language-common";
import { describe, expect, it } from "vitest";
import { COMMON_PASSWORD_COUNT, isCommonPassword } from "../../src/passwords/dictionary.ts";
import { checkPassword } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

const ranked = dictionary["passwords-common"];

describe("isCommonPassword", () => {
  it("recognises the most common passwords", () => {
    expect(isCommonPassword("password")).toBe(true);
    expect(isCommonPassword("123456")).toBe(true);
  });

  it("ignores case", () => {
    expect(isCommonPassword("PASSWORD")).toBe(true);
    expect(isCommonPassword("PassWord")).toBe(true);
  });

  it("recognises 'qwerty123', ranked in the top 10,000", () => {
    expect(ranked.indexOf("qwerty123")).toBeLessThan(COMMON_PASSWORD_COUNT);
    expect(isCommonPassword("qwerty123")).toBe(true);
  });

  it("includes the 10,000th entry and excludes the 10,001st", () => {
    expect(isCommonPassword(ranked[COMMON_PASSWORD_COUNT - 1] ?? "")).toBe(true);
    expect(isCommonPassword(ranked[COMMON_PASSWORD_COUNT] ?? "")).toBe(false);
  });

  it("does not reject an entry ranked around 20,000", () => {
    expect(ranked.indexOf("luvfur")).toBe(20_000);
    expect(isCommonPassword("luvfur")).toBe(false);
  });

  it("does not reject a password that merely contains a common one", () => {
    expect(isCommonPassword("password-for-payroll-7")).toBe(false);
  });
});

describe("the dictionary rule", () => {
  it("rejects a common password when the policy enables the dictionary", () => {
    const check = checkPassword("Password1", createPolicy({ level: "fair", dictionary: true }));
    expect(check.failures).toEqual(["dictionary"]);
  });

  it("accepts a common password when the policy disables the dictionary", () => {
    expect(checkPassword("Password1", createPolicy({ level: "fair" })).ok).toBe(true);
  });
});
