import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, tickets as ticketsTable } from "../../src/db/schema.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../../src/email/ports.ts";
import {
  type ChangePasswordTemplate,
  DEFAULT_CHANGE_PASSWORD_TEMPLATE,
} from "../../src/email/template.ts";
import { ACTION_IDS, CALLBACK_IDS, TEMPLATE_EDIT_BLOCKS } from "../../src/slack/contract.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { SLACK, type SlackPassdesk, STAFF, startSlackPassdesk } from "../support/slack-passdesk.ts";
import { appHomeOpenedEvent } from "../support/slack-requests.ts";
import {
  CARD_ACTIONS,
  createTemplateDriver,
  type EditOverrides,
  versionOf,
} from "../support/slack-templates.ts";
import { blockIds, type OpenedView, viewOf } from "../support/slack-views.ts";

const PUBLIC_URL = "https://passdesk.example.com";
const ADMIN_EMAIL = "ada@example.com";
const ADMIN_NAME = "Ada Lovelace";
/** An admin by grant, with no user in the fake Slack directory: users.info fails for them. */
const OTHER_ADMIN = "U0ADMIN2";
const BODY_MARKER = "confidential-body-marker";
const VALID_BODY = `<p>Hello {{ user.name }}, ${BODY_MARKER}: <a href="{{ url }}">choose a password</a></p>`;

