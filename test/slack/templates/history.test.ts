import { describe, expect, it } from "vitest";
import { CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/ports.ts";
import {
  DEFAULT_CHANGE_PASSWORD_TEMPLATE,
  type EmailTemplate,
} from "../../../src/email/template.ts";
import { ACTION_IDS, CALLBACK_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { SLACK, type SlackPassdesk, STAFF } from "../../support/slack-passdesk.ts";
import {
  type TemplatesPassdesk,
  useTemplatesPassdesk,
  versionOf,
} from "../../support/slack-templates.ts";
import { type OpenedView, viewOf } from "../../support/slack-views.ts";

function fieldsOf(template: EmailTemplate): EmailTemplate {
  const fields = Object.keys(DEFAULT_CHANGE_PASSWORD_TEMPLATE) as Array<keyof EmailTemplate>;
  return Object.fromEntries(fields.map((field) => [field, template[field]])) as never;
}

describe.each(backends)("the password email's history in Slack on %s", (backend) => {
  let slack: SlackPassdesk;
  let driver: TemplatesPassdesk["driver"];
  useTemplatesPassdesk(backend, (started) => {
    ({ slack, driver } = started);
  });

  describe("history and revert", () => {
    async function openHistory(userId: string = STAFF.admin): Promise<OpenedView> {
      const triggerId = await driver.clickCard(ACTION_IDS.openTemplateHistory, userId);
      const view = viewOf(await driver.waitForOpened(triggerId));
      expect(view.callback_id).toBe(CALLBACK_IDS.templateHistoryModal);
      return view;
    }

    function revertButtons(view: OpenedView): string[] {
      return view.blocks
        .map((block) => block.accessory as { action_id?: string; value?: string } | undefined)
        .filter((button) => button?.action_id === ACTION_IDS.revertTemplate)
        .map((button) => button?.value ?? "");
    }

    function clickRevert(view: OpenedView, toVersion: number, userId: string = STAFF.admin) {
      return slack.action({
        userId,
        teamId: SLACK.teamId,
        actionId: ACTION_IDS.revertTemplate,
        blockId: "version",
        value: String(toVersion),
        view: {
          viewId: view.id,
          hash: view.hash,
          callbackId: view.callback_id,
          privateMetadata: view.private_metadata,
        },
      });
    }

    it("lists versions, who and which fields, with Revert on every older one", async () => {
      const older = await driver.save({ subject: "History older" });
      const newer = await driver.save({ subject: "History newer", url_lifetime: "7200" });

      const history = await openHistory();

      const shown = JSON.stringify(history.blocks);
      expect(shown).toContain(`*Version ${newer}* (current)`);
      expect(shown).toContain("Changed: subject, URL lifetime");
      expect(shown).toContain(`*Version ${older}*\\n<@${STAFF.admin}>, <!date^`);
      expect(shown).toContain("*Built-in default* (version 0)");
      const buttons = revertButtons(history);
      expect(buttons).toContain(String(older));
      expect(buttons).toContain("0");
      expect(buttons).not.toContain(String(newer));
    });

    it("Revert saves the old fields as a new version, updates the modal and the Home tab", async () => {
      const older = await driver.save({ subject: "Revert target", url_lifetime: "900" });
      const newer = await driver.save({ subject: "Revert away", url_lifetime: "1800" });
      const history = await openHistory();

      await clickRevert(history, older);

      const updated = await slack.fake.waitForCall(
        "views.update",
        (call) => call.args.view_id === history.id,
      );
      const shown = JSON.stringify(viewOf(updated).blocks);
      expect(shown).toContain(
        `Reverted to version ${older}: saved as version ${newer + 1} (changed: subject, URL lifetime)`,
      );
      expect(shown).toContain(`*Version ${newer + 1}* (current)`);
      await slack.waitForAuditMessage(
        `<@${STAFF.admin}> reverted the password email to version ${older} (fields: subject, URL lifetime)`,
      );
      const home = await slack.fake.waitForCall(
        "views.publish",
        (call) =>
          call.args.user_id === STAFF.admin &&
          JSON.stringify(viewOf(call).blocks).includes("Revert target"),
      );
      expect(JSON.stringify(viewOf(home).blocks)).toContain("Revert target");
      const [current, versions] = await slack.inspect(
        async (repo) =>
          [
            await repo.templates.get(CHANGE_PASSWORD_TEMPLATE),
            await repo.templates.history(CHANGE_PASSWORD_TEMPLATE, 100),
          ] as const,
      );
      const target = versions.find((version) => version.version === older);
      expect(current.version).toBe(newer + 1);
      expect(fieldsOf(current)).toEqual(fieldsOf(target ?? current));
    });

    it("refuses a Revert based on an older list and reloads it, saving nothing", async () => {
      const older = await driver.save({ subject: "Stale list A" });
      const history = await openHistory();
      const newest = await driver.save({ subject: "Stale list B" });

      await clickRevert(history, older);

      const updated = await slack.fake.waitForCall(
        "views.update",
        (call) => call.args.view_id === history.id,
      );
      const shown = JSON.stringify(viewOf(updated).blocks);
      expect(shown).toContain(`someone saved the email (version ${newest})`);
      expect(shown).toContain(`*Version ${newest}* (current)`);
      expect(versionOf(await driver.openEditor())).toBe(newest);
    });

    it("ignores a non-admin's Revert, audited", async () => {
      const history = await openHistory();

      await clickRevert(history, 0, STAFF.support);

      await slack.waitForAuditMessage(`<@${STAFF.support}> was denied access`);
      expect(slack.fake.calls("views.update")).toEqual([]);
      expect(versionOf(await driver.openEditor())).toBe(
        (JSON.parse(history.private_metadata) as { version: number }).version,
      );
    });
  });
});
