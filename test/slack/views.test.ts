import { describe, expect, it } from "vitest";
import { checkPassword, type PasswordPolicy, type RuleResult } from "../../src/passwords/policy.ts";
import {
  ACTION_IDS,
  CALLBACK_IDS,
  COMMANDS,
  MANAGE_ROLES_BLOCKS,
  SET_PASSWORD_BLOCKS,
} from "../../src/slack/contract.ts";
import { buildAppHome } from "../../src/slack/views/app-home.ts";
import { buildAuditMessage } from "../../src/slack/views/audit-message.ts";
import { SLACK_LIMITS } from "../../src/slack/views/block-kit.ts";
import {
  buildManageRolesModal,
  readManageRolesSubmission,
} from "../../src/slack/views/manage-roles-modal.ts";
import {
  describeResetOutcome,
  type ResetOutcome,
  usageMessage,
} from "../../src/slack/views/messages.ts";
import {
  buildSetPasswordDone,
  buildSetPasswordModal,
  readSetPasswordSubmission,
  setPasswordErrors,
} from "../../src/slack/views/set-password-modal.ts";
import { MAX_ERROR_MESSAGE_CHARS } from "../../src/slack/views/set-password-submission.ts";

const POLICY: PasswordPolicy = {
  level: "excellent",
  minLength: 12,
  historySize: 5,
  dictionary: true,
  noPersonalInfo: true,
};
const TARGET = { email: "jane@example.com", name: "Jane Doe", connection: "Username-Password" };

type Json = Record<string, unknown>;

/** Every block of a view or message as plain JSON, for structural assertions. */
function blocksOf(view: { blocks: unknown[] }): Json[] {
  return view.blocks as Json[];
}

function blockById(view: { blocks: unknown[] }, blockId: string): Json {
  const block = blocksOf(view).find((candidate) => candidate.block_id === blockId);
  if (!block) throw new Error(`no block ${blockId}`);
  return block;
}

/** Every `text` string anywhere in a value: block texts, fields, labels, options… */
function textsOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(textsOf);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === "text" && typeof inner === "string" ? [inner] : textsOf(inner),
  );
}

function expectWithinSlackLimits(view: { blocks: unknown[]; title?: { text: string } }): void {
  expect(view.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.viewBlocks);
  if (view.title) expect(view.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.viewTitleChars);
  for (const text of textsOf(view.blocks)) {
    expect(text.length).toBeLessThanOrEqual(SLACK_LIMITS.blockTextChars);
  }
  for (const [key, value] of Object.entries(view)) {
    if (["title", "submit", "close"].includes(key)) {
      expect((value as { text: string }).text.length).toBeLessThanOrEqual(24);
    }
  }
}