function fieldsOf(template: ChangePasswordTemplate): ChangePasswordTemplate {
  const fields = Object.keys(DEFAULT_CHANGE_PASSWORD_TEMPLATE) as Array<
    keyof ChangePasswordTemplate
  >;
  return Object.fromEntries(fields.map((field) => [field, template[field]])) as never;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMillis = 8_000) {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(backends)("editing the password email from Slack on %s", (backend) => {
  let slack: SlackPassdesk;
  let sendgrid: FakeSendGrid;
  let driver: ReturnType<typeof createTemplateDriver>;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    slack = await startSlackPassdesk(backend, {
      realMailer: true,
      env: { SENDGRID_API_KEY: "SG.templates", SENDGRID_API_URL: sendgrid.url },
      slackUsers: [
        { id: STAFF.admin, teamId: SLACK.teamId, email: ADMIN_EMAIL, realName: ADMIN_NAME },
      ],
      async seed(repo) {
        await repo.roles.grant({
          teamId: SLACK.teamId,
          slackUserId: OTHER_ADMIN,
          role: "admin",
          grantedBy: null,
        });
      },
    });
    driver = createTemplateDriver(slack);
  });
  afterAll(async () => {
    await slack?.close();
    await sendgrid?.close();
  });
  beforeEach(() => {
    slack.fake.reset();
    sendgrid.recover();
  });

  async function openHome(userId: string): Promise<string> {
    await slack.send(JSON.stringify(appHomeOpenedEvent({ userId, teamId: SLACK.teamId })));
    const published = await slack.fake.waitForCall(
      "views.publish",
      (call) => call.args.user_id === userId,
    );
    return JSON.stringify(viewOf(published).blocks);
  }

  function deniedMessages(userId: string) {
    return slack
      .auditMessages()
      .filter((call) => String(call.args.text).startsWith(`<@${userId}> was denied access`));
  }

  describe("the App Home card", () => {
    it("shows admins the email's settings with Edit, Preview, Send test and History", async () => {
      const home = await openHome(STAFF.admin);

      expect(home).toContain("*Change Password email*");
      expect(home).toContain("EMAIL_FROM default");
      expect(home).toContain("5 days");
      expect(home).toMatch(/\*Redirect To\*\\nnone/);
      for (const actionId of CARD_ACTIONS) expect(home).toContain(`"action_id":"${actionId}"`);
    });

    it("shows support staff the same card without its buttons", async () => {
      const home = await openHome(STAFF.support);

      expect(home).toContain("*Change Password email*");
      for (const actionId of CARD_ACTIONS) expect(home).not.toContain(actionId);
    });

    it("shows a user without a role nothing of it", async () => {
      const home = await openHome(STAFF.nobody);

      expect(home).not.toContain("Change Password email");
      expect(home).not.toContain("{{");
    });
  });

  describe("entry points", () => {
    it.each(["card", "shortcut"] as const)(
      "the %s opens the edit modal with every field and the version in private_metadata",
      async (via) => {
        const view = await driver.openEditor(via);

        expect(blockIds(view)).toEqual(Object.values(TEMPLATE_EDIT_BLOCKS));
        expect(JSON.parse(view.private_metadata)).toEqual({
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

      await waitUntil(
        () =>
          deniedMessages(STAFF.support).length === CARD_ACTIONS.length &&
          deniedMessages(STAFF.nobody).length === CARD_ACTIONS.length,
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

  describe("saving", () => {
    it("saves valid changes as a new version; the audit message lists fields, not the body", async () => {
      const view = await driver.openEditor();

      const submitted = await driver.submitEdit(view, {
        subject: "Your {{ friendly_name }} reset link",
        body: VALID_BODY,
      });

      const saved = versionOf(view) + 1;
      expect(submitted.body).toMatchObject({ response_action: "update", view: { type: "modal" } });
      expect(JSON.stringify(submitted.body)).toContain(
        `Saved as version ${saved} (changed: subject, body)`,
      );
      const message = await slack.waitForAuditMessage("changed the password email");
      expect(message.args.text).toBe(
        `<@${STAFF.admin}> changed the password email (fields: subject, body) (success)`,
      );
      expect(JSON.stringify(message.args)).not.toContain(BODY_MARKER);
      // Earlier tests published this user's Home too: wait for the one showing this save.
      const home = await slack.fake.waitForCall(
        "views.publish",
        (call) =>
          call.args.user_id === STAFF.admin &&
          JSON.stringify(viewOf(call).blocks).includes(`Version ${saved}, last edited by`),
      );
      expect(JSON.stringify(viewOf(home).blocks)).toContain(`Version ${saved}, last edited by`);
      const reopened = await driver.openEditor("shortcut");
      expect(versionOf(reopened)).toBe(saved);
      expect(JSON.stringify(reopened.blocks)).toContain(BODY_MARKER);
    });

    const INVALID: Array<[string, EditOverrides, string, RegExp]> = [
      ["Liquid that does not parse", { body: "{% if %}{{ url }}" }, "body", /Liquid error/],
      ["Liquid in the subject that does not parse", { subject: "Hi {{ " }, "subject", /Liquid/],
      ["a body without {{ url }}", { body: "<p>No link here</p>" }, "body", /\{\{ url \}\}/],
      ["a sender that is not an address", { from: "not an address" }, "from", /address/],
      [
        "a redirect that is not https",
        { redirect: "http://example.com/done" },
        "redirect",
        /https/,
      ],
      ["a lifetime under 5 minutes", { url_lifetime: "60" }, "url_lifetime", /300/],
      ["a lifetime over 30 days", { url_lifetime: "2592001" }, "url_lifetime", /2592000/],
      ["a lifetime that is not a number", { url_lifetime: "soon" }, "url_lifetime", /whole/],
    ];

    it.each(INVALID)(
      "refuses %s with an error on its block",
      async (_name, change, block, says) => {
        const view = await driver.openEditor();

        const submitted = await driver.submitEdit(view, change);

        expect(submitted.body).toEqual({
          response_action: "errors",
          errors: { [block]: expect.stringMatching(says) },
        });
        expect(versionOf(await driver.openEditor())).toBe(versionOf(view));
      },
    );

    it("refuses a submit based on an older version with a reload error, never overwriting", async () => {
      const mine = await driver.openEditor();
      const theirs = await driver.openEditor("shortcut", OTHER_ADMIN);

      const first = await driver.submitEdit(theirs, { subject: "Theirs" }, OTHER_ADMIN);
      const second = await driver.submitEdit(mine, { subject: "Mine" });

      expect(JSON.stringify(first.body)).toContain("Saved as version");
      expect(second.body).toEqual({
        response_action: "errors",
        errors: {
          [TEMPLATE_EDIT_BLOCKS.from]: expect.stringMatching(/Close it and open it again/),
        },
      });
      const now = await driver.openEditor();
      expect(versionOf(now)).toBe(versionOf(mine) + 1);
      expect(JSON.stringify(now.blocks)).toContain('"initial_value":"Theirs"');
    });

    it("says so, and saves nothing, when nothing changed", async () => {
      const view = await driver.openEditor();

      const submitted = await driver.submitEdit(view, {});

      expect(JSON.stringify(submitted.body)).toContain("Nothing changed");
      expect(versionOf(await driver.openEditor())).toBe(versionOf(view));
    });

    it("saves every other field and empties From and Redirect To", async () => {
      await driver.save({ from: "Support <help@example.com>", redirect: "https://example.com/ok" });
      const view = await driver.openEditor();

      await driver.submitEdit(view, {
        from: null,
        redirect: null,
        url_lifetime: "3600",
        include_email: false,
        enabled: false,
      });

      const template = await slack.inspect((repo) => repo.templates.get(CHANGE_PASSWORD_TEMPLATE));
      expect(template).toMatchObject({
        version: versionOf(view) + 1,
        from: null,
        resultUrl: null,
        urlLifetimeSeconds: 3600,
        includeEmailInRedirect: false,
        enabled: false,
      });
      await driver.save({ enabled: true, include_email: true });
    });
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

describe.each(backends)("a body over Slack's 3000 characters on %s", (backend) => {
  const longBody = `<p>{{ url }}</p>\n${"<p>A long paragraph of legal text.</p>\n".repeat(120)}`;
  let slack: SlackPassdesk;
  let driver: ReturnType<typeof createTemplateDriver>;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        const template = { ...DEFAULT_CHANGE_PASSWORD_TEMPLATE, body: longBody };
        await repo.templates.save(CHANGE_PASSWORD_TEMPLATE, template, "cli:seed", 0);
      },
    });
    driver = createTemplateDriver(slack);
  });
  afterAll(async () => {
    await slack?.close();
  });

  it("is not put in the modal, which says why and how else to edit it", async () => {
    const view = await driver.openEditor();

    const body = view.blocks.find((block) => block.block_id === TEMPLATE_EDIT_BLOCKS.body);
    expect(body?.type).toBe("section");
    const text = JSON.stringify(body);
    expect(text).toContain(`${longBody.length} characters`);
    expect(text).toContain("passdesk templates edit");
    expect(text).toContain("--body-file");
    expect(JSON.stringify(view.blocks)).not.toContain("legal text");
    expect(JSON.parse(view.private_metadata)).toEqual({ version: 1, bodyShown: false });
  });

  it("is kept intact when the other fields are saved", async () => {
    const view = await driver.openEditor();

    const submitted = await driver.submitEdit(view, { subject: "Shorter subject" });

    expect(JSON.stringify(submitted.body)).toContain("Saved as version 2 (changed: subject)");
    const template = await slack.inspect((repo) => repo.templates.get(CHANGE_PASSWORD_TEMPLATE));
    expect(template.body).toBe(longBody);
    expect(template.subject).toBe("Shorter subject");
  });
});
