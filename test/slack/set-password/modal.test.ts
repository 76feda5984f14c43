import { describe, expect, it } from "vitest";
import type { PasswordPolicy } from "../../../src/passwords/policy.ts";
import { SLACK_LIMITS } from "../../../src/slack/block-kit.ts";
import { ACTION_IDS, CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { buildSetPasswordDone } from "../../../src/slack/set-password/done-modal.ts";
import { buildSetPasswordModal } from "../../../src/slack/set-password/modal.ts";
import type { SetPasswordMode } from "../../../src/slack/set-password/submission.ts";
import {
  blockById,
  blocksOf,
  expectWithinSlackLimits,
  type Json,
  textsOf,
} from "../../support/slack-blocks.ts";

const POLICY: PasswordPolicy = {
  level: "excellent",
  minLength: 12,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};
const TARGET = { email: "jane@example.com", name: "Jane Doe", connection: "Username-Password" };

function modal(mode: SetPasswordMode) {
  return buildSetPasswordModal({
    target: TARGET,
    policy: POLICY,
    mode,
    privateMetadata: '{"userId":"u1"}',
  });
}

describe("buildSetPasswordModal", () => {
  it("is the set-password modal, with its target ids in private_metadata", () => {
    const view = modal("type");
    expect(view.callback_id).toBe(CALLBACK_IDS.setPasswordModal);
    expect(view.title.text).toBe("Set password");
    expect(view.submit?.text).toBe("Set password");
    expect(view.close?.text).toBe("Cancel");
    expect(view.private_metadata).toBe('{"userId":"u1"}');
    expectWithinSlackLimits(view);
  });

  it("shows the target's email, name and connection, and a dash for a missing name", () => {
    expect(textsOf(blocksOf(modal("type"))[0]).join("\n")).toMatch(
      /jane@example\.com[\s\S]*Jane Doe[\s\S]*Username-Password/,
    );
    const nameless = buildSetPasswordModal({
      target: { ...TARGET, name: null },
      policy: POLICY,
      mode: "type",
      privateMetadata: "",
    });
    expect(textsOf(blocksOf(nameless)[0]).join("\n")).toContain("—");
  });

  it("offers the three modes in a dispatching radio input, with the current mode selected", () => {
    for (const mode of ["type", "generate", "send"] as const) {
      const block = blockById(modal(mode), SET_PASSWORD_BLOCKS.mode);
      expect(block.type).toBe("input");
      expect(block.dispatch_action).toBe(true);
      const element = block.element as Json;
      expect(element.type).toBe("radio_buttons");
      expect(element.action_id).toBe(ACTION_IDS.setPasswordMode);
      expect((element.options as Json[]).map((option) => option.value)).toEqual([
        "type",
        "generate",
        "send",
      ]);
      expect((element.initial_option as Json).value).toBe(mode);
    }
  });

  it("in type mode asks for the password twice, warns the input is visible and lists the policy", () => {
    const view = modal("type");
    for (const [blockId, label] of [
      [SET_PASSWORD_BLOCKS.password, "New password"],
      [SET_PASSWORD_BLOCKS.confirmation, "Confirm new password"],
    ] as const) {
      const block = blockById(view, blockId);
      expect((block.label as Json).text).toBe(label);
      expect(block.element).toMatchObject({
        type: "plain_text_input",
        action_id: "value",
        max_length: 256,
      });
    }
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain(
      "Slack has no hidden input: what you type is visible on your screen and to anyone looking at it.",
    );
    expect(texts).toContain("At least 12 characters");
    expect(texts).toContain("Not one of your last 5 passwords");
  });

  it("in generate mode has no password inputs and says the password is shown once", () => {
    const view = modal("generate");
    const blockIds = blocksOf(view).map((block) => block.block_id);
    expect(blockIds).not.toContain(SET_PASSWORD_BLOCKS.password);
    expect(blockIds).not.toContain(SET_PASSWORD_BLOCKS.confirmation);
    expect(textsOf(view.blocks).join("\n")).toMatch(/generated and shown to you once/);
  });

  it("has an optional, unchecked notify checkbox in both modes", () => {
    for (const mode of ["type", "generate"] as const) {
      const block = blockById(modal(mode), SET_PASSWORD_BLOCKS.notify);
      expect(block.optional).toBe(true);
      expect(block.hint).toBeDefined();
      const element = block.element as Json;
      expect(element).toMatchObject({ type: "checkboxes", action_id: "value" });
      expect(element.initial_options).toBeUndefined();
      expect((element.options as Json[]).map((option) => option.value)).toEqual(["notify"]);
    }
  });

  it("escapes mrkdwn in the target so a name cannot mention the channel", () => {
    const view = buildSetPasswordModal({
      target: { ...TARGET, name: "<!channel> & co" },
      policy: POLICY,
      mode: "type",
      privateMetadata: "",
    });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain("&lt;!channel&gt; &amp; co");
    expect(texts).not.toContain("<!channel>");
  });

  it("refuses private_metadata over Slack's 3000 characters", () => {
    expect(() =>
      buildSetPasswordModal({
        target: TARGET,
        policy: POLICY,
        mode: "type",
        privateMetadata: "x".repeat(SLACK_LIMITS.privateMetadataChars + 1),
      }),
    ).toThrow(RangeError);
  });
});

describe("buildSetPasswordDone", () => {
  it("confirms the change and revocation, with a close button and no submit", () => {
    const view = buildSetPasswordDone({
      email: "jane@example.com",
      connection: "Username-Password",
      notified: false,
    });
    expect(view.title.text).toBe("Password set");
    expect(view.close?.text).toBe("Done");
    expect(view.submit).toBeUndefined();
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toMatch(/jane@example\.com[\s\S]*Username-Password[\s\S]*revoked/);
    expect(texts).toMatch(/not\* notified/);
    expect(texts).not.toContain("```");
    expectWithinSlackLimits(view);
  });

  it("shows a generated password once, code-formatted and mrkdwn-escaped", () => {
    const view = buildSetPasswordDone({
      email: "jane@example.com",
      connection: "Username-Password",
      generatedPassword: "a&b<c>d!#$%",
      notified: true,
    });
    const texts = textsOf(view.blocks);
    const withPassword = texts.filter((text) => text.includes("a&amp;b&lt;c&gt;d!#$%"));
    expect(withPassword).toHaveLength(1);
    expect(withPassword[0]).toContain("```a&amp;b&lt;c&gt;d!#$%```");
    expect(texts.join("\n")).not.toContain("a&b<c>d");
    expect(texts.join("\n")).toContain(
      "Copy it now: it is shown only here and never stored or logged.",
    );
    expect(texts.join("\n")).toMatch(/will be notified/);
  });
});
