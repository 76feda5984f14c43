import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../src/db/schema.ts";
import { backends } from "../support/database.ts";
import { type FakeSendGrid, startFakeSendGrid } from "../support/fake-sendgrid.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import { SLACK, type SlackPassdesk, STAFF, startSlackPassdesk } from "../support/slack-passdesk.ts";

const PUBLIC_URL = "https://passdesk.example.com";
const NEW_PASSWORD = "copper kettles whistle at noon";

describe.each(backends)("a reset from Slack to the reset page on %s", (backend) => {
  let sendgrid: FakeSendGrid;
  let slack: SlackPassdesk;

  beforeAll(async () => {
    sendgrid = await startFakeSendGrid();
    slack = await startSlackPassdesk(backend, {
      realMailer: true,
      env: {
        SENDGRID_API_KEY: "SG.slack-e2e",
        SENDGRID_API_URL: sendgrid.url,
        SLACK_AUDIT_PUBLIC_REQUESTS: "true",
      },
      slackUsers: [
        { id: "U0ERIN", teamId: SLACK.teamId, email: "erin@example.com", realName: "Erin" },
      ],
      async seed(repo) {
        await createTestUser(repo, "erin@example.com", { name: "Erin Example" });
        await createTestUser(repo, "paula@example.com");
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
    await sendgrid?.close();
  });

  it("/reset-password @user → email → reset page → new password, audited in the channel", async () => {
    const command = await slack.command(STAFF.support, "/reset-password", "<@U0ERIN|erin>");
    expect((await command.reply()).text).toBe(
      `:email: Password reset email queued for *erin@example.com* in \`${DEFAULT_CONNECTION}\`.`,
    );

    const [email] = await sendgrid.waitForEmails(1, 10_000);
    expect(email?.to).toEqual(["erin@example.com"]);
    const sentLink = email?.text?.match(/https:\/\/\S+\/lo\/reset\?ticket=[\w-]+/)?.[0] ?? "";
    expect(sentLink.startsWith(`${PUBLIC_URL}/lo/reset?ticket=`)).toBe(true);
    const link = sentLink.replace(PUBLIC_URL, slack.url);
    const form = await openResetForm(link);
    expect(form.response.status).toBe(200);
    const submitted = await submitResetForm(`${slack.url}/lo/reset`, form, NEW_PASSWORD);
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toContain("Your password has been changed.");

    const completed = await slack.waitForAuditMessage("completed a password reset");
    expect(completed.args.text).toBe(
      "The user completed a password reset for e•••@example.com (success)",
    );
    const ticket = new URL(sentLink).searchParams.get("ticket") ?? "";
    const everything = JSON.stringify([slack.fake.calls(), slack.fake.responses()]);
    for (const secret of [ticket, NEW_PASSWORD, "/lo/reset", "SG.slack-e2e"]) {
      expect(everything).not.toContain(secret);
    }
    expect(slack.auditMessages().map((call) => call.args.text)).toEqual([
      "<@U0SUPPORT> requested a password reset for e•••@example.com (queued)",
      "The user completed a password reset for e•••@example.com (success)",
    ]);
    const hash = await slack.inspect(async (_repo, db) => {
      const [erin] = await db.select().from(users).where(eq(users.email, "erin@example.com"));
      return erin?.passwordHash ?? "";
    });
    expect(await argon2.verify(hash, NEW_PASSWORD)).toBe(true);
  });

  it("posts public API requests too when SLACK_AUDIT_PUBLIC_REQUESTS is on", async () => {
    const response = await fetch(`${slack.url}/dbconnections/change_password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "paula@example.com", connection: DEFAULT_CONNECTION }),
    });
    expect(response.status).toBe(200);

    const message = await slack.waitForAuditMessage("for p•••@example.com");
    expect(message.args.text).toBe(
      "The public API requested a password reset for p•••@example.com (queued)",
    );
  });
});
