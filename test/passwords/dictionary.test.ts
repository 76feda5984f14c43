import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  findCommonWords,
  isCommonWord,
  WORD_SEARCH_STEPS,
} from "../../src/passwords/common-words.ts";
import {
  DICTIONARY_RULE_TEXT,
  isPredictablePassword,
  loadDictionaryRule,
} from "../../src/passwords/dictionary.ts";
import { checkPassword, describePolicy } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

// Each is refused for the reason given; the first ten passed the old rule (the 10,000 most
// common passwords), several of them at the default minimum of 15 characters.
const PREDICTABLE: ReadonlyArray<[string, string]> = [
  ["password1234", "a common password and a sequence"],
  ["iloveyou1234", "a common password and a sequence"],
  ["123456789012", "sequences"],
  ["password1234567", "a common password and a sequence"],
  ["iloveyou1234567", "a common password and a sequence"],
  ["123456789012345", "sequences"],
  ["qwertyuiopasdfg", "a keyboard pattern"],
  ["zxcvbnm,./asdfghjkl", "keyboard rows"],
  ["1qaz2wsx3edc4rfv", "keyboard columns"],
  ["azertyuiop1234!", "an AZERTY row, a sequence and a symbol"],
  ["PASSWORD1234567", "a common password in capitals and a sequence"],
  ["Password!123456", "a common password, a symbol and a sequence"],
  ["!!!password!!!!", "a common password and repeated symbols"],
  ["P@ssw0rd2024!", "look-alikes, a year and a symbol"],
  ["|_|nic0rn12345!!", "a word with multi-character look-alikes, a sequence, symbols"],
  ["drowssap12345!!", "a common password reversed and padded"],
  ["sunshine!qaz2wsx", "a common password, a symbol and a keyboard pattern"],
  ["Jennifer19850612", "a name and a date"],
  ["smith_1987_07_04", "a name, a year and a date"],
  ["internationalization", "one English word"],
  ["monkeymonkeymonkey", "a repeated common password"],
  ["Xk7#qZ9!Xk7#qZ9!", "anything typed twice is a repeat"],
  ["aaaaaaaaaaaaaaaa", "a repeated character"],
  ["abcdefghijklmno", "a sequence"],
  ["zyxwvutsrqponml", "a descending sequence"],
  ["13579135791357913579", "a repeated sequence with a step of 2"],
  ["dragon#7x9asdfgh", "a common password, a keyboard run and 4 other characters"],
  ["Xk7!", "4 characters of anything"],
  ["dragonKq7%", "a common password and 4 other characters"],
  ["password\u{1f34e}\u{1f6b2}\u{1f319}\u{1f3b2}", "4 emoji are 4 characters, not 8"],
];

// Passphrases of several words (NIST SP 800-63B-4 favours length) and random strings pass.
const UNPREDICTABLE: ReadonlyArray<[string, string]> = [
  ["correct horse battery staple", "four random words"],
  ["violet lanterns drift upstream", "four random words"],
  ["correcthorsebatterystaple", "four words without spaces"],
  ["harbour kettle minnow sings", "four words"],
  ["sunshine monkey", "two common passwords are two words"],
  ["Schnee fällt leise im Tal", "words outside the English lists"],
  ["dragonKq7%z", "a common password and 5 other characters"],
  ["password\u{1f34e}\u{1f6b2}\u{1f319}\u{1f3b2}\u{1f419}", "a common password and 5 emoji"],
  ["Xk7#qZ9!mP2$vL5&", "16 random characters"],
  ["v8!Rk2#Lq9@Tz4$Wm6", "18 random characters"],
];

describe("isPredictablePassword", () => {
  it.each(PREDICTABLE)("refuses %s: %s", (password) => {
    expect(isPredictablePassword(password)).toBe(true);
  });

  it.each(UNPREDICTABLE)("accepts %s: %s", (password) => {
    expect(isPredictablePassword(password)).toBe(false);
  });

  it("reads the password as NFC, like every other rule", () => {
    // "café" is a common word; a decomposed é would otherwise be two other characters.
    expect(isPredictablePassword("cafe\u0301 1234567890")).toBe(true);
  });
});

