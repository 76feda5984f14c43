import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, passwordReveals, users } from "../../../src/db/schema.ts";
import { ACTION_IDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import type { RecordedCall } from "../../support/fake-slack.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import { openResetForm } from "../../support/reset-page-client.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import {
  blockIds,
  openSetPasswordModal,
  sentPasswordState,
  shownPassword,
  submitSetPassword,
} from "../../support/slack-views.ts";

const OLD_PASSWORD = "correct horse battery staple";
// Jane has a confirmed Slack account in the workspace; Una's is unconfirmed; Carl has none.
const JANE = { id: "U0JANE", email: "jane@example.com" };
const UNA = { id: "U0UNA", email: "una@example.com" };
const CARL = "carl@example.com";

describe.each(backends)("/set-password, Send it to the user, on %s", (backend) => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      slackUsers: [
        { id: JANE.id, teamId: SLACK.teamId, email: JANE.email, realName: "Jane" },
        {
          id: UNA.id,
          teamId: SLACK.teamId,
          email: UNA.email,
          realName: "Una",
          emailConfirmed: false,
        },
        { id: "U0DM", teamId: SLACK.teamId, email: "dm@example.com", realName: "Dee" },
        { id: "U0EXP", teamId: SLACK.teamId, email: "exp@example.com", realName: "Ex" },
      ],
      revealExpiryIntervalMillis: 100,
      async seed(repo) {
        for (const email of [
          JANE.email,
          UNA.email,
          CARL,
          "late@example.com",
          "again@example.com",
          "dm@example.com",
          "exp@example.com",
        ]) {
          await createTestUser(repo, email, { password: OLD_PASSWORD });
        }
      },
    });
  });
  afterAll(async () => {
    await slack?.close();
  });
  beforeEach(() => slack.fake.reset());

  function readUser(email: string) {
    return slack.inspect(async (_repo, db) => {
      const [user] = await db.select().from(users).where(eq(users.email, email));
      if (!user?.passwordHash) throw new Error(`no password for ${email}`);
      return {
        hash: user.passwordHash,
        reveals: await db.select().from(passwordReveals).where(eq(passwordReveals.userId, user.id)),
        audit: await db.select().from(auditLog).where(eq(auditLog.targetEmail, email)),
      };
    });
  }

  async function sendToUser(email: string) {
    const view = await openSetPasswordModal(slack, email);
    const switched = await slack.action({
      userId: STAFF.admin,
      teamId: SLACK.teamId,
      actionId: ACTION_IDS.setPasswordMode,
      blockId: "mode",
      selectedOption: { value: "send" },
      view: {
        viewId: view.id,
        hash: view.hash,
        callbackId: view.callback_id,
        privateMetadata: view.private_metadata,
      },
    });
    expect(switched.status).toBe(200);
    const update = await slack.fake.waitForCall("views.update");
    const blocks = (update.args.view as { blocks: Array<Record<string, unknown>> }).blocks;
    // No password inputs and no separate notice: the reveal is the user's notice.
    expect(blockIds({ blocks })).toEqual(["mode"]);
    const { body } = await submitSetPassword(slack, view, sentPasswordState());
    return body as { response_action: string; view: { blocks: Array<Record<string, unknown>> } };
  }

  function dmTo(userId: string): RecordedCall | undefined {
    const open = slack.fake.calls("conversations.open").find((call) => call.args.users === userId);
    const channel = (open?.response?.channel as { id?: string } | undefined)?.id;
    return slack.fake.calls("chat.postMessage").find((call) => call.args.channel === channel);
  }

  function revealButtonOf(message: RecordedCall): { value: string } {
    const blocks = message.args.blocks as Array<{ elements?: Array<Record<string, string>> }>;
    const button = blocks
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === ACTION_IDS.revealPassword);
    if (!button?.value) throw new Error("no Reveal button");
    return { value: button.value };
  }

  /** Clicks the Reveal button as `userId`; resolves to what was answered to them, if anything. */
  async function click(userId: string, value: string, triggerId: string) {
    const id = `reveal-${triggerId}`;
    const response = await slack.action({
      userId,
      teamId: SLACK.teamId,
      actionId: ACTION_IDS.revealPassword,
      blockId: "reveal",
      value,
      triggerId,
      responseUrl: slack.fake.responseUrl(id),
    });
    expect(response.status).toBe(200);
    return { answer: () => slack.fake.waitForResponse(id) };
  }

  it("DMs a confirmed Slack user a button; only they can reveal the password, once", async () => {
    const before = await readUser(JANE.email);
    const done = await sendToUser(JANE.email);

    expect(done.response_action).toBe("update");
    const confirmation = JSON.stringify(done.view.blocks);
    expect(confirmation).toContain("Waiting for the user");
    expect(confirmation).toContain("Slack DM");
    expect(() => shownPassword(done.view)).toThrow("no password");
    expect(slack.fake.calls("users.lookupByEmail")[0]?.args).toMatchObject({ email: JANE.email });

    const message = dmTo(JANE.id);
    if (!message) throw new Error("no DM to Jane");
    expect(String(message.args.text)).toContain("An administrator set a new password");
    const button = revealButtonOf(message);
    const after = await readUser(JANE.email);
    // The old password no longer works: the new one is set, waiting sealed for Jane.
    expect(after.hash).not.toBe(before.hash);
    expect(await argon2.verify(after.hash, OLD_PASSWORD)).toBe(false);
    expect(after.reveals).toHaveLength(1);
    expect(after.reveals[0]).toMatchObject({ channel: "slack", slackUserId: JANE.id });
    expect(after.reveals[0]?.sealedPassword).toMatch(/^v1\./);

    // The admin who set it, clicking a forwarded or forged button, gets nothing.
    const refused = await (await click(STAFF.admin, button.value, "trigger-admin")).answer();
    expect(JSON.stringify(refused.body)).toContain("does nothing for you");
    expect(slack.fake.calls("views.open")).toHaveLength(1); // the /set-password modal only

    await click(JANE.id, button.value, "trigger-jane-1");
    const modal = await slack.fake.waitForCall(
      "views.open",
      (call) => call.args.trigger_id === "trigger-jane-1",
    );
    const password = shownPassword(modal.args.view as { blocks: Array<Record<string, unknown>> });
    const revealed = await readUser(JANE.email);
    expect(await argon2.verify(revealed.hash, password)).toBe(true);
    expect(revealed.reveals[0]?.revealedAt).not.toBeNull();
    expect(revealed.reveals[0]?.sealedPassword).toBeNull();
    const closed = await slack.fake.waitForCall("chat.update");
    expect(JSON.stringify(closed.args)).toContain("You revealed your new password");
    expect(JSON.stringify(closed.args)).not.toContain(ACTION_IDS.revealPassword);

    const used = await (await click(JANE.id, button.value, "trigger-jane-2")).answer();
    expect(JSON.stringify(used.body)).toContain("already revealed");
    expect(
      slack.fake.calls("views.open").filter((call) => call.args.trigger_id === "trigger-jane-2"),
    ).toEqual([]);

    // The password went nowhere else: not to Slack but in the modal, not to the audit, not to the log.
    const elsewhere = slack.fake.calls().filter((call) => call !== modal);
    expect(JSON.stringify(elsewhere.map((call) => call.args))).not.toContain(password);
    expect(JSON.stringify(revealed.audit)).not.toContain(password);
    expect(slack.logLines.join("\n")).not.toContain(password);
    expect(revealed.audit.map((row) => row.action)).toEqual(
      expect.arrayContaining(["password.set", "password.revealed"]),
    );
  });

  it.each([
    ["an unconfirmed Slack email", UNA.email],
    ["no Slack account", CARL],
  ])(
    "emails a one-time link to a user with %s; GET shows a button, POST shows it once",
    async (_, email) => {
      const done = await sendToUser(email);
      expect(JSON.stringify(done.view.blocks)).toContain("one-time link");
      expect(
        slack.fake
          .calls("chat.postMessage")
          .filter((call) => call.args.channel !== SLACK.auditChannel),
      ).toEqual([]);

      const sent = await slack.waitForEmail(email, /new .* password/i);
      const link = sent.text.match(/https?:\/\/\S+\/lo\/reveal\?ticket=[\w-]+/)?.[0];
      if (!link) throw new Error("no reveal link in the email");
      const url = new URL(link);
      const here = `${slack.url}${url.pathname}${url.search}`;

      // A mail scanner's GET reveals nothing and uses nothing up.
      const scanned = await openResetForm(here);
      expect(scanned.response.status).toBe(200);
      expect(scanned.html).toContain("Show my password");
      const form = await openResetForm(here);
      // A ticket that never was: 404, as for the other emailed links.
      const unknown = await fetch(`${slack.url}/lo/reveal?ticket=never-issued`);
      expect(unknown.status).toBe(404);
      // A POST without the page's session (its CSRF cookie): the button again, the link unused.
      const forged = await fetch(`${slack.url}/lo/reveal`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ ticket: form.ticket, csrf: form.csrf }).toString(),
      });
      expect(forged.status).toBe(400);
      expect(await forged.text()).toContain("Show my password");
      const post = () =>
        fetch(`${slack.url}/lo/reveal`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
          body: new URLSearchParams({ ticket: form.ticket, csrf: form.csrf }).toString(),
        });
      const shown = await post();
      expect(shown.status).toBe(200);
      expect(shown.headers.get("cache-control")).toBe("no-store");
      const password = (await shown.text()).match(
        /<code id="revealed-password"[^>]*>([^<]+)</,
      )?.[1];
      if (!password) throw new Error("the page shows no password");
      const unescaped = password
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&amp;", "&")
        .replaceAll("&quot;", '"')
        .replaceAll("&#39;", "'");
      const { hash, audit } = await readUser(email);
      expect(await argon2.verify(hash, unescaped)).toBe(true);
      expect(sent.text).not.toContain(unescaped);
      expect(JSON.stringify(audit)).not.toContain(unescaped);

      const again = await post();
      expect(again.status).toBe(410);
      expect(await again.text()).toContain("already shown");
    },
  );

  it("sends the link by email when Slack will not open the DM", async () => {
    slack.fake.failNext("conversations.open", { error: "user_disabled" });
    const done = await sendToUser("dm@example.com");
    expect(JSON.stringify(done.view.blocks)).toContain("one-time link");
    const sent = await slack.waitForEmail("dm@example.com", /new .* password/i);
    expect(sent.text).toMatch(/\/lo\/reveal\?ticket=/);
    const { reveals, audit } = await readUser("dm@example.com");
    expect(reveals[0]).toMatchObject({ channel: "email" });
    expect(audit.map((row) => [row.action, row.outcome])).toContainEqual([
      "password.reveal_rerouted",
      "email",
    ]);
  });

  it("a Reveal button clicked after the expiry shows nothing and says so", async () => {
    await sendToUser("exp@example.com");
    const message = dmTo("U0EXP");
    if (!message) throw new Error("no DM");
    const button = revealButtonOf(message);
    slack.clock.advance(24 * 3600 * 1000 + 1000);
    await slack.waitForEmail("exp@example.com", /expired/);
    const answer = await (await click("U0EXP", button.value, "trigger-exp")).answer();
    expect(JSON.stringify(answer.body)).toContain("expired before it was revealed");
    expect(
      slack.fake.calls("views.open").filter((call) => call.args.trigger_id === "trigger-exp"),
    ).toEqual([]);
  });

  it("an unrevealed password expires: it stops working, the user is told, the link says so", async () => {
    await sendToUser("late@example.com");
    const link = (await slack.waitForEmail("late@example.com", /new .* password/i)).text.match(
      /\/lo\/reveal\?ticket=[\w-]+/,
    )?.[0];
    const waiting = await readUser("late@example.com");
    slack.clock.advance(24 * 3600 * 1000 + 1000);
    const told = await slack.waitForEmail("late@example.com", /expired/);
    expect(told.text).toMatch(/no\s+longer\s+works/);
    const expired = await readUser("late@example.com");
    expect(expired.hash).not.toBe(waiting.hash);
    expect(expired.reveals[0]?.expiredAt).not.toBeNull();
    expect(expired.reveals[0]?.sealedPassword).toBeNull();
    expect(expired.audit.map((row) => [row.action, row.outcome])).toContainEqual([
      "password.reveal_expired",
      "invalidated",
    ]);
    const page = await fetch(`${slack.url}${link}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain("Link expired");
  });

  it("a reveal superseded by a newer password set is refused", async () => {
    await sendToUser("again@example.com");
    const first = await readUser("again@example.com");
    const link = (await slack.waitForEmail("again@example.com", /new .* password/i)).text.match(
      /\/lo\/reveal\?ticket=[\w-]+/,
    )?.[0];
    await sendToUser("again@example.com");
    const form = await openResetForm(`${slack.url}${link}`);
    const refused = await fetch(`${slack.url}/lo/reveal`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: form.cookie },
      body: new URLSearchParams({ ticket: form.ticket, csrf: form.csrf }).toString(),
    });
    expect(refused.status).toBe(410);
    expect(await refused.text()).toContain("changed again");
    expect(first.reveals).toHaveLength(1);
  });
});
