import { describe, expect, it } from "vitest";
import type { StoredTemplate } from "../../../src/email/ports.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/template.ts";
import { buildAuditMessage } from "../../../src/slack/audit-channel/audit-message.ts";
import { SLACK_LIMITS } from "../../../src/slack/block-kit.ts";
import { ACTION_IDS, TEMPLATE_EDIT_BLOCKS } from "../../../src/slack/contract.ts";
import { buildTemplateCard } from "../../../src/slack/templates/card.ts";
import { buildTemplateEditModal } from "../../../src/slack/templates/edit-modal.ts";
import {
  decodeTemplateEditMetadata,
  readTemplateEditSubmission,
  templateEditErrors,
} from "../../../src/slack/templates/edit-submission.ts";
import { buildTemplateHistoryModal } from "../../../src/slack/templates/history-modal.ts";
import { buildTemplatePreviewModal } from "../../../src/slack/templates/preview-modal.ts";

const AT = new Date("2025-03-04T05:06:07Z");
const STORED: StoredTemplate = {
  ...DEFAULT_CHANGE_PASSWORD_TEMPLATE,
  version: 3,
  updatedBy: "U0ADMIN",
  updatedAt: AT,
};

const auditText = (action: string, details: Record<string, unknown>) =>
  buildAuditMessage({ at: AT, actorSlackUserId: "U0ADMIN", action, outcome: "success", details })
    .text;

describe("the audit message of a template change", () => {
  it("names the changed fields, in the modal's order, and never a value", () => {
    const text = auditText("template.updated", {
      version: 4,
      changedFields: ["body", "subject", "urlLifetimeSeconds"],
      body: "<p>secret body</p>",
    });

    expect(text).toBe(
      "<@U0ADMIN> changed the password email (fields: subject, body, URL lifetime) (success)",
    );
  });

  it("drops field names it does not know, so a forged list posts nothing", () => {
    const text = auditText("template.updated", {
      changedFields: ["<!channel>", "{{ url }}", "subject", 42],
    });

    expect(text).toBe("<@U0ADMIN> changed the password email (fields: subject) (success)");
  });

  it("says which version a revert went back to, and tells a test send", () => {
    expect(auditText("template.reverted", { revertedTo: 0, changedFields: ["from"] })).toBe(
      "<@U0ADMIN> reverted the password email to the built-in default (fields: from) (success)",
    );
    expect(auditText("template.reverted", { revertedTo: "2; <!here>" })).toBe(
      "<@U0ADMIN> reverted the password email (success)",
    );
    expect(auditText("template.test_sent", {})).toBe(
      "<@U0ADMIN> sent a test of the password email (success)",
    );
  });
});

describe("buildTemplateCard", () => {
  it("gives admins the four buttons and support staff none", () => {
    const actions = (editable: boolean) =>
      JSON.stringify(
        buildTemplateCard({ name: "change_password", template: STORED }, { editable }),
      ).match(/"action_id"/g)?.length ?? 0;

    expect(actions(true)).toBe(4);
    expect(actions(false)).toBe(0);
  });

  it("escapes the subject and shows the defaults in words", () => {
    const card = JSON.stringify(
      buildTemplateCard(
        { name: "change_password", template: { ...STORED, subject: "<!channel> reset" } },
        { editable: false },
      ),
    );

    expect(card).toContain("&lt;!channel&gt; reset");
    expect(card).toContain("EMAIL_FROM default");
    expect(card).toContain("5 days");
    expect(card).toContain("<@U0ADMIN>, <!date^");
  });
});

describe("buildTemplateEditModal", () => {
  it("stays within Slack's limits, with the version in private_metadata", () => {
    const modal = buildTemplateEditModal({
      name: "change_password",
      template: STORED,
      defaultFrom: "a@example.com",
    });

    expect(modal.title.text.length).toBeLessThanOrEqual(SLACK_LIMITS.viewTitleChars);
    expect(decodeTemplateEditMetadata(modal.private_metadata)).toEqual({
      template: "change_password",
      version: 3,
      bodyShown: true,
    });
  });

  it("leaves a body of exactly 3000 characters in the input, and takes out one more", () => {
    const body = (length: number) => `{{ url }}${"x".repeat(length - 9)}`;
    const blockType = (length: number) =>
      buildTemplateEditModal({
        name: "change_password",
        template: { ...STORED, body: body(length) },
        defaultFrom: "a@example.com",
      }).blocks.find((block) => block.block_id === TEMPLATE_EDIT_BLOCKS.body)?.type;

    expect(blockType(3000)).toBe("input");
    expect(blockType(3001)).toBe("section");
  });
});