describe("isCommonWord", () => {
  it.each([
    ["a common password", "qwerty123"],
    ["a common password in any case", "PassWord"],
    ["an English word", "lanterns"],
    ["a first name", "jennifer"],
    ["a last name", "liddell"],
    ["a word typed backwards", "snretnal"],
    ["a common password with look-alikes", "p4$$w0rd"],
    ["a word with a multi-character look-alike", "|_|nicorn"],
    ["a word with look-alikes, backwards", "dr0wss@p"],
  ])("recognises %s: %s", (_, token) => {
    expect(isCommonWord(token)).toBe(true);
  });

  it.each([
    ["a random string", "xq7vkw"],
    ["a word inside a longer token", "password-for-payroll-7"],
    ["nothing", ""],
  ])("does not recognise %s", (_, token) => {
    expect(isCommonWord(token)).toBe(false);
  });

  it("reports every end at which a word starting at the given place ends", () => {
    const ends: number[] = [];
    findCommonWords("sunshine!", 0, (end) => {
      ends.push(end);
      return false;
    });
    expect(ends).toContain(3); // "sun"
    expect(ends).toContain(8); // "sunshine"
    expect(ends).not.toContain(9);
  });

  it.each([
    ["look-alikes only", "1|!7<6#9@4$5+0(8%2[{3".repeat(13).slice(0, 256)],
    ["ones", "1".repeat(256)],
    ["letters", "abcdefghijklmnopqrstuvwxyz".repeat(10).slice(0, 256)],
  ])("searches 256 characters of %s from every position within one check's budget", (_, text) => {
    // A check searches only from positions where the rest could still be predictable; this
    // searches from all of them and still does not run out, so the budget changes no answer.
    const budget = { steps: WORD_SEARCH_STEPS };
    for (let start = 0; start < text.length; start++) {
      findCommonWords(text, start, () => false, budget);
    }
    expect(budget.steps).toBeGreaterThan(0);
  });
});

describe("the dictionary rule", () => {
  it("says exactly what it asks for, in the checklist and in the failure", () => {
    expect(DICTIONARY_RULE_TEXT).toBe(
      "At least 5 characters besides keyboard patterns, sequences, repeats, years, dates and " +
        "one common password, word or name (in any case, reversed or with look-alikes like p@ssw0rd)",
    );
    const policy = createPolicy({ minLength: 15, dictionary: true });
    expect(describePolicy(policy)).toContainEqual({
      rule: "dictionary",
      message: DICTIONARY_RULE_TEXT,
    });
    const check = checkPassword("password1234567", policy);
    expect(check.failures).toEqual(["dictionary"]);
    expect(check.rules.find((rule) => rule.rule === "dictionary")?.message).toBe(
      DICTIONARY_RULE_TEXT,
    );
  });

  it("rejects a common password when the policy enables the dictionary", () => {
    const check = checkPassword("Password1", createPolicy({ level: "fair", dictionary: true }));
    expect(check.failures).toEqual(["dictionary"]);
  });

  it("accepts a common password when the policy disables the dictionary", () => {
    expect(checkPassword("Password1", createPolicy({ level: "fair" })).ok).toBe(true);
  });

  it("loads none of zxcvbn's language packages, whose lists would then stay in memory", () => {
    loadDictionaryRule();
    expect(isPredictablePassword("password1234567")).toBe(true);
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    expect(loaded.some((path) => path.includes("@zxcvbn-ts/core"))).toBe(true);
    expect(loaded.filter((path) => path.includes("@zxcvbn-ts/language-"))).toEqual([]);
  });

  it("accepts a passphrase at the default policy's 15 characters", () => {
    const policy = createPolicy({ minLength: 15, dictionary: true });
    expect(checkPassword("violet lanterns drift upstream", policy).ok).toBe(true);
  });
});
