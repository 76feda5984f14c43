import { asc, isNotNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, users } from "../../src/db/schema.ts";
import { tokenIn } from "../support/memory-mailer.ts";
import { testHasher } from "../support/reset-fixture.ts";
import { openResetForm, submitResetForm } from "../support/reset-page-client.ts";
import { SLACK, type SlackPassdesk, STAFF, startSlackPassdesk } from "../support/slack-passdesk.ts";
import {
  type OpenedView,
  openSetPasswordModal,
  submitSetPassword,
  typedPasswordState,
} from "../support/slack-views.ts";
import { sleep, waitFor } from "../support/wait-for.ts";
import { faultBackend } from "./support/backend.ts";
import { writeFaultReport } from "./support/fault-report.ts";
import { postChangePassword } from "./support/reset-api.ts";
import { numberedEmails, seedUsers } from "./support/seed-users.ts";

const RESET = numberedEmails("slack-reset", 8);
const SET = numberedEmails("slack-set", 4);
const SELF = numberedEmails("slack-self", 2);
const NEW_PASSWORD = "lanterns drift over harbour water";
/** Each phase holds Slack down this long; the actions are spread over it. */
const PHASE_MILLIS = 2_500;

describe(`a Slack outage during Slack actions (${faultBackend})`, () => {
  let slack: SlackPassdesk;

  beforeAll(async () => {
    slack = await startSlackPassdesk(faultBackend, {
      seed: (repo) => seedUsers(repo, [...RESET, ...SET, ...SELF]),
    });
  });
  afterAll(async () => {
    await slack?.close();
  });

  /** An action per user, spread over one phase of the outage; resolves with what each said. */
  async function during<T>(items: string[], act: (item: string) => Promise<T>): Promise<T[]> {
    const results: T[] = [];
    for (const item of items) {
      results.push(await act(item));
      await sleep(PHASE_MILLIS / items.length);
    }
    return results;
  }

  async function resetFromSlack(email: string): Promise<string> {
    const command = await slack.command(STAFF.admin, "/reset-password", email);
    expect(command.response.status).toBe(200);
    return (await command.reply()).text;
  }

  async function setFromSlack(view: OpenedView): Promise<unknown> {
    const submitted = await submitSetPassword(slack, view, typedPasswordState(NEW_PASSWORD));
    return submitted.body?.response_action;
  }

  async function completeReset(email: string): Promise<number> {
    const link = `${slack.url}/lo/reset?ticket=${tokenIn(await slack.waitForEmail(email))}`;
    const form = await openResetForm(link);
    return (await submitResetForm(`${slack.url}/lo/reset`, form, NEW_PASSWORD)).status;
  }

  it("completes every action while Slack fails, then posts each audit message once, in order", {
    timeout: 120_000,
  }, async () => {
    const startedAt = Date.now();
    // Before the outage: modals are open (opening one needs Slack) and reset emails are out.
    const views = new Map<string, OpenedView>();
    for (const email of SET) views.set(email, await openSetPasswordModal(slack, email));
    for (const email of SELF) expect((await postChangePassword(slack.url, email)).status).toBe(200);
    await waitFor(
      () => SELF.every((email) => slack.emails.some((sent) => sent.to === email)),
      20_000,
      "the self-service reset emails",
    );
    const postedBefore = slack.auditMessages().length;

    const half = (list: string[], part: 0 | 1) =>
      part === 0 ? list.slice(0, list.length / 2) : list.slice(list.length / 2);
    const outageStartedAt = Date.now();
    slack.fake.failAll("*", { status: 500 });
    const phase500 = await Promise.all([
      during(half(RESET, 0), resetFromSlack),
      during(half(SET, 0), (email) => setFromSlack(views.get(email) as OpenedView)),
      during(half(SELF, 0), completeReset),
    ]);
    slack.fake.recover();
    slack.fake.failAll("*", { retryAfterSeconds: 1 });
    const phase429 = await Promise.all([
      during(half(RESET, 1), resetFromSlack),
      during(half(SET, 1), (email) => setFromSlack(views.get(email) as OpenedView)),
      during(half(SELF, 1), completeReset),
    ]);
    const failedCalls = slack.fake.calls().filter((call) => call.status !== 200).length;
    expect(slack.auditMessages()).toHaveLength(postedBefore);
    slack.fake.recover();
    const recoveredAt = Date.now();

    // Every action completed during the outage.
    const replies = [...phase500[0], ...phase429[0]];
    expect(replies.every((reply) => reply.includes("Password reset email queued"))).toBe(true);
    expect([...phase500[1], ...phase429[1]].every((action) => action === "update")).toBe(true);
    expect([...phase500[2], ...phase429[2]].every((status) => status === 200)).toBe(true);
    for (const email of RESET) await slack.waitForEmail(email);

    // Audit rows are durable: after recovery each is posted once, oldest first.
    const expected = RESET.length + SET.length + SELF.length;
    await waitFor(
      () => slack.auditMessages().length >= postedBefore + expected,
      60_000,
      `${expected} audit messages after recovery`,
    );
    const drainedAt = Date.now();
    await sleep(2_000); // a duplicate post would show up now
    const posted = slack.auditMessages();
    const { rows, hashes } = await slack.inspect(async (_repo, db) => ({
      rows: await db
        .select()
        .from(auditLog)
        .where(isNotNull(auditLog.slackState))
        .orderBy(asc(auditLog.id)),
      hashes: await db.select({ email: users.email, hash: users.passwordHash }).from(users),
    }));
    const postedTs = posted.map((call) => String(call.response?.ts));
    const outOfOrder = rows.filter((row, i) => row.slackTs !== postedTs[i]).length;
    writeFaultReport("slack-outage", {
      backend: faultBackend,
      slackResets: RESET.length,
      passwordsSetInSlack: SET.length,
      resetsCompletedOnPage: SELF.length,
      failedSlackApiCalls: failedCalls,
      auditMessagesWaiting: expected,
      auditMessagesPosted: posted.length - postedBefore,
      auditRowsPosted: rows.length,
      duplicatePosts: posted.length - new Set(postedTs).size,
      rowsPostedOutOfOrder: outOfOrder,
      outageMillis: recoveredAt - outageStartedAt,
      lastAuditMessageMillisAfterRecovery: drainedAt - recoveredAt,
      runSeconds: Math.round((Date.now() - startedAt) / 1000),
      channel: SLACK.auditChannel,
    });

    expect(rows.every((row) => row.slackState === "posted")).toBe(true);
    expect(posted).toHaveLength(rows.length);
    expect(new Set(postedTs).size).toBe(posted.length);
    for (const email of [...SET, ...SELF]) {
      const hash = hashes.find((row) => row.email === email)?.hash ?? "";
      expect(await testHasher.verify(hash, NEW_PASSWORD), email).toBe(true);
    }
    // The channel shows the rows in the order they happened.
    expect(rows.map((row) => row.slackTs)).toEqual(postedTs);
  });
});
