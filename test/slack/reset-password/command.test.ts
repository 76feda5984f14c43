import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, resetRequests } from "../../../src/db/schema.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/ports.ts";
import { backends } from "../../support/database.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";

const RESET = "/reset-password";
const CHANGE_SUBJECT = /^Reset your/;

describe.each(backends)("/reset-password on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      slackUsers: [
        { id: "U0JANE", teamId: SLACK.teamId, email: "Jane@Example.com", realName: "Jane Doe" },
        { id: "U0NOMAIL", teamId: SLACK.teamId, realName: "No Mail" },
      ],
      async seed(repo) {
        await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
        await createTestUser(repo, "kim@example.com");
        await createTestUser(repo, "limit@example.com");
        await createTestUser(repo, "template@example.com");
        const blocked = await createTestUser(repo, "blocked@example.com");
        await repo.users.setBlocked(blocked.id, true);
        await repo.connections.add({ name: "partners-db", strategy: "database" });
        await createTestUser(repo, "pat@partners.example.com", { connection: "partners-db" });
        const google = await repo.connections.add({
          name: "google-oauth2",
          strategy: "google-oauth2",
        });
        if (!google) throw new Error("could not add google-oauth2");
        await repo.users.add(google.id, { email: "social@example.com", name: "Sam Social" });
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  async function run(userId: string, text: string): Promise<string> {
    const command = await slack.command(userId, RESET, text);
    expect(command.response.status).toBe(200);
    expect(command.ackBody).toBe("");
    const reply = await command.reply();
    expect(reply.response_type).toBe("ephemeral");
    return reply.text;
  }

  describe("for support staff", () => {
    it("queues the email, says so, and the user gets it", async () => {
      const text = await run(STAFF.support, "jane@example.com");

      expect(text).toBe(
        `:email: Password reset email queued for *jane@example.com* in \`${DEFAULT_CONNECTION}\`.`,
      );
      const email = await slack.waitForEmail("jane@example.com", CHANGE_SUBJECT);
      expect(email.text).toContain("/lo/reset?ticket=");
      const message = await slack.waitForAuditMessage("requested a password reset for j•••@");
      expect(message.args.text).toBe(
        "<@U0SUPPORT> requested a password reset for j•••@example.com (queued)",
      );
    });

    it("records the request as the public endpoint does, with the requester, and audits it", async () => {
      await run(STAFF.support, "kim@example.com");

      const recorded = await slack.inspect(async (_repo, db) => ({
        requests: await db
          .select()
          .from(resetRequests)
          .where(eq(resetRequests.email, "kim@example.com")),
        audit: await db.select().from(auditLog).where(eq(auditLog.targetEmail, "kim@example.com")),
      }));
      expect(recorded.requests).toEqual([
        expect.objectContaining({
          source: "slack",
          status: "queued",
          connection: DEFAULT_CONNECTION,
          requestedBy: expect.objectContaining({ teamId: SLACK.teamId, userId: STAFF.support }),
          clientIp: null,
        }),
      ]);
      expect(recorded.audit).toContainEqual(
        expect.objectContaining({
          actorType: "slack",
          actorId: STAFF.support,
          action: "password_reset.requested",
          outcome: "queued",
          connection: DEFAULT_CONNECTION,
          requestId: recorded.requests[0]?.publicId,
        }),
      );
    });

    it("resolves an escaped @mention to the email on the Slack profile", async () => {
      const text = await run(STAFF.support, "<@U0JANE|jane>");

      expect(text).toContain("queued for *jane@example.com*");
      expect(slack.fake.calls("users.info")).toEqual([
        expect.objectContaining({
          token: SLACK.botToken,
          args: { team_id: SLACK.teamId, user: "U0JANE" },
        }),
      ]);
    });

    it("asks for an email when the mentioned user has none in Slack, or is unknown to Slack", async () => {
      expect(await run(STAFF.support, "<@U0NOMAIL|nomail>")).toBe(
        "<@U0NOMAIL> has no email address in their Slack profile: use their email instead.",
      );
      expect(await run(STAFF.support, "<@U0GONE>")).toBe(
        "<@U0GONE> has no email address in their Slack profile: use their email instead.",
      );
      expect(slack.fake.calls("users.info").map((call) => call.args.user)).toEqual([
        "U0NOMAIL",
        "U0GONE",
      ]);
    });

    it("uses the connection given after the target", async () => {
      const text = await run(STAFF.support, "pat@partners.example.com partners-db");

      expect(text).toBe(
        ":email: Password reset email queued for *pat@partners.example.com* in `partners-db`.",
      );
      await slack.waitForEmail("pat@partners.example.com", CHANGE_SUBJECT);
    });

    it("answers usage help to empty text, and to too many words", async () => {
      const usage = await run(STAFF.support, "");

      expect(usage).toContain("Usage: `/reset-password &lt;email | @user&gt; [connection]`");
      expect(usage).toContain(`defaults to \`${DEFAULT_CONNECTION}\``);
      expect(await run(STAFF.support, "a@example.com b c")).toBe(usage);
    });

    it("says a malformed email is not valid", async () => {
      expect(await run(STAFF.support, "jane@example")).toBe(
        "*jane@example* is not a valid email address. Give an email or an @mention.",
      );
    });

    it("says an unknown connection does not exist", async () => {
      expect(await run(STAFF.support, "jane@example.com no-such-db")).toBe(
        "There is no connection named `no-such-db`. Leave it out to use the default one.",
      );
    });

    it("says a social connection cannot reset passwords", async () => {
      expect(await run(STAFF.support, "social@example.com google-oauth2")).toMatch(
        /^`google-oauth2` is a social or enterprise connection: \*social@example\.com\* signs in there and must reset/,
      );
    });

    it("tells that a user found only in a social connection must reset there", async () => {
      expect(await run(STAFF.support, "social@example.com")).toBe(
        "`google-oauth2` is a social or enterprise connection: *social@example.com* signs in there and must reset their password with that provider. No email was sent.",
      );
    });

    it("says a blocked user gets no email", async () => {
      expect(await run(STAFF.support, "blocked@example.com")).toBe(
        `*blocked@example.com* is blocked in \`${DEFAULT_CONNECTION}\`: no email was sent.`,
      );
    });

    it("says there is no such user", async () => {
      expect(await run(STAFF.support, "nobody@example.com")).toBe(
        `There is no user *nobody@example.com* in \`${DEFAULT_CONNECTION}\`: no email was sent.`,
      );
    });

    it("refuses the 11th request for one target, whoever asks", async () => {
      for (let request = 1; request <= 10; request++) {
        const requester = request % 2 === 0 ? STAFF.support : STAFF.admin;
        expect(await run(requester, "limit@example.com")).toContain("queued");
      }

      // One email a minute refills the bucket: by the 11th request it may be a little fuller.
      expect(await run(STAFF.admin, "LIMIT@example.com")).toMatch(
        /^Too many reset emails for \*limit@example\.com\* recently: try again in (?:[45]\d|60) seconds\.$/,
      );
      await slack.waitForAuditMessage(
        "<@U0ADMIN> requested a password reset for l•••@example.com (rate_limited)",
      );
    });

    it("says the email template is disabled", async () => {
      await slack.inspect(async (repo) => {
        const template = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
        await repo.templates.save(
          CHANGE_PASSWORD_TEMPLATE,
          { ...template, enabled: false },
          "test",
          template.version,
        );
      });

      expect(await run(STAFF.support, "template@example.com")).toBe(
        "The password reset email template is disabled, so no email was sent to *template@example.com*. An admin can enable it.",
      );
    });
  });

  describe("for admins", () => {
    it("works as for support staff", async () => {
      expect(await run(STAFF.admin, "jane@example.com no-such-db")).toContain(
        "There is no connection named `no-such-db`",
      );
    });
  });

  describe("for a user without a role", () => {
    it("refuses, audits the denial and posts it to the audit channel, sending nothing", async () => {
      const text = await run(STAFF.nobody, "jane@example.com");

      expect(text).toBe(
        "You need the *support* or *admin* role to reset passwords: ask a Passdesk admin.",
      );
      const message = await slack.waitForAuditMessage("<@U0NOBODY> was denied access");
      expect(message.args.text).toBe("<@U0NOBODY> was denied access (denied)");
      const [section] = message.args.blocks as Array<{ fields: Array<{ text: string }> }>;
      expect(section?.fields.map((field) => field.text)).toContain("*Attempted*\n/reset-password");
      expect(slack.fake.calls("users.info")).toEqual([]);
      const recorded = await slack.inspect(async (_repo, db) => ({
        denials: await db.select().from(auditLog).where(eq(auditLog.actorId, STAFF.nobody)),
        requests: await db.select().from(resetRequests),
      }));
      expect(recorded.denials).toEqual([
        expect.objectContaining({
          actorType: "slack",
          action: "access.denied",
          outcome: "denied",
          details: { attempted: RESET, teamId: SLACK.teamId },
        }),
      ]);
      expect(
        recorded.requests.filter((request) => request.requestedBy?.userId === STAFF.nobody),
      ).toEqual([]);
    });

    it("refuses before reading the text, so even usage help is denied", async () => {
      expect(await run(STAFF.nobody, "")).toContain("You need the *support* or *admin* role");
    });
  });
});