function modal(mode: "type" | "generate") {
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

  it("offers both modes in a dispatching radio input, with the current mode selected", () => {
    for (const mode of ["type", "generate"] as const) {
      const block = blockById(modal(mode), SET_PASSWORD_BLOCKS.mode);
      expect(block.type).toBe("input");
      expect(block.dispatch_action).toBe(true);
      const element = block.element as Json;
      expect(element.type).toBe("radio_buttons");
      expect(element.action_id).toBe(ACTION_IDS.setPasswordMode);
      expect((element.options as Json[]).map((option) => option.value)).toEqual([
        "type",
        "generate",
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

describe("buildManageRolesModal", () => {
  const view = buildManageRolesModal({
    admins: ["U0ADMIN", "U0BOOT"],
    support: ["U0SUP1", "U0SUP2"],
    bootstrapAdmins: ["U0BOOT"],
  });

  it("has a user picker per role, prefilled, optional, with bootstrap admins listed apart", () => {
    expect(view.callback_id).toBe(CALLBACK_IDS.manageRolesModal);
    expect(view.submit).toBeDefined();
    expectWithinSlackLimits(view);
    const admins = blockById(view, MANAGE_ROLES_BLOCKS.admins);
    const support = blockById(view, MANAGE_ROLES_BLOCKS.support);
    for (const block of [admins, support]) {
      expect(block.optional).toBe(true);
      expect(block.element).toMatchObject({ type: "multi_users_select", action_id: "value" });
    }
    expect((admins.element as Json).initial_users).toEqual(["U0ADMIN"]);
    expect((support.element as Json).initial_users).toEqual(["U0SUP1", "U0SUP2"]);
    expect(textsOf(view.blocks).join("\n")).toMatch(/SLACK_ADMIN_USERS[\s\S]*<@U0BOOT>/);
  });

  it("omits initial_users for an empty role", () => {
    const empty = buildManageRolesModal({ admins: [], support: [], bootstrapAdmins: [] });
    expect(
      (blockById(empty, MANAGE_ROLES_BLOCKS.support).element as Json).initial_users,
    ).toBeUndefined();
  });

  it("reads the chosen users and drops forged or malformed ones", () => {
    expect(
      readManageRolesSubmission({
        [MANAGE_ROLES_BLOCKS.admins]: {
          value: { type: "multi_users_select", selected_users: ["U0A", "U0A", "<!channel>", 7] },
        },
        [MANAGE_ROLES_BLOCKS.support]: { value: { selected_users: "U0B" } },
      }),
    ).toEqual({ admins: ["U0A"], support: [] });
    for (const forged of [null, "x", [], { admins: null }, { support: { value: null } }]) {
      expect(readManageRolesSubmission(forged)).toEqual({ admins: [], support: [] });
    }
  });
});

describe("buildAppHome", () => {
  const home = (roles: { admin: boolean; support: boolean }) =>
    buildAppHome({ userId: "U0ME", roles, defaultConnection: "Username-Password" });
  const buttons = (view: { blocks: unknown[] }) =>
    blocksOf(view).flatMap((block) => {
      const accessory = block.accessory as Json | undefined;
      return accessory?.type === "button" ? [accessory.action_id] : [];
    });

  it("shows support staff /reset-password, escaped so Slack does not read it as a link", () => {
    const view = home({ admin: false, support: true });
    expect(view.type).toBe("home");
    expect(blocksOf(view)[0]).toMatchObject({ type: "header", text: { text: "Passdesk" } });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain(`${COMMANDS.resetPassword} &lt;email | @user&gt; [connection]`);
    expect(texts).toContain("Username-Password");
    expect(texts).not.toContain(COMMANDS.setPassword);
    expect(buttons(view)).toEqual([]);
    expectWithinSlackLimits(view);
  });

  it("shows admins both commands and the Manage roles button", () => {
    const view = home({ admin: true, support: false });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain(COMMANDS.resetPassword);
    expect(texts).toContain(COMMANDS.setPassword);
    expect(buttons(view)).toEqual([ACTION_IDS.openManageRoles]);
  });

  it("tells a user without a role that they have none and whom to ask", () => {
    const view = buildAppHome({
      userId: "U0ME",
      roles: { admin: false, support: false },
      defaultConnection: "Username-Password",
      adminUserIds: ["U0BOOT"],
    });
    const texts = textsOf(view.blocks).join("\n");
    expect(texts).toContain("You have no Passdesk role");
    expect(texts).toContain("<@U0BOOT>");
    expect(texts).not.toContain(COMMANDS.resetPassword);
    expect(buttons(view)).toEqual([]);
  });
});

describe("messages", () => {
  const target = { email: "jane@example.com", connection: "Username-Password" };

  it("usage help shows each command's syntax, escaped", () => {
    expect(usageMessage(COMMANDS.resetPassword, "Username-Password")).toContain(
      "`/reset-password &lt;email | @user&gt; [connection]`",
    );
    expect(usageMessage(COMMANDS.setPassword)).toContain("admins only");
  });

  it("describes every outcome on one line, with the full email for staff", () => {
    const outcomes: ResetOutcome[] = [
      { reason: "queued" },
      { reason: "unknown_user" },
      { reason: "not_database_connection" },
      { reason: "blocked" },
      { reason: "template_disabled" },
      { reason: "rate_limited", retryAfterSeconds: 42 },
      { reason: "invalid_email" },
      { reason: "connection_not_found" },
      { reason: "user_not_found_in_slack", slackUserId: "U0JANE" },
      { reason: "denied" },
    ];
    const texts = outcomes.map((outcome) => describeResetOutcome(outcome, target));
    for (const text of texts) expect(text).not.toContain("\n");
    expect(new Set(texts).size).toBe(outcomes.length);
    expect(texts[0]).toContain("queued for *jane@example.com*");
    expect(texts[2]).toMatch(/social or enterprise/);
    expect(texts[5]).toContain("42 seconds");
    expect(texts[8]).toContain("<@U0JANE>");
    expect(texts[9]).toMatch(/\*support\* or \*admin\* role/);
  });

  it("escapes what the requester typed", () => {
    const text = describeResetOutcome(
      { reason: "invalid_email" },
      { email: "<!channel>", connection: "x" },
    );
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).not.toContain("<!channel>");
  });
});

describe("buildAuditMessage", () => {
  const at = new Date("2030-01-02T03:04:05.678Z");

  it("says who did what to whom, masked, with connection, time and request id", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "password.set",
      outcome: "ok",
      targetEmail: "jane@example.com",
      connection: "Username-Password",
      requestId: "req-123",
    });
    const all = [message.text, ...textsOf(message.blocks)].join("\n");
    expect(message.text).toContain("<@U0ADMIN> set a password for j•••@example.com");
    expect(all).not.toContain("jane@");
    expect(all).toContain("Username-Password");
    expect(all).toContain("req-123");
    expect(all).toContain("<!date^1893553445^{date_short_pretty} {time}|2030-01-02T03:04:05.678Z>");
  });

  it("names non-Slack actors by label and phrases known actions", () => {
    const phrase = (action: string, actorLabel = "public API") =>
      buildAuditMessage({ at, actorLabel, action, outcome: "ok" }).text;
    expect(phrase("password_reset.requested")).toContain("public API requested a password reset");
    expect(phrase("password_reset.completed", "CLI")).toContain("CLI completed a password reset");
    expect(phrase("access.denied")).toContain("was denied");
    expect(phrase("template.updated")).toContain("public API changed the password email");
    expect(phrase("widget.frobbed")).toContain("`widget.frobbed`");
  });

  it("describes role changes from the allowed details", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "role.granted",
      outcome: "ok",
      details: { role: "support", slackUserId: "U0NEW" },
    });
    expect(message.text).toContain("<@U0ADMIN> granted the *support* role to <@U0NEW>");
  });

  it("never posts a detail that is not allow-listed, nor a link or email in an allowed one", () => {
    const message = buildAuditMessage({
      at,
      actorSlackUserId: "U0ADMIN",
      action: "password_reset.requested",
      outcome: "queued",
      targetEmail: "jane@example.com",
      details: {
        password: "hunter2-secret",
        token: "tok_abcdef",
        url: "https://passdesk.example/reset?ticket=abc",
        apiKey: "SG.key",
        reason: "https://evil.example/x",
        role: "jane@example.com",
        count: 3,
        teamId: "T0TEAM",
      },
    });
    const all = JSON.stringify(message);
    for (const secret of ["hunter2", "tok_abcdef", "https://", "ticket=abc", "SG.key", "jane@"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("T0TEAM");
    expect(all).toContain("*Count*\\n3");
  });

  it("escapes a label and an action so they cannot ping the channel", () => {
    const message = buildAuditMessage({
      at,
      actorLabel: "<!channel>",
      action: "<!here>",
      outcome: "<b>",
    });
    expect(JSON.stringify(message)).not.toMatch(/<!channel>|<!here>|<b>/);
  });
});
