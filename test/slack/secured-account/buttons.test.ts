import argon2 from "argon2";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ACTION_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";
import {
  queuePasswordChangedNotice,
  secureLinkIn,
  secureThroughPage,
} from "../../support/secure-link.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";

// The password whoever changed Kim's chose: it must not work once the block is lifted.
const KIM_PASSWORD = "correct horse battery staple";
const SECURED = "reported a password change that was not theirs and secured the account";

describe.each(backends)("a secured account's alert in Slack on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      async seed(repo) {
        await createTestUser(repo, "jane@example.com");
        await createTestUser(repo, "kim@example.com", { password: KIM_PASSWORD });
        await createTestUser(repo, "lee@example.com");
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  /** The notice is sent, its link used; the alert it raised, and its buttons' value. */
  async function secure(email: string) {
    await slack.inspect(async (repo) => {
      const user = await repo.users.findByEmail(1, email);
      if (!user) throw new Error(`no user ${email}`);
      await queuePasswordChangedNotice(repo, user);
    });
    const notice = await slack.waitForEmail(email, /password was changed/);
    const done = await secureThroughPage(slack.url, secureLinkIn(notice));
    expect(done.status).toBe(200);
    expect(await done.text()).toContain("Your account is secured.");
    const message = await slack.waitForAuditMessage(`${SECURED} for ${email[0]}•••@example.com`);
    const blocks = JSON.stringify(message.args.blocks);
    const securedId = String(blocks.match(/sec_[\w-]+/)?.[0]);
    return { message, blocks, securedId };
  }
  const blocked = (email: string) =>
    slack.inspect(async (repo) => (await repo.users.findByEmail(1, email))?.blocked);
  const click = (userId: string, actionId: string, value: string, responseId: string) =>
    slack.action({
      userId,
      teamId: SLACK.teamId,
      actionId,
      blockId: "secured",
      value,
      responseUrl: slack.fake.responseUrl(responseId),
    });

  it("posts an alert with the email masked, the connection, and both buttons", async () => {
    const { message, blocks } = await secure("jane@example.com");
    expect(message.args.text).toBe(
      `:rotating_light: The user ${SECURED} for j•••@example.com (blocked)`,
    );
    expect(blocks).toContain(`*Connection*\\n${DEFAULT_CONNECTION}`);
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.resetSecuredAccount}"`);
    expect(blocks).toContain(`"text":"Send reset email"`);
    expect(blocks).toContain(`"action_id":"${ACTION_IDS.unblockSecuredAccount}"`);
    expect(blocks).not.toContain("jane@example.com");
    expect(blocks).not.toContain("ticket");
    expect(await blocked("jane@example.com")).toBe(true);
  });

  it("Send reset email refuses a user without a role; for support it makes the password unusable, unblocks and sends the reset", async () => {
    const { securedId } = await secure("kim@example.com");
    expect(
      (await click(STAFF.nobody, ACTION_IDS.resetSecuredAccount, securedId, "r-denied")).status,
    ).toBe(200);
    const denied = await slack.fake.waitForResponse("r-denied");
    expect(JSON.stringify(denied.body)).toContain("support");
    await slack.waitForAuditMessage("<@U0NOBODY> was denied access");
    expect(await blocked("kim@example.com")).toBe(true);

    expect(
      (await click(STAFF.support, ACTION_IDS.resetSecuredAccount, securedId, "r-ok")).status,
    ).toBe(200);
    const answered = await slack.fake.waitForResponse("r-ok");
    expect((answered.body as { text: string; response_type: string }).response_type).toBe(
      "ephemeral",
    );
    expect((answered.body as { text: string }).text).toBe(
      `:unlock: The account is unblocked, and its password no longer works: only the reset link gets the user back in. :email: Password reset email queued for *kim@example.com* in \`${DEFAULT_CONNECTION}\`.`,
    );
    await slack.waitForAuditMessage("<@U0SUPPORT> unblocked the account for k•••@example.com");
    await slack.waitForAuditMessage("<@U0SUPPORT> requested a password reset for k•••@example.com");
    const reset = await slack.waitForEmail("kim@example.com", /^Reset your/);
    expect(reset.text).toMatch(/\/lo\/reset\?ticket=/);
    expect(await blocked("kim@example.com")).toBe(false);
    const hash = await slack.inspect(
      async (repo) => (await repo.users.findByEmail(1, "kim@example.com"))?.passwordHash,
    );
    expect(hash).toMatch(/^\$argon2id\$/);
    expect(await argon2.verify(String(hash), KIM_PASSWORD)).toBe(false);
  });

  it("Unblock lifts the block for an admin, audited; a second click finds nothing to lift", async () => {
    const { securedId } = await secure("lee@example.com");
    expect(
      (await click(STAFF.nobody, ACTION_IDS.unblockSecuredAccount, securedId, "u-denied")).status,
    ).toBe(200);
    expect(JSON.stringify((await slack.fake.waitForResponse("u-denied")).body)).toContain(
      "support",
    );
    expect(await blocked("lee@example.com")).toBe(true);

    await click(STAFF.admin, ACTION_IDS.unblockSecuredAccount, securedId, "u-ok");
    expect(((await slack.fake.waitForResponse("u-ok")).body as { text: string }).text).toBe(
      ":unlock: *l•••@example.com* is unblocked: they can sign in with their current password.",
    );
    await slack.waitForAuditMessage("<@U0ADMIN> unblocked the account for l•••@example.com");
    expect(await blocked("lee@example.com")).toBe(false);

    await click(STAFF.admin, ACTION_IDS.unblockSecuredAccount, securedId, "u-again");
    expect(((await slack.fake.waitForResponse("u-again")).body as { text: string }).text).toBe(
      "*l•••@example.com* was no longer blocked.",
    );
  });
});
