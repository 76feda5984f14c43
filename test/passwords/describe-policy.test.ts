import { describe, expect, it } from "vitest";
import { checkPassword, describePolicy } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

describe("describePolicy", () => {
  it("lists every rule of an 'excellent' policy as checklist sentences, in display order", () => {
    const policy = createPolicy({
      level: "excellent",
      minLength: 12,
      historySize: 5,
      dictionary: true,
      noPersonalInfo: true,
    });
    expect(describePolicy(policy)).toEqual([
      { rule: "min_length", message: "At least 12 characters" },
      { rule: "max_length", message: "At most 256 characters" },
      {
        rule: "character_classes",
        message: "Contains at least 3 of: lower case, upper case, digit, special character",
      },
      { rule: "identical_chars", message: "No more than 2 identical characters in a row" },
      {
        rule: "dictionary",
        message:
          "At least 5 characters besides keyboard patterns, sequences, repeats, years, dates " +
          "and one common password, word or name " +
          "(in any case, reversed or with look-alikes like p@ssw0rd)",
      },
      { rule: "personal_data", message: "Does not contain your name or email" },
      { rule: "history", message: "Not one of your last 5 passwords" },
    ]);
  });

  it("lists lower case, upper case and digit separately for a 'fair' policy", () => {
    expect(describePolicy(createPolicy({ level: "fair" })).map((item) => item.message)).toEqual([
      "At least 8 characters",
      "At most 256 characters",
      "At least one lower case letter",
      "At least one upper case letter",
      "At least one digit",
    ]);
  });

  it("omits history, dictionary and personal data when they are off", () => {
    expect(describePolicy(createPolicy()).map((item) => item.rule)).toEqual([
      "min_length",
      "max_length",
    ]);
  });

  it("says 'character' in the singular for a minimum of 1", () => {
    expect(describePolicy(createPolicy())[0]?.message).toBe("At least 1 character");
  });

  it("speaks of the last password when history keeps one", () => {
    const items = describePolicy(createPolicy({ historySize: 1 }));
    expect(items.at(-1)).toEqual({ rule: "history", message: "Not your last password" });
  });

  it("lists the same rules, in the same order, as checkPassword reports", () => {
    const policy = createPolicy({ level: "good", historySize: 3, dictionary: true });
    const rules = checkPassword("anything", policy).rules;
    expect(rules.map(({ rule, message }) => ({ rule, message }))).toEqual(describePolicy(policy));
  });
});

describe("history rule", () => {
  const policy = createPolicy({ historySize: 5 });

  it("fails when the caller found the password among recent ones", () => {
    const check = checkPassword("Tr0ub4dor&3", policy, { reused: true });
    expect(check.ok).toBe(false);
    expect(check.failures).toEqual(["history"]);
  });

  it("passes when the password is not reused", () => {
    expect(checkPassword("Tr0ub4dor&3", policy, { reused: false }).ok).toBe(true);
  });

  it("is absent when history size is 0", () => {
    const check = checkPassword("Tr0ub4dor&3", createPolicy(), { reused: true });
    expect(check.rules.map((result) => result.rule)).not.toContain("history");
    expect(check.ok).toBe(true);
  });
});