describe("readTemplateEditSubmission and templateEditErrors", () => {
  it("reads empty From and Redirect To as none, and a non-number lifetime as NaN", () => {
    const values = {
      [TEMPLATE_EDIT_BLOCKS.from]: { value: { type: "plain_text_input", value: null } },
      [TEMPLATE_EDIT_BLOCKS.subject]: { value: { type: "plain_text_input", value: " Hi " } },
      [TEMPLATE_EDIT_BLOCKS.urlLifetime]: { value: { type: "number_input", value: "1.5" } },
    };

    const changes = readTemplateEditSubmission(values, {
      template: "change_password",
      version: 1,
      bodyShown: false,
    });

    expect(changes).toEqual({
      from: null,
      subject: "Hi",
      urlLifetimeSeconds: Number.NaN,
      resultUrl: null,
      includeEmailInRedirect: false,
      enabled: false,
    });
  });

  it("puts each problem under its block, and a hidden body's under the subject", () => {
    const problems = [
      { field: "body" as const, message: "must contain {{ url }}, the reset link" },
      { field: "resultUrl" as const, message: "must be https" },
    ];

    expect(templateEditErrors(problems, true)).toEqual({
      [TEMPLATE_EDIT_BLOCKS.body]: "Must contain {{ url }}, the reset link",
      [TEMPLATE_EDIT_BLOCKS.redirect]: "Must be https",
    });
    expect(templateEditErrors(problems, false)[TEMPLATE_EDIT_BLOCKS.subject]).toBe(
      "The body must contain {{ url }}, the reset link",
    );
  });

  it("cuts a long Liquid error to a line or two", () => {
    const errors = templateEditErrors([{ field: "subject", message: "x".repeat(500) }], true);

    expect(errors[TEMPLATE_EDIT_BLOCKS.subject]?.length).toBeLessThanOrEqual(150);
  });
});

describe("buildTemplateHistoryModal", () => {
  it("offers Revert on older versions and the default, not on the current one", () => {
    const modal = buildTemplateHistoryModal({
      name: "change_password",
      currentVersion: 2,
      versions: [
        { version: 2, changedFields: ["subject"], editedBy: "cli:alice", createdAt: AT },
        { version: 1, changedFields: ["body"], editedBy: "U0ADMIN", createdAt: AT },
      ],
    });

    const buttons = JSON.stringify(modal.blocks).match(/"value":"\d+"/g);
    expect(buttons).toEqual(['"value":"1"', '"value":"0"']);
    expect(JSON.stringify(modal.blocks)).toContain(ACTION_IDS.revertTemplate);
    expect(JSON.stringify(modal.blocks)).toContain("cli:alice");
  });
});

describe("buildTemplatePreviewModal", () => {
  it("splits a long text over sections of at most 3000 characters", () => {
    const text = Array.from({ length: 400 }, (_, line) => `line ${line} ${"y".repeat(40)}`).join(
      "\n",
    );
    const modal = buildTemplatePreviewModal("change_password", {
      ok: true,
      email: { from: "a@example.com", subject: "S", html: "", text },
      recipient: { name: "Ada", email: "ada@example.com" },
    });

    const sections = modal.blocks
      .map((block) => (block as { text?: { type: string; text: string } }).text)
      .filter((part) => part?.type === "plain_text")
      .map((part) => part?.text ?? "");
    expect(sections.length).toBeGreaterThan(1);
    expect(Math.max(...sections.map((section) => section.length))).toBeLessThanOrEqual(3000);
    expect(sections.join("\n")).toBe(text);
  });
});
