import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, tickets, users } from "../../../src/db/schema.ts";
import { escapeMrkdwn } from "../../../src/slack/block-kit.ts";
import { ACTION_IDS, CALLBACK_IDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import { createTestUser, DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import type { StateValues } from "../../support/slack-requests.ts";
import {
  blockIds,
  generatedPasswordState,
  type OpenedView,
  openSetPasswordModal,
  shownPassword,
  submitSetPassword,
  typedPasswordState,
  viewOf,
} from "../../support/slack-views.ts";

const OLD_PASSWORD = "correct horse battery staple";
const NEW_PASSWORD = "violet lanterns drift upstream";

describe.each(backends)("/set-password on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      slackUsers: [
        { id: "U0JANE", teamId: SLACK.teamId, email: "jane@example.com", realName: "J" },
      ],
      async seed(repo) {
        for (const [email, name] of [
          ["jane@example.com", "Jane Doe"],
          ["wendy@example.com", "Wendy Weak"],
          ["gen@example.com", "Gene Rated"],
          ["notify@example.com", null],
        ] as const) {
          await createTestUser(repo, email, { name: name ?? undefined, password: OLD_PASSWORD });
        }
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  const openModal = (target: string) => openSetPasswordModal(slack, target);
  const submit = (view: OpenedView, values: StateValues) => submitSetPassword(slack, view, values);

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
        details: {
          mode: "type",
          notified: false,
          teamId: SLACK.teamId,
          logType: "scp",
          revokedRefreshTokens: 0,
          liftedSignInBlocks: 0,
        },
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
    expect(notice.text).toMatch(/was\s+changed\s+by\s+an\s+administrator\s+on/);
    expect(notice.text).toContain("Secure my account");
    expect(notice.text).not.toContain("amber meadows hum softly");
  });

  it.each([
    ["too short", "Sh0rt!", /^Too short/],
    [
      "a common word and patterns",
      "mailcreated5240",
      /^Needs 5 characters besides patterns and one common word\. Reuse is not checked yet\.$/,
    ],
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
      errors: {
        [SET_PASSWORD_BLOCKS.confirmation]:
          "Does not match the new password. Reuse of a recent password is checked once they match.",
      },
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

  it("changed nothing for any refused password", async () => {
    const wendy = await readUser("wendy@example.com");

    expect(await argon2.verify(wendy.hash, OLD_PASSWORD)).toBe(true);
    expect(wendy.audit.filter((row) => row.action === "password.set")).toEqual([]);
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
      expect.objectContaining({
        action: "password.set",
        details: expect.objectContaining({ mode: "generate" }),
      }),
    );
    const elsewhere = [
      JSON.stringify(slack.fake.calls()),
      JSON.stringify(slack.fake.responses()),
      JSON.stringify(after.audit),
      JSON.stringify(slack.emails),
      ...slack.logLines,
    ];
    // The generator uses no quote or backslash, so JSON shows it as is; mrkdwn would escape "&".
    const forms = [generated, escapeMrkdwn(generated)];
    expect(elsewhere.filter((text) => forms.some((form) => text.includes(form)))).toEqual([]);
  });
});
