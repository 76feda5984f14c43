import { describe, expect, it } from "vitest";
import { PASSWORD_CHANGED_TEMPLATE } from "../../../src/email/ports.ts";
import { ACTION_IDS, CALLBACK_IDS, TEMPLATE_EDIT_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import type { FakeSendGrid } from "../../support/fake-sendgrid.ts";
import { SLACK, type SlackPassdesk, STAFF } from "../../support/slack-passdesk.ts";
import {
  ADMIN_EMAIL,
  ADMIN_NAME,
  openHome,
  PUBLIC_URL,
  type TemplatesPassdesk,
  useTemplatesPassdesk,
} from "../../support/slack-templates.ts";
import { type OpenedView, viewOf } from "../../support/slack-views.ts";

const SECURE_SAMPLE = `${PUBLIC_URL}/lo/secure?ticket=test-link-secures-nothing`;

describe.each(backends)("the password-changed email in Slack on %s", (backend) => {
  let slack: SlackPassdesk;
  let sendgrid: FakeSendGrid;
  let driver: TemplatesPassdesk["driver"];
  useTemplatesPassdesk(backend, (started) => {
    ({ slack, sendgrid, driver } = started);
  });

  const click = (actionId: string) =>
    driver.clickCard(actionId, STAFF.admin, PASSWORD_CHANGED_TEMPLATE);

  async function opened(triggerId: string): Promise<OpenedView> {
    return viewOf(await driver.waitForOpened(triggerId));
  }

  it("has its own App Home card, whose buttons name it, beside the reset email's", async () => {
    const home = JSON.parse(await openHome(slack, STAFF.admin)) as Array<{
      block_id?: string;
      elements?: Array<{ action_id?: string; value?: string }>;
    }>;
    const cards = home.filter((block) => block.block_id?.endsWith("_email_actions"));
    expect(cards.map((block) => block.block_id)).toEqual([
      "change_password_email_actions",
      "password_changed_email_actions",
    ]);
    expect(cards[1]?.elements?.map((button) => [button.action_id, button.value])).toEqual([
      [ACTION_IDS.openTemplateEdit, PASSWORD_CHANGED_TEMPLATE],
      [ACTION_IDS.openTemplatePreview, PASSWORD_CHANGED_TEMPLATE],
      [ACTION_IDS.sendTemplateTest, PASSWORD_CHANGED_TEMPLATE],
      [ACTION_IDS.openTemplateHistory, PASSWORD_CHANGED_TEMPLATE],
    ]);
    const text = JSON.stringify(home);
    expect(text).toContain("*Password Changed email*");
    expect(text.match(/URL lifetime/g)).toHaveLength(1);
  });

  it("Edit opens its own form, without the reset link's fields, and saves its own versions", async () => {
    const view = await opened(await click(ACTION_IDS.openTemplateEdit));
    expect(view.callback_id).toBe(CALLBACK_IDS.templateEditModal);
    expect(view.blocks.map((block) => block.block_id).filter(Boolean)).toEqual([
      TEMPLATE_EDIT_BLOCKS.from,
      TEMPLATE_EDIT_BLOCKS.subject,
      TEMPLATE_EDIT_BLOCKS.body,
      TEMPLATE_EDIT_BLOCKS.enabled,
    ]);
    expect(JSON.parse(view.private_metadata)).toEqual({
      template: PASSWORD_CHANGED_TEMPLATE,
      version: 0,
      bodyShown: true,
    });
    expect(JSON.stringify(view.blocks)).toContain("{{ secure_url }}");

    const submitted = await driver.submitEdit(view, {
      [TEMPLATE_EDIT_BLOCKS.subject]: "{{ user.name }}, your password was changed",
    });
    expect(JSON.stringify(submitted.body)).toContain(
      "Saved as version 1 (changed: subject). It is used for the next password-changed notice.",
    );
    const [notice, reset] = await slack.inspect(async (repo) => [
      await repo.templates.get(PASSWORD_CHANGED_TEMPLATE),
      await repo.templates.get("change_password"),
    ]);
    expect(notice).toMatchObject({
      version: 1,
      subject: "{{ user.name }}, your password was changed",
    });
    expect(reset).toMatchObject({ version: 0 });
    await slack.waitForAuditMessage(
      `<@${STAFF.admin}> changed the password-changed email (fields: subject) (success)`,
    );
  });

  it("Preview renders it for the admin: changed by you, now, with a link that secures nothing", async () => {
    const preview = await opened(await click(ACTION_IDS.openTemplatePreview));
    expect(preview.callback_id).toBe(CALLBACK_IDS.templatePreviewModal);
    const shown = JSON.stringify(preview.blocks);
    expect(shown).toContain(`*Subject*\\n${ADMIN_NAME}, your password was changed`);
    expect(shown).toContain("Its link secures nothing.");
    expect(shown).toContain(SECURE_SAMPLE);
    const text = preview.blocks
      .map((block) => block.text as { type: string; text: string } | undefined)
      .filter((part) => part?.type === "plain_text")
      .map((part) => part?.text)
      .join("\n");
    expect(text).toMatch(/was\s+changed\s+by\s+you\s+on\s+\d{1,2}\s+[A-Z][a-z]+\s+\d{4},/);
    expect(shown).not.toContain("/lo/reset");
  });

  it("Send test mails it to the admin only, [Test] in the subject, and audits which email", async () => {
    const before = sendgrid.sentEmails().length;
    const triggerId = await click(ACTION_IDS.sendTemplateTest);

    const [email] = (await sendgrid.waitForEmails(before + 1)).slice(before);
    expect(email?.to).toEqual([ADMIN_EMAIL]);
    expect(email?.subject).toBe(`[Test] ${ADMIN_NAME}, your password was changed`);
    expect(email?.text).toContain(SECURE_SAMPLE);
    const view = await opened(triggerId);
    const done = await slack.fake.waitForCall(
      "views.update",
      (call) => call.args.view_id === view.id,
    );
    expect(JSON.stringify(viewOf(done).blocks)).toContain(
      "Its link looks real but secures nothing.",
    );
    await slack.waitForAuditMessage(
      `<@${STAFF.admin}> sent a test of the password-changed email for a•••@example.com (success)`,
    );
    expect(sendgrid.sentEmails()).toHaveLength(before + 1);
  });

  it("History lists its versions only, and Revert restores its built-in default", async () => {
    const history = await opened(await click(ACTION_IDS.openTemplateHistory));
    expect(history.callback_id).toBe(CALLBACK_IDS.templateHistoryModal);
    expect(JSON.parse(history.private_metadata)).toEqual({
      template: PASSWORD_CHANGED_TEMPLATE,
      version: 1,
    });
    const shown = JSON.stringify(history.blocks);
    expect(shown).toContain("*Password Changed email*");
    expect(shown).toContain("*Version 1* (current)");

    await slack.action({
      userId: STAFF.admin,
      teamId: SLACK.teamId,
      actionId: ACTION_IDS.revertTemplate,
      blockId: "version",
      value: "0",
      view: {
        viewId: history.id,
        hash: history.hash,
        callbackId: history.callback_id,
        privateMetadata: history.private_metadata,
      },
    });
    const updated = await slack.fake.waitForCall(
      "views.update",
      (call) => call.args.view_id === history.id,
    );
    expect(JSON.stringify(viewOf(updated).blocks)).toContain(
      "Reverted to the built-in default: saved as version 2 (changed: subject).",
    );
    const [notice, reset] = await slack.inspect(async (repo) => [
      await repo.templates.get(PASSWORD_CHANGED_TEMPLATE),
      await repo.templates.get("change_password"),
    ]);
    expect(notice).toMatchObject({
      version: 2,
      subject: "Your {{ friendly_name }} password was changed",
    });
    expect(reset).toMatchObject({ version: 0 });
  });
});
