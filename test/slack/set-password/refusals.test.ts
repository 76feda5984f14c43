import argon2 from "argon2";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, users } from "../../../src/db/schema.ts";
import { ACTION_IDS, CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import { createTriggerId, type StateValues } from "../../support/slack-requests.ts";
import {
  generatedPasswordState,
  type OpenedView,
  openSetPasswordModal,
  submitSetPassword,
  typedPasswordState,
} from "../../support/slack-views.ts";

const OLD_PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet lanterns drift upstream";

describe.each(backends)("/set-password refusals on %s", (backend) => {
  let slack: SlackPassdesk;
  let socialUserId: number | undefined;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        await createTestUser(repo, "jane@example.com", { password: OLD_PASSWORD });
        await createTestUser(repo, "forged@example.com", { password: OLD_PASSWORD });
        const google = await repo.connections.add({ name: "google", strategy: "google-oauth2" });
        if (!google) throw new Error("could not add the google connection");
        socialUserId = (await repo.users.add(google.id, { email: "social@example.com" }))?.id;
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  const openModal = (target: string) => openSetPasswordModal(slack, target);
  const submit = (view: OpenedView, values: StateValues, userId: string = STAFF.admin) =>
    submitSetPassword(slack, view, values, userId);

  async function replyTo(userId: string, text: string): Promise<string> {
    const command = await slack.command(userId, "/set-password", text, createTriggerId());
    return (await command.reply()).text;
  }

  it.each([
    ["an unknown user", "nobody@example.com", /^There is no user \*nobody@example\.com\*/],
    ["a user of a social connection", "social@example.com google", /^`google` is a social/],
    ["an unknown connection", "jane@example.com nope", /^There is no connection named `nope`/],
    ["a malformed email", "jane@", /^That is not a valid email address/],
    ["no target", "", /^Usage: `\/set-password &lt;email \| @user&gt; \[connection\]`/],
  ])("answers %s with an ephemeral error and no modal", async (_what, text, expected) => {
    expect(await replyTo(STAFF.admin, text)).toMatch(expected);
    expect(slack.fake.calls("views.open")).toEqual([]);
  });

  describe("for someone who is not an admin", () => {
    it("refuses support staff and users without a role, audits and posts it, opening no modal", async () => {
      for (const refused of [STAFF.support, STAFF.nobody]) {
        expect(await replyTo(refused, "jane@example.com")).toBe(
          "Only Passdesk *admins* can set passwords.",
        );
      }
      await slack.waitForAuditMessage("<@U0SUPPORT> was denied access");
      await slack.waitForAuditMessage("<@U0NOBODY> was denied access");
      expect(slack.fake.calls("views.open")).toEqual([]);
      expect(slack.fake.calls("users.info")).toEqual([]);
    });

    it("changes nothing on a forged submission, and audits each as denied", async () => {
      const view = await openModal("forged@example.com");

      for (const forger of [STAFF.support, STAFF.nobody]) {
        const forged = await submit(
          view,
          typedPasswordState("forged but strong passphrase"),
          forger,
        );
        expect(forged.body).toEqual({
          response_action: "errors",
          errors: { [SET_PASSWORD_BLOCKS.mode]: "Only Passdesk admins can set passwords." },
        });
      }
      const generated = await submit(view, generatedPasswordState(), STAFF.nobody);
      expect(generated.raw).not.toContain("Password set");

      await slack.waitForAuditMessage("<@U0NOBODY> was denied access");
      const after = await slack.inspect(async (_repo, db) => ({
        hashes: await db
          .select({ email: users.email, hash: users.passwordHash })
          .from(users)
          .where(eq(users.email, "forged@example.com")),
        sets: await db.select().from(auditLog).where(eq(auditLog.action, "password.set")),
        denials: await db
          .select()
          .from(auditLog)
          .where(eq(auditLog.action, "access.denied"))
          .orderBy(asc(auditLog.id)),
      }));
      expect(after.hashes).toHaveLength(1);
      for (const { hash } of after.hashes) {
        expect(await argon2.verify(hash ?? "", OLD_PASSWORD)).toBe(true);
      }
      expect(after.sets.map((row) => row.targetEmail)).not.toContain("forged@example.com");
      const attempts = after.denials
        .filter((row) => row.details.attempted === CALLBACK_IDS.setPasswordModal)
        .map((row) => row.actorId);
      expect(attempts).toEqual([STAFF.support, STAFF.nobody, STAFF.nobody]);
    });

    it("does not switch the mode of a modal for them", async () => {
      const view = await openModal("forged@example.com");

      await slack.action({
        userId: STAFF.support,
        teamId: SLACK.teamId,
        actionId: ACTION_IDS.setPasswordMode,
        blockId: SET_PASSWORD_BLOCKS.mode,
        selectedOption: { value: "generate" },
        view: { viewId: view.id, hash: view.hash, privateMetadata: view.private_metadata },
      });

      await slack.waitForAuditMessage("<@U0SUPPORT> was denied access");
      expect(slack.fake.calls("views.update")).toEqual([]);
    });
  });

  it("refuses a modal whose metadata Passdesk did not write, or whose user cannot have a password", async () => {
    const view = await openModal("jane@example.com");
    const target = JSON.parse(view.private_metadata) as { userId: number; connection: string };
    const forged = (privateMetadata: string) =>
      submit({ ...view, private_metadata: privateMetadata }, typedPasswordState(NEW_PASSWORD));

    const garbage = await forged("{not json");
    const socialUser = await forged(
      JSON.stringify({
        userId: socialUserId,
        email: "social@example.com",
        name: null,
        connection: "google",
      }),
    );
    const missing = await forged(
      JSON.stringify({ userId: 999_999, email: "x@example.com", name: null, connection: "x" }),
    );
    const unknownUser = await forged(
      JSON.stringify({ ...target, email: "nobody@example.com", name: null }),
    );
    // The address exists, but not as the user the form was opened for.
    const otherUser = await forged(
      JSON.stringify({ ...target, email: "forged@example.com", name: null }),
    );

    expect(garbage.body).toEqual({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.mode]: "This form is out of date: run /set-password again." },
    });
    // The same reasons, in the same words, as /set-password itself — in plain text: Slack shows
    // a modal's errors without formatting, so mrkdwn marks would show as they are.
    const refusals = [
      [socialUser, /^"google" is a social or enterprise connection/],
      [missing, /^There is no connection named "x"/],
      [unknownUser, /^There is no user nobody@example\.com in "/],
      [otherUser, /^There is no user forged@example\.com in "/],
    ] as const;
    for (const [refused, says] of refusals) {
      expect(refused.body).toEqual({
        response_action: "errors",
        errors: { [SET_PASSWORD_BLOCKS.mode]: expect.stringMatching(says) },
      });
    }
  });
});
