import { describe, expect, it } from "vitest";
import { containsPersonalData, type PersonalData } from "../../src/passwords/personal-data.ts";
import { checkPassword } from "../../src/passwords/policy.ts";
import { createPolicy } from "./fixtures.ts";

const jane: PersonalData = {
  email: "kestrel77@example.com",
  name: "Jane Doe",
  givenName: "Jane",
  familyName: "Doe",
  nickname: "jd",
};

describe("containsPersonalData", () => {
  it("rejects the email's local part", () => {
    expect(containsPersonalData("my-kestrel77-pass", jane)).toBe(true);
  });

  it("does not reject the email's domain", () => {
    expect(containsPersonalData("example-pass!", jane)).toBe(false);
  });

  it("rejects each part of the local part of 3 or more characters", () => {
    const person = { email: "mary.ann+hr@example.com" };
    expect(containsPersonalData("Proud-mary-42", person)).toBe(true);
    expect(containsPersonalData("Hr-ok-sunset-42", person)).toBe(false);
  });

  it("rejects the full name and each part of it", () => {
    expect(containsPersonalData("I am Jane Doe!", jane)).toBe(true);
    expect(containsPersonalData("sunnyjane42", jane)).toBe(true);
    expect(containsPersonalData("Sunnydoe42!", jane)).toBe(true);
  });

  it("splits names on punctuation as well as whitespace", () => {
    const person = { email: "x@example.com", familyName: "Smith-Jones" };
    expect(containsPersonalData("Jones4ever!", person)).toBe(true);
  });

  it("rejects the username and each part of it", () => {
    const person = { email: "x@example.com", username: "night_owl" };
    expect(containsPersonalData("the-night-owl-flies", person)).toBe(true);
    expect(containsPersonalData("owl-at-dusk-2026", person)).toBe(true);
    expect(containsPersonalData("lark-at-dawn-2026", person)).toBe(false);
  });

  it("ignores case", () => {
    expect(containsPersonalData("JANE-rocks", jane)).toBe(true);
    expect(containsPersonalData("KESTREL77", jane)).toBe(true);
  });

  it("ignores parts shorter than 3 characters", () => {
    const person = { email: "al@example.com", name: "Al Li", nickname: "jd" };
    expect(containsPersonalData("al-li-jd-sunset", person)).toBe(false);
  });

  it("matches a decomposed accent against a composed name", () => {
    expect(containsPersonalData("zoe\u0308-2024!", { email: "x@example.com", name: "Zoë" })).toBe(
      true,
    );
  });

  it("tolerates missing and null fields", () => {
    const person = { email: "x@example.com", name: null, givenName: null };
    expect(containsPersonalData("anything at all", person)).toBe(false);
  });
});

describe("the personal_data rule", () => {
  it("fails when the policy forbids personal data and the password contains it", () => {
    const policy = createPolicy({ noPersonalInfo: true });
    expect(checkPassword("DoeRaeMe1", policy, { personal: jane }).failures).toEqual([
      "personal_data",
    ]);
  });

  it("is not checked when the policy allows personal data", () => {
    expect(checkPassword("DoeRaeMe1", createPolicy(), { personal: jane }).ok).toBe(true);
  });

  it("passes when no personal data is given", () => {
    expect(checkPassword("DoeRaeMe1", createPolicy({ noPersonalInfo: true })).ok).toBe(true);
  });
});
