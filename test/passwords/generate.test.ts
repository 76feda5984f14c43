import { describe, expect, it } from "vitest";
import { generatePassword } from "../../src/passwords/generate.ts";
import { checkPassword } from "../../src/passwords/policy.ts";
import { createPolicy, createSeededRandom } from "./fixtures.ts";

const strictest = createPolicy({
  level: "excellent",
  minLength: 20,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
});
const personal = {
  email: "margaret.hamilton@example.com",
  name: "Margaret Hamilton",
  givenName: "Margaret",
  familyName: "Hamilton",
  nickname: "Maggie",
};
const ALLOWED = /^[A-Za-z0-9!#$%&*+\-.:=?@^_~]+$/;

describe("generatePassword", () => {
  it("passes an 'excellent' policy with min length 20, dictionary and personal data, 200 times out of 200", () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword(strictest);
      const check = checkPassword(password, strictest, { personal, reused: false });
      expect(check.failures, password).toEqual([]);
    }
  });

  it("always contains lower case, upper case, a digit and a symbol, from a safe alphabet", () => {
    const random = createSeededRandom(7);
    for (let i = 0; i < 200; i++) {
      const password = generatePassword(strictest, random);
      expect(password).toMatch(ALLOWED);
      for (const pattern of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) {
        expect(password).toMatch(pattern);
      }
    }
  });

  it("is at least 20 characters even when the policy asks for fewer", () => {
    expect(generatePassword(createPolicy({ level: "low" }))).toHaveLength(20);
  });

  it("meets a min length above 20", () => {
    expect(generatePassword(createPolicy({ minLength: 64 }))).toHaveLength(64);
  });

  it("is deterministic for a seeded random source", () => {
    const first = generatePassword(strictest, createSeededRandom(42));
    expect(generatePassword(strictest, createSeededRandom(42))).toBe(first);
    expect(generatePassword(strictest, createSeededRandom(43))).not.toBe(first);
  });

  it("discards bytes that would bias the choice of character", () => {
    const seeded = createSeededRandom(42);
    const withBiasedBytes = (size: number) => {
      const bytes = seeded(size);
      return Uint8Array.from([...bytes].flatMap((byte) => [255, byte]));
    };
    expect(generatePassword(strictest, withBiasedBytes)).toBe(
      generatePassword(strictest, createSeededRandom(42)),
    );
  });

  it("fails loudly rather than looping forever on a constant random source", () => {
    expect(() => generatePassword(strictest, (size) => new Uint8Array(size))).toThrow(
      /random source/,
    );
  });

  it("refuses a min length above the maximum password length", () => {
    expect(() => generatePassword(createPolicy({ minLength: 300 }))).toThrow(RangeError);
  });
});
