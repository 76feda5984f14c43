import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog } from "../../../src/db/schema.ts";
import { CALLBACK_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { tokenIn } from "../../support/memory-mailer.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import {
  generatedPasswordState,
  manageRolesState,
  openSetPasswordModal,
  shownPassword,
  submitSetPassword,
  typedPasswordState,
} from "../../support/slack-views.ts";

const TYPED_PASSWORD = "quiet orchards glow amber";

describe.each(backends)("the Slack audit channel on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        for (const email of ["sweep@example.com", "typed@example.com", "gen@example.com"]) {
          await createTestUser(repo, email);
        }
        await createTestUser(repo, "public@example.com");
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => {
    slack.fake.recover();
    slack.fake.reset();
  });

  async function reset(email: string, userId: string = STAFF.support): Promise<string> {
    return (await (await slack.command(userId, "/reset-password", email)).reply()).text;
  }

  /** Sets a typed password, or a generated one when `password` is null; returns the done view. */
  async function setPassword(email: string, password: string | null) {
    const view = await openSetPasswordModal(slack, email);
    const submitted = await submitSetPassword(
      slack,
      view,
      password === null ? generatedPasswordState() : typedPasswordState(password),
    );
    expect(submitted.body).toMatchObject({ response_action: "update" });
    return submitted.body as { view: { blocks: Array<Record<string, unknown>> } };
  }

  it("completes actions while Slack is down and posts their messages later, in order", async () => {
    slack.fake.failAll("chat.postMessage", { error: "internal_error" });

    const replies = [];
    for (const email of ["alice@example.com", "bob@example.com", "carol@example.com"]) {
      replies.push(await reset(email));
    }
    await slack.fake.waitForCall("chat.postMessage", (call) => call.response?.ok === false);

    expect(replies).toEqual([
      expect.stringContaining("There is no user *alice@example.com*"),
      expect.stringContaining("There is no user *bob@example.com*"),
      expect.stringContaining("There is no user *carol@example.com*"),
    ]);
    expect(slack.auditMessages()).toEqual([]);

    slack.fake.recover();
    slack.clock.advance(60_000);

    await slack.waitForAuditMessage("for c•••@example.com");
    expect(slack.auditMessages().map((call) => call.args.text)).toEqual([
      "<@U0SUPPORT> requested a password reset for a•••@example.com (unknown_user)",
      "<@U0SUPPORT> requested a password reset for b•••@example.com (unknown_user)",
      "<@U0SUPPORT> requested a password reset for c•••@example.com (unknown_user)",
    ]);
  });

  it("says who, what, masked target, connection, time and request ID", async () => {
    await reset("sweep@example.com");

    const message = await slack.waitForAuditMessage("for s•••@example.com");
    expect(message.token).toBe(SLACK.botToken);
    const [section, context] = message.args.blocks as Array<{
      text?: { text: string };
      fields?: Array<{ text: string }>;
      elements?: Array<{ text: string }>;
    }>;
    expect(section?.text?.text).toBe(
      "<@U0SUPPORT> requested a password reset for s•••@example.com",
    );
    expect(section?.fields?.map((field) => field.text)).toEqual([
      "*Outcome*\n`queued`",
      `*Connection*\n${DEFAULT_CONNECTION}`,
      expect.stringMatching(/^\*Request ID\*\n`req_[\w-]+`$/),
    ]);
    expect(context?.elements?.[0]?.text).toMatch(/^<!date\^\d+\^\{date_short_pretty\} \{time\}\|/);
  });

  it("never carries a password, ticket, reset link or credential, nor in the database", async () => {
    await reset("sweep@example.com", STAFF.admin);
    const ticket = tokenIn(await slack.waitForEmail("sweep@example.com"));
    await setPassword("typed@example.com", TYPED_PASSWORD);
    const generated = shownPassword((await setPassword("gen@example.com", null)).view);
    await reset("sweep@example.com", STAFF.nobody);
    await slack.submitView({
      userId: STAFF.admin,
      teamId: SLACK.teamId,
      callbackId: CALLBACK_IDS.manageRolesModal,
      values: manageRolesState({ admins: [], support: [STAFF.support, "U0SWEEP"] }),
    });
    await slack.waitForAuditMessage("granted the *support* role to <@U0SWEEP>");

    const secrets = [
      TYPED_PASSWORD,
      generated,
      ticket,
      "/lo/reset",
      "ticket=",
      SLACK.botToken,
      SLACK.signingSecret,
    ];
    const leaks = (texts: string[]) =>
      texts.flatMap((text) => secrets.filter((secret) => text.includes(secret)));
    const posted = slack.fake.calls().map((call) => JSON.stringify([call.args, call.response]));
    const replies = slack.fake.responses().map((response) => JSON.stringify(response.body));
    expect(leaks([...posted, ...replies])).toEqual([]);
    expect(slack.fake.calls().every((call) => call.token === SLACK.botToken)).toBe(true);
    const auditTexts = slack.auditMessages().map((call) => JSON.stringify(call.args));
    expect(auditTexts.length).toBeGreaterThanOrEqual(5);
    expect(auditTexts.filter((text) => /(sweep|typed|gen)@example\.com/.test(text))).toEqual([]);
    expect(leaks(slack.logLines)).toEqual([]);
    const rows = await slack.inspect((_repo, db) => db.select().from(auditLog));
    expect(leaks(rows.map((row) => JSON.stringify(row)))).toEqual([]);
  });

  it("keeps public API requests out of the channel by default, while auditing them", async () => {
    const response = await fetch(`${slack.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "public@example.com", connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);
    await slack.waitForEmail("public@example.com");

    // The poster goes oldest first: once a later Slack action is posted, the public row was passed.
    await reset("marker@example.com");
    await slack.waitForAuditMessage("for m•••@example.com");

    expect(slack.auditMessages().map((call) => call.args.text)).toEqual([
      "<@U0SUPPORT> requested a password reset for m•••@example.com (unknown_user)",
    ]);
    const rows = await slack.inspect((_repo, db) => db.select().from(auditLog));
    expect(rows.filter((row) => row.actorType === "public")).toEqual([
      expect.objectContaining({
        action: "password_reset.requested",
        outcome: "queued",
        targetEmail: "public@example.com",
        slackState: null,
      }),
    ]);
  });
});
