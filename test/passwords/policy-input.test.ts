import { describe, expect, it } from "vitest";
import { checkPassword, MAX_PASSWORD_LENGTH } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

describe("max length", () => {
  it("accepts exactly 256 characters", () => {
    expect(MAX_PASSWORD_LENGTH).toBe(256);
    expect(checkPassword("a".repeat(256), createPolicy()).ok).toBe(true);
  });

  it("rejects 257 characters by the max_length rule with a clear message", () => {
    const check = checkPassword("a".repeat(257), createPolicy());
    expect(check.failures).toEqual(["max_length"]);
    expect(check.rules.find((result) => result.rule === "max_length")?.message).toBe(
      "At most 256 characters",
    );
  });
});

describe("length counting", () => {
  it("counts an emoji as one character, not two UTF-16 units", () => {
    const policy = createPolicy({ level: "low" });
    expect(checkPassword("😀".repeat(5), policy).failures).toEqual(["min_length"]);
    expect(checkPassword("😀".repeat(6), policy).ok).toBe(true);
  });

  it("accepts 256 emoji although they are 512 UTF-16 units", () => {
    expect(checkPassword("😀".repeat(256), createPolicy()).ok).toBe(true);
  });

  it("treats three identical emoji as three identical characters", () => {
    const check = checkPassword("Ab1😀😀😀xyzw", createPolicy({ level: "excellent" }));
    expect(check.failures).toEqual(["identical_chars"]);
  });
});

describe("normalisation", () => {
  it("returns the password in NFC, so a decomposed é equals the composed one", () => {
    const check = checkPassword("cafe\u0301 Latte1", createPolicy());
    expect(check.password).toBe("caf\u00e9 Latte1");
  });

  it("counts length after NFC", () => {
    expect(checkPassword("cafe\u0301", createPolicy({ minLength: 5 })).failures).toEqual([
      "min_length",
    ]);
  });
});

describe("robustness", () => {
  it.each([
    ["an empty string", ""],
    ["a lone surrogate", "\ud800"],
    ["control characters", "\u0000\n\t"],
    ["a million characters", "x".repeat(1_000_000)],
  ])("returns a result rather than throwing for %s", (_, password) => {
    const policy = createPolicy({ level: "excellent", dictionary: true, noPersonalInfo: true });
    expect(() =>
      checkPassword(password, policy, { personal: { email: "a@b.c" }, reused: false }),
    ).not.toThrow();
  });
});
