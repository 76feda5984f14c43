import argon2 from "argon2";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, setPasswordApprovals, users } from "../../../src/db/schema.ts";
import { INPUT_ACTION_ID } from "../../../src/slack/block-kit.ts";
import { ACTION_IDS, SET_PASSWORD_BLOCKS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import type { RecordedCall } from "../../support/fake-slack.ts";
import { createTestUser } from "../../support/reset-fixture.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import {
  blockIds,
  type OpenedView,
  openSetPasswordModal,
  shownPassword,
  submitSetPassword,
} from "../../support/slack-views.ts";

const OLD_PASSWORD = "correct horse battery staple";
const SECOND_ADMIN = "U0SECOND";
const APPROVAL_CHANNEL = "C0APPROVE";
const JANE = { id: "U0JANE", email: "jane@example.com" };
const OPEN_CONNECTION = "no-approval-db";

describe.each(backends)("four-eyes /set-password on %s", (backend) => {
  let slack: SlackPassdesk;
  let triggers = 0;

  beforeAll(async () => {
    slack = await startSlackPassdesk(backend, {
      env: {
        SLACK_ADMIN_USERS: `${STAFF.admin},${SECOND_ADMIN}`,
        SLACK_APPROVAL_CHANNEL: APPROVAL_CHANNEL,
        SET_PASSWORD_APPROVAL: "required",
        SET_PASSWORD_APPROVAL_MINUTES: "30",
      },
      slackUsers: [{ id: JANE.id, teamId: SLACK.teamId, email: JANE.email, realName: "Jane" }],
      approvalExpiryIntervalMillis: 100,
      async seed(repo) {
        for (const email of [JANE.email, "denied@example.com", "late@example.com"]) {
          await createTestUser(repo, email, { password: OLD_PASSWORD });
        }
        await repo.connections.add({ name: OPEN_CONNECTION, strategy: "database" });
        await repo.connections.setSetPasswordApproval(OPEN_CONNECTION, "off");
        await createTestUser(repo, "free@example.com", {
          password: OLD_PASSWORD,
          connection: OPEN_CONNECTION,
        });
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
        approvals: await db
          .select()
          .from(setPasswordApprovals)
          .where(eq(setPasswordApprovals.userId, user.id)),
        audit: await db.select().from(auditLog).where(eq(auditLog.targetEmail, email)),
      };
    });
  }

  /** Opens the modal and asks for approval; the card posted and its buttons' value. */
  async function requestApproval(email: string, reason = "locked out, called the helpdesk") {
    const view = await openSetPasswordModal(slack, email);
    expect(blockIds(view)).toEqual([SET_PASSWORD_BLOCKS.reason]);
    const { body } = await submitSetPassword(slack, view, reasonState(reason));
    const card = await slack.fake.waitForCall(
      "chat.postMessage",
      (call) => call.args.channel === APPROVAL_CHANNEL,
    );
    return { view, body: body as { response_action: string; view: OpenedView }, card };
  }

  function reasonState(reason: string) {
    return {
      [SET_PASSWORD_BLOCKS.reason]: {
        [INPUT_ACTION_ID]: { type: "plain_text_input", value: reason },
      },
    };
  }

  function buttonValue(message: RecordedCall, actionId: string): string {
    const blocks = message.args.blocks as Array<{ elements?: Array<Record<string, string>> }>;
    const button = blocks
      .flatMap((block) => block.elements ?? [])
      .find((element) => element.action_id === actionId);
    if (!button?.value) throw new Error(`no ${actionId} button`);
    return button.value;
  }

  /** Clicks a card (or DM) button as `userId`; resolves to the ephemeral answer, if any. */
  async function click(userId: string, actionId: string, value: string) {
    const id = `click-${++triggers}`;
    const response = await slack.action({
      userId,
      teamId: SLACK.teamId,
      actionId,
      blockId: "card",
      value,
      triggerId: id,
      responseUrl: slack.fake.responseUrl(id),
    });
    expect(response.status).toBe(200);
    return { id, answer: async () => JSON.stringify((await slack.fake.waitForResponse(id)).body) };
  }

  function dmTo(userId: string): RecordedCall[] {
    const open = slack.fake.calls("conversations.open").find((call) => call.args.users === userId);
    const channel = (open?.response?.channel as { id?: string } | undefined)?.id;
    return slack.fake.calls("chat.postMessage").filter((call) => call.args.channel === channel);
  }

  const cardUpdate = (text: string) =>
    slack.fake.waitForCall(
      "chat.update",
      (call) => call.args.channel === APPROVAL_CHANNEL && JSON.stringify(call.args).includes(text),
    );

  it("a second admin's approval sends a generated password to the user alone", async () => {
    const before = await readUser(JANE.email);
    const { body, card } = await requestApproval(JANE.email);
    expect(body.response_action).toBe("update");
    expect(JSON.stringify(body.view.blocks)).toContain("Waiting for approval by another admin");
    const shownCard = JSON.stringify(card.args);
    expect(shownCard).not.toContain(JANE.email);
    expect(shownCard).toContain("j•••@example.com");
    expect(shownCard).toContain(`<@${STAFF.admin}>`);
    expect(shownCard).toContain("locked out, called the helpdesk");
    const value = buttonValue(card, ACTION_IDS.approveSetPassword);

    // The requester, then a non-admin: refused, and nothing changes.
    const own = await click(STAFF.admin, ACTION_IDS.approveSetPassword, value);
    expect(await own.answer()).toContain("another admin must decide");
    const support = await click(STAFF.support, ACTION_IDS.approveSetPassword, value);
    expect(await support.answer()).toContain("Only Passdesk admins");
    const unchanged = await readUser(JANE.email);
    expect(unchanged.hash).toBe(before.hash);
    expect(unchanged.approvals[0]).toMatchObject({ status: "pending" });

    await click(SECOND_ADMIN, ACTION_IDS.approveSetPassword, value);
    const closed = await cardUpdate(`Approved by <@${SECOND_ADMIN}>`);
    expect(JSON.stringify(closed.args)).not.toContain(ACTION_IDS.approveSetPassword);
    const [reveal] = dmTo(JANE.id);
    if (!reveal) throw new Error("no DM to Jane");
    await slack.fake.waitForCall("chat.postMessage", () =>
      dmTo(STAFF.admin).some((call) => String(call.args.text).includes("Approved by")),
    );
    await click(JANE.id, ACTION_IDS.revealPassword, buttonValue(reveal, ACTION_IDS.revealPassword));
    const modal = await slack.fake.waitForCall("views.open", (call) =>
      JSON.stringify(call.args.view).includes("Your new password"),
    );
    const password = shownPassword(modal.args.view as OpenedView);
    const after = await readUser(JANE.email);
    expect(await argon2.verify(after.hash, password)).toBe(true);
    expect(after.approvals[0]).toMatchObject({ status: "approved", decidedBy: SECOND_ADMIN });
    const set = after.audit.find((row) => row.action === "password.set");
    expect(set).toMatchObject({ actorId: SECOND_ADMIN });
    expect(set?.details).toMatchObject({ mode: "send", requestedBy: STAFF.admin });
    expect(after.audit.map((row) => [row.action, row.outcome])).toEqual(
      expect.arrayContaining([
        ["password.set_requested", "pending"],
        ["password.approval_refused", "self_approval"],
        ["password.set_approved", "approved"],
      ]),
    );
    expect(JSON.stringify(after.audit)).not.toContain(password);

    // A replayed approval, or a late denial, changes nothing.
    const replay = await click(SECOND_ADMIN, ACTION_IDS.approveSetPassword, value);
    expect(await replay.answer()).toContain("no longer pending");
    const late = await click(SECOND_ADMIN, ACTION_IDS.denySetPassword, value);
    expect(await late.answer()).toContain("no longer pending");
    expect((await readUser(JANE.email)).hash).toBe(after.hash);
  });

  it("a denied request changes nothing, and the requester is told", async () => {
    const before = await readUser("denied@example.com");
    const { card } = await requestApproval("denied@example.com");
    await click(
      SECOND_ADMIN,
      ACTION_IDS.denySetPassword,
      buttonValue(card, ACTION_IDS.denySetPassword),
    );
    await cardUpdate(`Denied by <@${SECOND_ADMIN}>`);
    await slack.fake.waitForCall("chat.postMessage", () =>
      dmTo(STAFF.admin).some((call) => String(call.args.text).includes("Denied")),
    );
    const after = await readUser("denied@example.com");
    expect(after.hash).toBe(before.hash);
    expect(after.approvals[0]).toMatchObject({ status: "denied", decidedBy: SECOND_ADMIN });
  });

  it("an undecided request expires: the card and the requester say so, and approval changes nothing", async () => {
    const before = await readUser("late@example.com");
    const { card } = await requestApproval("late@example.com");
    slack.clock.advance(31 * 60_000);
    await cardUpdate("Expired");
    const late = await click(
      SECOND_ADMIN,
      ACTION_IDS.approveSetPassword,
      buttonValue(card, ACTION_IDS.approveSetPassword),
    );
    expect(await late.answer()).toContain("no longer pending");
    const after = await readUser("late@example.com");
    expect(after.hash).toBe(before.hash);
    expect(after.approvals[0]).toMatchObject({ status: "expired" });
    expect(after.audit.map((row) => row.action)).toContain("password.set_request_expired");
  });

  it("a connection's own setting overrides the default: off there, the usual modal opens", async () => {
    const view = await openSetPasswordModal(slack, `free@example.com ${OPEN_CONNECTION}`);
    expect(blockIds(view)).toContain(SET_PASSWORD_BLOCKS.mode);
    expect(blockIds(view)).not.toContain(SET_PASSWORD_BLOCKS.reason);
  });

  it("a password typed into a forged submission is refused where approval is required", async () => {
    const before = await readUser(JANE.email);
    const view = await openSetPasswordModal(slack, JANE.email);
    const { body } = await submitSetPassword(slack, view, {
      [SET_PASSWORD_BLOCKS.mode]: {
        [ACTION_IDS.setPasswordMode]: {
          type: "radio_buttons",
          selected_option: { text: { type: "plain_text", text: "type" }, value: "type" },
        },
      },
    });
    expect(JSON.stringify(body)).toContain("must now approve");
    expect((await readUser(JANE.email)).hash).toBe(before.hash);
  });
});
