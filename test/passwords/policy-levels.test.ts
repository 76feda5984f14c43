import { describe, expect, it } from "vitest";
import { checkPassword, type PasswordLevel } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

function failuresOf(password: string, level: PasswordLevel, minLength = 1) {
  return checkPassword(password, createPolicy({ level, minLength })).failures;
}

describe("level 'none'", () => {
  it("accepts a single character", () => {
    expect(failuresOf("a", "none")).toEqual([]);
  });

  it("rejects the empty password by the min_length rule", () => {
    expect(failuresOf("", "none")).toEqual(["min_length"]);
  });
});

describe("level 'low'", () => {
  it("accepts 6 characters of any kind", () => {
    expect(failuresOf("aaaaaa", "low")).toEqual([]);
  });

  it("rejects 5 characters by the min_length rule", () => {
    expect(failuresOf("abcde", "low")).toEqual(["min_length"]);
  });
});

describe("level 'fair'", () => {
  it("accepts 8 characters with lower case, upper case and a digit", () => {
    expect(failuresOf("Abcdefg1", "fair")).toEqual([]);
  });

  it("a 'fair' password without a digit fails the digit rule", () => {
    expect(failuresOf("Abcdefgh", "fair")).toEqual(["digit"]);
  });

  it("a 'fair' password without upper case fails the upper_case rule", () => {
    expect(failuresOf("abcdefg1", "fair")).toEqual(["upper_case"]);
  });

  it("a 'fair' password without lower case fails the lower_case rule", () => {
    expect(failuresOf("ABCDEFG1", "fair")).toEqual(["lower_case"]);
  });

  it("rejects 7 characters by the min_length rule", () => {
    expect(failuresOf("Abcdef1", "fair")).toEqual(["min_length"]);
  });

  it("counts non-ASCII letters as lower and upper case", () => {
    expect(failuresOf("ÄÖÜäöüß1", "fair")).toEqual([]);
  });
});

describe("level 'good'", () => {
  it("accepts 8 characters with lower case, upper case and a digit", () => {
    expect(failuresOf("abcdefG1", "good")).toEqual([]);
  });

  it("accepts lower case, a digit and a special character without upper case", () => {
    expect(failuresOf("abcdef!1", "good")).toEqual([]);
  });

  it("counts a space as a special character", () => {
    expect(failuresOf("abcd efg1", "good")).toEqual([]);
  });

  it("rejects only two character classes by the character_classes rule", () => {
    expect(failuresOf("abcdefgh1", "good")).toEqual(["character_classes"]);
  });

  it("rejects 7 characters by the min_length rule", () => {
    expect(failuresOf("abcdG1!", "good")).toEqual(["min_length"]);
  });

  it("allows three identical characters in a row", () => {
    expect(failuresOf("aaaBBB111", "good")).toEqual([]);
  });
});

describe("level 'excellent'", () => {
  it("accepts 10 characters of 3 classes with no triple", () => {
    expect(failuresOf("Abcdefgh1!", "excellent")).toEqual([]);
  });

  it("accepts two identical characters in a row", () => {
    expect(failuresOf("Abcdee1!xy", "excellent")).toEqual([]);
  });

  it("rejects three identical characters in a row by the identical_chars rule", () => {
    expect(failuresOf("Abcdeee1!x", "excellent")).toEqual(["identical_chars"]);
  });

  it("treats different case as different characters", () => {
    expect(failuresOf("AbcdeEe1!x", "excellent")).toEqual([]);
  });

  it("rejects 9 characters by the min_length rule", () => {
    expect(failuresOf("Abcdefg1!", "excellent")).toEqual(["min_length"]);
  });

  it("rejects a single character class by the character_classes rule", () => {
    expect(failuresOf("abcdefghij", "excellent")).toEqual(["character_classes"]);
  });
});

describe("min length", () => {
  it("the policy's min length applies when higher than the level's", () => {
    expect(failuresOf("abcdefghijk", "none", 12)).toEqual(["min_length"]);
    expect(failuresOf("abcdefghijkl", "none", 12)).toEqual([]);
  });

  it("the level's min length applies when higher than the policy's", () => {
    expect(failuresOf("Abcdefg1!", "excellent", 4)).toEqual(["min_length"]);
  });

  it("is named in the rule message", () => {
    const check = checkPassword("short", createPolicy({ minLength: 12 }));
    expect(check.rules[0]).toEqual({
      rule: "min_length",
      ok: false,
      message: "At least 12 characters",
    });
  });
});
