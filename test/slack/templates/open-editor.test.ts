import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog } from "../../../src/db/schema.ts";
import { TEMPLATE_EDIT_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { type SlackPassdesk, STAFF } from "../../support/slack-passdesk.ts";
import {
  CARD_ACTIONS,
  type TemplatesPassdesk,
  useTemplatesPassdesk,
  versionOf,
} from "../../support/slack-templates.ts";
import { blockIds, viewOf } from "../../support/slack-views.ts";
import { waitFor } from "../../support/wait-for.ts";

describe.each(backends)("opening the password email editor from Slack on %s", (backend) => {
  let slack: SlackPassdesk;
  let driver: TemplatesPassdesk["driver"];
  useTemplatesPassdesk(backend, (started) => {
    ({ slack, driver } = started);
  });

  function deniedMessages(userId: string) {
    return slack
      .auditMessages()
      .filter((call) => String(call.args.text).startsWith(`<@${userId}> was denied access`));
  }

  describe("entry points", () => {
    it.each(["card", "shortcut"] as const)(
      "the %s opens the edit modal with every field and the version in private_metadata",
      async (via) => {
        const view = await driver.openEditor(via);

        expect(blockIds(view)).toEqual(Object.values(TEMPLATE_EDIT_BLOCKS));
        expect(JSON.parse(view.private_metadata)).toEqual({
          template: "change_password",
          version: expect.any(Number),
          bodyShown: true,
        });
        const body = view.blocks.find((block) => block.block_id === TEMPLATE_EDIT_BLOCKS.body);
        expect(body).toMatchObject({
          type: "input",
          element: { type: "plain_text_input", multiline: true, max_length: 3000 },
        });
      },
    );

    it("refuses the shortcut to a non-admin in a notice, audited, with no editor", async () => {
      const triggerId = await driver.useShortcut(STAFF.support);

      const notice = viewOf(await driver.waitForOpened(triggerId));
      expect(notice.callback_id).toBe("");
      expect(JSON.stringify(notice.blocks)).toContain("Only Passdesk *admins*");
      expect(blockIds(notice)).not.toContain(TEMPLATE_EDIT_BLOCKS.subject);
      await slack.waitForAuditMessage(`<@${STAFF.support}> was denied access`);
    });

    it("opens nothing for a non-admin's (forged) card clicks, and audits each", async () => {
      for (const userId of [STAFF.support, STAFF.nobody]) {
        for (const actionId of CARD_ACTIONS) await driver.clickCard(actionId, userId);
      }

      await waitFor(
        () =>
          deniedMessages(STAFF.support).length === CARD_ACTIONS.length &&
          deniedMessages(STAFF.nobody).length === CARD_ACTIONS.length,
        8_000,
        "a denial message per click",
      );
      expect(slack.fake.calls("views.open")).toEqual([]);
      expect(slack.fake.calls("views.update")).toEqual([]);
      const denied = await slack.inspect((_repo, db) =>
        db.select().from(auditLog).where(eq(auditLog.action, "access.denied")),
      );
      const attempted = denied
        .filter((row) => row.actorId === STAFF.nobody)
        .map((row) => row.details.attempted);
      expect(attempted.sort()).toEqual([...CARD_ACTIONS].sort());
    });

    it("refuses a non-admin's submission of the edit modal and saves nothing", async () => {
      const view = await driver.openEditor();

      const submitted = await driver.submitEdit(view, { subject: "Hijacked" }, STAFF.support);

      expect(submitted.body).toEqual({
        response_action: "errors",
        errors: {
          [TEMPLATE_EDIT_BLOCKS.from]: "Only Passdesk admins can edit the password email.",
        },
      });
      expect(versionOf(await driver.openEditor())).toBe(versionOf(view));
      await slack.waitForAuditMessage(`<@${STAFF.support}> was denied access`);
    });
  });
});
