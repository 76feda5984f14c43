import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/ports.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/template.ts";
import { TEMPLATE_EDIT_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { type SlackPassdesk, STAFF, startSlackPassdesk } from "../../support/slack-passdesk.ts";
import {
  createTemplateDriver,
  type EditOverrides,
  OTHER_ADMIN,
  type TemplatesPassdesk,
  useTemplatesPassdesk,
  versionOf,
} from "../../support/slack-templates.ts";
import { viewOf } from "../../support/slack-views.ts";

const BODY_MARKER = "confidential-body-marker";
const VALID_BODY = `<p>Hello {{ user.name }}, ${BODY_MARKER}: <a href="{{ url }}">choose a password</a></p>`;

describe.each(backends)("saving the password email from Slack on %s", (backend) => {
  let slack: SlackPassdesk;
  let driver: TemplatesPassdesk["driver"];
  useTemplatesPassdesk(backend, (started) => {
    ({ slack, driver } = started);
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
    expect(JSON.parse(view.private_metadata)).toEqual({
      template: "change_password",
      version: 1,
      bodyShown: false,
    });
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
