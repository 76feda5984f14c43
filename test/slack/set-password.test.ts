import argon2 from "argon2";
import { eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, tickets, users } from "../../src/db/schema.ts";
import { ACTION_IDS, CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../../src/slack/contract.ts";
import { backends } from "../support/database.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../support/reset-fixture.ts";
import { SLACK, STAFF, type SlackPassdesk, startSlackPassdesk } from "../support/slack-passdesk.ts";
import { createTriggerId, type StateValues } from "../support/slack-requests.ts";
import {
  blockIds,
  generatedPasswordState,
  type OpenedView,
  shownPassword,
  typedPasswordState,
  viewOf,
} from "../support/slack-views.ts";

const SET = "/set-password";
const OLD_PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet lanterns drift upstream";

describe.each(backends)("/set-password on %s", (backend) => {
  let slack: SlackPassdesk;
  let socialUserId: number | undefined;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      slackUsers: [{ id: "U0JANE", teamId: SLACK.teamId, email: "jane@example.com", realName: "J" }],
      async seed(repo) {
        for (const [email, name] of [
          ["jane@example.com", "Jane Doe"],
          ["wendy@example.com", "Wendy Weak"],
          ["gen@example.com", "Gene Rated"],
          ["notify@example.com", null],
          ["forged@example.com", null],
        ] as const) {
          await createTestUser(repo, email, { name: name ?? undefined, password: OLD_PASSWORD });
        }
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

  /** Runs /set-password and returns the modal the fake Slack opened with the command's trigger. */
  async function openModal(target: string, userId: string = STAFF.admin): Promise<OpenedView> {
    const triggerId = createTriggerId();
    const command = await slack.command(userId, SET, target, triggerId);
    expect(command.response.status).toBe(200);
    expect(command.ackBody).toBe("");
    const opened = await slack.fake.waitForCall(
      "views.open",
      (call) => call.args.trigger_id === triggerId,
    );
    expect(opened.token).toBe(SLACK.botToken);
    return viewOf(opened);
  }

  function submit(view: OpenedView, values: StateValues, userId: string = STAFF.admin) {
    return slack.submitView({
      userId,
      teamId: SLACK.teamId,
      callbackId: CALLBACK_IDS.setPasswordModal,
      privateMetadata: view.private_metadata,
      viewId: view.id,
      hash: view.hash,
      values,
    });
  }

  async function replyTo(userId: string, text: string): Promise<string> {
    const command = await slack.command(userId, SET, text, createTriggerId());
    return (await command.reply()).text;
  }

  function readUser(email: string) {
    return slack.inspect(async (_repo, db) => {
      const [user] = await db.select().from(users).where(eq(users.email, email));
      if (!user?.passwordHash) throw new Error(`no password for ${email}`);
      return {
        user,
        hash: user.passwordHash,
        tickets: await db.select().from(tickets).where(eq(tickets.userId, user.id)),
        audit: await db.select().from(auditLog).where(eq(auditLog.targetEmail, email)),
      };
    });
  }

  it("opens the modal with the command's trigger_id, showing the target, and replies nothing", async () => {
    const view = await openModal("jane@example.com");

    expect(view.callback_id).toBe(CALLBACK_IDS.setPasswordModal);
    expect(JSON.parse(view.private_metadata)).toMatchObject({
      email: "jane@example.com",
      name: "Jane Doe",
      connection: DEFAULT_CONNECTION,
    });
    const shown = JSON.stringify(view.blocks);
    expect(shown).toContain("jane@example.com");
    expect(shown).toContain("Jane Doe");
    expect(shown).toContain(DEFAULT_CONNECTION);
    expect(shown).toContain("visible on your screen");
    expect(blockIds(view)).toEqual(["mode", "password", "confirmation", "notify"]);
    expect(slack.fake.responses()).toEqual([]);
  });

  it("opens the modal for an @mention, through users.info", async () => {
    const view = await openModal("<@U0JANE|jane>");

    expect(JSON.parse(view.private_metadata)).toMatchObject({ email: "jane@example.com" });
    expect(slack.fake.calls("users.info")[0]?.args).toMatchObject({ user: "U0JANE" });
  });

  it("switches the modal between typing and generating with views.update", async () => {
    const view = await openModal("jane@example.com");
    const switchTo = (mode: string, current: OpenedView) =>
      slack.action({
        userId: STAFF.admin,
        teamId: SLACK.teamId,
        actionId: ACTION_IDS.setPasswordMode,
        blockId: SET_PASSWORD_BLOCKS.mode,
        selectedOption: { value: mode },
        view: {
          viewId: current.id,
          hash: current.hash,
          callbackId: current.callback_id,
          privateMetadata: current.private_metadata,
        },
      });

    expect((await switchTo("generate", view)).status).toBe(200);
    const update = await slack.fake.waitForCall("views.update");
    expect(update.args).toMatchObject({ view_id: view.id, hash: view.hash });
    const generating = viewOf(update);
    expect(blockIds(generating)).toEqual(["mode", "notify"]);
    expect(generating.private_metadata).toBe(view.private_metadata);

    await switchTo("type", generating);
    const back = await slack.fake.waitForCall("views.update", (call) => call !== update);
    expect(blockIds(viewOf(back))).toEqual(["mode", "password", "confirmation", "notify"]);
  });

  it("sets a typed password: argon2id hash, reset links revoked, audited, user not told", async () => {
    await (await slack.command(STAFF.admin, "/reset-password", "jane@example.com")).reply();
    await slack.waitForEmail("jane@example.com", /^Reset/);
    const view = await openModal("jane@example.com");

    const submitted = await submit(view, typedPasswordState(NEW_PASSWORD));

    expect(submitted.response.status).toBe(200);
    expect(submitted.body).toMatchObject({
      response_action: "update",
      view: { type: "modal", title: { text: "Password set" } },
    });
    const done = JSON.stringify(submitted.body);
    expect(done).toContain("*jane@example.com*");
    expect(done).toContain("was *not* notified");
    expect(done).not.toContain(NEW_PASSWORD);
    await slack.waitForAuditMessage("<@U0ADMIN> set a password for j•••@example.com");
    const after = await readUser("jane@example.com");
    expect(after.hash).toMatch(/^\$argon2id\$/);
    expect(await argon2.verify(after.hash, NEW_PASSWORD)).toBe(true);
    expect(await argon2.verify(after.hash, OLD_PASSWORD)).toBe(false);
    expect(after.tickets.length).toBeGreaterThan(0);
    expect(after.tickets.every((ticket) => ticket.revokedAt !== null)).toBe(true);
    expect(after.audit).toContainEqual(
      expect.objectContaining({
        actorType: "slack",
        actorId: STAFF.admin,
        action: "password.set",
        outcome: "success",
        connection: DEFAULT_CONNECTION,
        details: { mode: "type", notified: false, teamId: SLACK.teamId },
      }),
    );
    expect(slack.emails.filter((email) => /changed/.test(email.subject))).toEqual([]);
    const everywhere = [
      JSON.stringify(slack.fake.calls()),
      JSON.stringify(slack.fake.responses()),
      JSON.stringify(after.audit),
      ...slack.logLines,
    ];
    expect(everywhere.filter((text) => text.includes(NEW_PASSWORD))).toEqual([]);
  });

  it("emails the user a notice when the admin ticks the box", async () => {
    const view = await openModal("notify@example.com");

    const submitted = await submit(
      view,
      typedPasswordState("amber meadows hum softly", undefined, { notify: true }),
    );

    expect(JSON.stringify(submitted.body)).toContain("will be notified");
    const notice = await slack.waitForEmail("notify@example.com", /password was changed/);
    expect(notice.text).not.toContain("amber meadows hum softly");
  });

  it.each([
    ["too short", "Sh0rt!", /^Too short/],
    ["common", "leavemealone", /^Too common/],
    ["the user's name", "wendy sings at dawn", /^Contains the user's name or email/],
    ["the user's current password", OLD_PASSWORD, /^Reused: the user had it recently/],
  ])("refuses a password that is %s, on the password input", async (_what, password, message) => {
    const view = await openModal("wendy@example.com");

    const submitted = await submit(view, typedPasswordState(password));

    expect(submitted.response.status).toBe(200);
    expect(submitted.body).toEqual({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.password]: expect.stringMatching(message) },
    });
  });

  it("refuses a mismatched confirmation on the confirmation input, with any policy failure", async () => {
    const view = await openModal("wendy@example.com");

    const mismatched = await submit(view, typedPasswordState(NEW_PASSWORD, `${NEW_PASSWORD}!`));
    const both = await submit(view, typedPasswordState("short", "shorter"));
    const empty = await submit(view, { mode: typedPasswordState("").mode ?? {} });

    expect(mismatched.body).toEqual({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.confirmation]: "Does not match the new password." },
    });
    expect(both.body).toEqual({
      response_action: "errors",
      errors: {
        [SET_PASSWORD_BLOCKS.password]: expect.stringMatching(/^Too short/),
        [SET_PASSWORD_BLOCKS.confirmation]: "Does not match the new password.",
      },
    });
    expect(empty.body).toMatchObject({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.password]: expect.stringMatching(/^Too short/) },
    });
  });

  it("shows a generated password once, in the ack, and nowhere else", async () => {
    const view = await openModal("gen@example.com");

    const submitted = await submit(view, generatedPasswordState());

    expect(submitted.body).toMatchObject({ response_action: "update" });
    const generated = shownPassword(
      (submitted.body as { view: { blocks: Array<Record<string, unknown>> } }).view,
    );
    expect(generated.length).toBeGreaterThanOrEqual(12);
    await slack.waitForAuditMessage("<@U0ADMIN> set a password for g•••@example.com");
    const after = await readUser("gen@example.com");
    expect(await argon2.verify(after.hash, generated)).toBe(true);
    expect(after.audit).toContainEqual(
      expect.objectContaining({ action: "password.set", details: expect.objectContaining({ mode: "generate" }) }),
    );
    const elsewhere = [
      JSON.stringify(slack.fake.calls()),
      JSON.stringify(slack.fake.responses()),
      JSON.stringify(after.audit),
      JSON.stringify(slack.emails),
      ...slack.logLines,
    ];
    expect(elsewhere.filter((text) => text.includes(generated))).toEqual([]);
    expect(submitted.raw).toContain(JSON.stringify(generated).slice(1, -1).replaceAll("&", "&amp;"));
  });

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
    it("refuses support staff, audits it and posts it, opening no modal", async () => {
      expect(await replyTo(STAFF.support, "jane@example.com")).toBe(
        "Only Passdesk *admins* can set passwords.",
      );
      await slack.waitForAuditMessage("<@U0SUPPORT> was denied access");
      expect(slack.fake.calls("views.open")).toEqual([]);
      expect(slack.fake.calls("users.info")).toEqual([]);
    });

    it("changes nothing on a forged submission, and audits each as denied", async () => {
      const view = await openModal("forged@example.com");

      for (const forger of [STAFF.support, STAFF.nobody]) {
        const forged = await submit(view, typedPasswordState("forged but strong passphrase"), forger);
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
          .where(inArray(users.email, ["forged@example.com", "wendy@example.com"])),
        sets: await db.select().from(auditLog).where(eq(auditLog.action, "password.set")),
        denials: await db.select().from(auditLog).where(eq(auditLog.action, "access.denied")),
      }));
      // Neither the forged submissions nor the refused passwords above changed anything.
      expect(after.hashes).toHaveLength(2);
      for (const { hash } of after.hashes) {
        expect(await argon2.verify(hash ?? "", OLD_PASSWORD)).toBe(true);
      }
      const setFor = after.sets.map((row) => row.targetEmail);
      expect(setFor).not.toContain("forged@example.com");
      expect(setFor).not.toContain("wendy@example.com");
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
    const forged = (privateMetadata: string) =>
      submit({ ...view, private_metadata: privateMetadata }, typedPasswordState(NEW_PASSWORD));

    const garbage = await forged("{not json");
    const socialUser = await forged(
      JSON.stringify({ userId: socialUserId, email: "social@example.com", name: null, connection: "google" }),
    );
    const missing = await forged(
      JSON.stringify({ userId: 999_999, email: "x@example.com", name: null, connection: "x" }),
    );

    expect(garbage.body).toEqual({
      response_action: "errors",
      errors: { [SET_PASSWORD_BLOCKS.mode]: "This form is out of date: run /set-password again." },
    });
    for (const refused of [socialUser, missing]) {
      expect(refused.body).toEqual({
        response_action: "errors",
        errors: {
          [SET_PASSWORD_BLOCKS.mode]: expect.stringContaining("can no longer get a password here"),
        },
      });
    }
  });
});
