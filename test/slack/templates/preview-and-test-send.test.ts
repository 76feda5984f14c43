import { beforeAll, describe, expect, it } from "vitest";
import { tickets as ticketsTable } from "../../../src/db/schema.ts";
import { ACTION_IDS, CALLBACK_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import type { FakeSendGrid } from "../../support/fake-sendgrid.ts";
import { type SlackPassdesk, STAFF } from "../../support/slack-passdesk.ts";
import {
  ADMIN_EMAIL,
  ADMIN_NAME,
  OTHER_ADMIN,
  PUBLIC_URL,
  type TemplatesPassdesk,
  useTemplatesPassdesk,
} from "../../support/slack-templates.ts";
import { viewOf } from "../../support/slack-views.ts";

describe.each(backends)(
  "previewing and test-sending the password email from Slack on %s",
  (backend) => {
    let slack: SlackPassdesk;
    let sendgrid: FakeSendGrid;
    let driver: TemplatesPassdesk["driver"];
    useTemplatesPassdesk(backend, (started) => {
      ({ slack, sendgrid, driver } = started);
    });

    describe("preview and test send", () => {
      const SUBJECT = "Reset for {{ user.name }} at {{ friendly_name }}";
      const BODY = `<p>Hi {{ user.name }} ({{ user.email }}), <a href="{{ url }}">reset here</a>.</p>`;
      const TEST_LINK = `${PUBLIC_URL}/lo/reset?ticket=test-link-does-not-reset`;

      beforeAll(async () => {
        await driver.save({ subject: SUBJECT, body: BODY });
      });

      it("Preview opens the rendered subject and plain text, addressed to the admin", async () => {
        const triggerId = await driver.clickCard(ACTION_IDS.openTemplatePreview);

        const preview = viewOf(await driver.waitForOpened(triggerId));
        expect(preview.callback_id).toBe(CALLBACK_IDS.templatePreviewModal);
        const shown = JSON.stringify(preview.blocks);
        expect(shown).toContain(`*Subject*\\nReset for ${ADMIN_NAME} at Passdesk`);
        const text = preview.blocks
          .map((block) => block.text as { type: string; text: string } | undefined)
          .filter((text) => text?.type === "plain_text")
          .map((text) => text?.text)
          .join("\n");
        expect(text.replace(/\s+/g, " ")).toBe(
          `Hi ${ADMIN_NAME} (${ADMIN_EMAIL}), reset here [${TEST_LINK}].`,
        );
        expect(slack.fake.calls("users.info")[0]?.args).toMatchObject({ user: STAFF.admin });
      });

      it("Send test mails the admin's Slack address once, [Test] in the subject, with a dead link", async () => {
        const before = sendgrid.sentEmails().length;

        const triggerId = await driver.clickCard(ACTION_IDS.sendTemplateTest);

        const [email] = (await sendgrid.waitForEmails(before + 1)).slice(before);
        expect(email?.to).toEqual([ADMIN_EMAIL]);
        expect(email?.subject).toBe(`[Test] Reset for ${ADMIN_NAME} at Passdesk`);
        expect(email?.text).toContain(TEST_LINK);
        const opened = viewOf(await driver.waitForOpened(triggerId));
        const done = await slack.fake.waitForCall(
          "views.update",
          (call) => call.args.view_id === opened.id,
        );
        expect(JSON.stringify(viewOf(done).blocks)).toContain(`Sent to *${ADMIN_EMAIL}*`);
        await slack.waitForAuditMessage(
          `<@${STAFF.admin}> sent a test of the password email for a•••@example.com (success)`,
        );
        const page = await fetch(TEST_LINK.replace(PUBLIC_URL, slack.url));
        expect(page.status).toBe(404);
        expect(await page.text()).toContain("This link is invalid.");
        expect(sendgrid.sentEmails()).toHaveLength(before + 1);
        const tickets = await slack.inspect((_repo, db) => db.select().from(ticketsTable));
        expect(tickets).toEqual([]);
      });

      it("Send test says why when SendGrid refuses the email, and audits the failure", async () => {
        sendgrid.failWith(400, { times: 1, messages: ["The from address is not verified"] });

        const triggerId = await driver.clickCard(ACTION_IDS.sendTemplateTest);

        const opened = viewOf(await driver.waitForOpened(triggerId));
        const done = await slack.fake.waitForCall(
          "views.update",
          (call) => call.args.view_id === opened.id,
        );
        expect(JSON.stringify(viewOf(done).blocks)).toContain("Not sent to *ada@example.com*");
        await slack.waitForAuditMessage(
          "sent a test of the password email for a•••@example.com (failed)",
        );
      });

      it("Send test sends nothing when the admin's Slack profile has no email", async () => {
        const before = sendgrid.requests.length;

        const triggerId = await driver.clickCard(ACTION_IDS.sendTemplateTest, OTHER_ADMIN);

        const opened = viewOf(await driver.waitForOpened(triggerId));
        const done = await slack.fake.waitForCall(
          "views.update",
          (call) => call.args.view_id === opened.id,
        );
        expect(JSON.stringify(viewOf(done).blocks)).toContain("could not read an email address");
        expect(sendgrid.requests).toHaveLength(before);
      });
    });
  },
);
