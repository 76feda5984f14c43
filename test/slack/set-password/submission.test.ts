import { describe, expect, it } from "vitest";
import {
  checkPassword,
  type PasswordPolicy,
  type RuleResult,
} from "../../../src/passwords/policy.ts";
import { ACTION_IDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import {
  MAX_ERROR_MESSAGE_CHARS,
  readSetPasswordSubmission,
  setPasswordErrors,
} from "../../../src/slack/set-password/submission.ts";

const POLICY: PasswordPolicy = {
  level: "excellent",
  minLength: 12,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};

describe("readSetPasswordSubmission", () => {
  const values = (mode: string, notify: boolean) => ({
    [SET_PASSWORD_BLOCKS.mode]: {
      [ACTION_IDS.setPasswordMode]: { type: "radio_buttons", selected_option: { value: mode } },
    },
    [SET_PASSWORD_BLOCKS.password]: {
      value: { type: "plain_text_input", value: "s3cret-Passw0rd" },
    },
    [SET_PASSWORD_BLOCKS.confirmation]: { value: { type: "plain_text_input", value: "other" } },
    [SET_PASSWORD_BLOCKS.notify]: {
      value: { type: "checkboxes", selected_options: notify ? [{ value: "notify" }] : [] },
    },
  });

  it("reads a typed password, its confirmation and the notify choice", () => {
    expect(readSetPasswordSubmission(values("type", true))).toEqual({
      mode: "type",
      password: "s3cret-Passw0rd",
      confirmation: "other",
      notify: true,
    });
  });

  it("ignores password inputs in generate mode", () => {
    expect(readSetPasswordSubmission(values("generate", false))).toEqual({
      mode: "generate",
      notify: false,
    });
  });

  it("in send mode reads neither a password nor a notice: the reveal tells the user itself", () => {
    expect(readSetPasswordSubmission(values("send", true))).toEqual({
      mode: "send",
      notify: false,
    });
  });

  it("reads missing blocks and Slack's null for empty inputs as absent", () => {
    expect(readSetPasswordSubmission({})).toEqual({ mode: "type", notify: false });
    expect(
      readSetPasswordSubmission({
        [SET_PASSWORD_BLOCKS.password]: { value: { type: "plain_text_input", value: null } },
      }),
    ).toEqual({ mode: "type", notify: false });
  });

  it("does not crash on a forged payload and never generates on an unknown mode", () => {
    const forged: unknown[] = [
      null,
      undefined,
      "values",
      42,
      [],
      { mode: null, password: [], notify: "yes" },
      { mode: { [ACTION_IDS.setPasswordMode]: { selected_option: { value: "GENERATE" } } } },
      {
        password: { value: { value: { toString: "x" } } },
        notify: { value: { selected_options: [null, 3, "notify"] } },
      },
      JSON.parse('{"__proto__":{"value":{"value":"polluted"}}}'),
    ];
    for (const payload of forged) {
      expect(readSetPasswordSubmission(payload)).toEqual({ mode: "type", notify: false });
    }
  });
});

describe("setPasswordErrors", () => {
  const failuresOf = (password: string, reused = false): RuleResult[] =>
    checkPassword(password, POLICY, {
      personal: { email: "jane@example.com", name: "Jane Doe" },
      reused,
    }).rules.filter((rule) => !rule.ok);

  it("puts every policy failure in one message on the password block", () => {
    const errors = setPasswordErrors(failuresOf("password"), false);
    expect(Object.keys(errors)).toEqual([SET_PASSWORD_BLOCKS.password]);
    expect(errors[SET_PASSWORD_BLOCKS.password]).toMatch(/^Too short \(at least 12 characters\)/);
    expect(errors[SET_PASSWORD_BLOCKS.password]).toMatch(
      /; needs 5 characters besides patterns and one common word\.$/,
    );
  });

  it("names personal data and reuse", () => {
    const message = setPasswordErrors(failuresOf("Jane-Doe-2024!x", true), false)[
      SET_PASSWORD_BLOCKS.password
    ];
    expect(message).toMatch(/contains the user's name or email/i);
    expect(message).toContain("reused");
  });

  it("puts a mismatch on the confirmation block", () => {
    expect(setPasswordErrors([], true)).toEqual({
      [SET_PASSWORD_BLOCKS.confirmation]: "Does not match the new password.",
    });
  });

  it("is empty for no failures and ignores passing rules", () => {
    expect(
      setPasswordErrors(
        checkPassword("x", POLICY).rules.filter((r) => r.ok),
        false,
      ),
    ).toEqual({});
  });

  it("says reuse was not checked when history has no verdict, within the length Slack shows", () => {
    const unchecked = {
      rule: "history" as const,
      message: "Not one of your last 5",
      ok: undefined,
    };
    const short = setPasswordErrors([...failuresOf("password"), unchecked], false);
    expect(short[SET_PASSWORD_BLOCKS.password]).toMatch(
      /^Too short .*\. Reuse is not checked yet\.$/,
    );
    const many: RuleResult[] = checkPassword(
      "aaa",
      { ...POLICY, minLength: 128 },
      {
        personal: { email: "aaa@example.com" },
      },
    ).rules.map((rule) => ({ ...rule, ok: false }));
    const cut = setPasswordErrors([...many, unchecked], false)[SET_PASSWORD_BLOCKS.password] ?? "";
    expect(cut.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(cut).toMatch(/see the list below\. Reuse is not checked yet\.$/);
    expect(setPasswordErrors([unchecked], true)).toEqual({
      [SET_PASSWORD_BLOCKS.confirmation]:
        "Does not match the new password. Reuse of a recent password is checked once they match.",
    });
  });

  it("keeps each message within the length Slack shows, cutting whole phrases", () => {
    const everything: RuleResult[] = checkPassword(
      "aaa",
      { ...POLICY, minLength: 128 },
      {
        personal: { email: "aaa@example.com" },
        reused: true,
      },
    ).rules.map((rule) => ({ ...rule, ok: false }));
    const message = setPasswordErrors(everything, true)[SET_PASSWORD_BLOCKS.password] ?? "";
    expect(message.length).toBeLessThanOrEqual(MAX_ERROR_MESSAGE_CHARS);
    expect(message).toMatch(/^Too short/);
    expect(message).toMatch(/; and more: see the list below\.$/);
  });
});
