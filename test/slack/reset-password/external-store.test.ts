import { and, asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { auditLog, resetRequests } from "../../../src/db/schema.ts";
import type { OutgoingEmail } from "../../../src/email/mailer.ts";
import { STORE_COOLDOWN_MILLIS } from "../../../src/password-reset/resolve-requests.ts";
import { ACTION_IDS, COMMANDS } from "../../../src/slack/contract.ts";
import { backends } from "../../support/database.ts";
import {
  type AppStore,
  addStoreConnection,
  listStoreKinds,
  STORE_CONNECTION,
  type StoreKind,
} from "../../support/external-store-fixture.ts";
import { tokenIn } from "../../support/memory-mailer.ts";
import { openResetForm, submitResetForm } from "../../support/reset-page-client.ts";
import {
  SLACK,
  type SlackPassdesk,
  STAFF,
  startSlackPassdesk,
} from "../../support/slack-passdesk.ts";
import { waitFor } from "../../support/wait-for.ts";

/*
 * Support staff's /reset-password for a user who lives only in the organisation's own store (a
 * Devise table, a Laravel table, a signed HTTP API), through the real Bolt code paths against a
 * fake Slack and the running worker: the reply says the email is queued, the worker mails that
 * user's address (greeting them by the app's name), the link sets a password the app's own check
 * accepts; an unknown address gets "There is no user" and no email; with the store down the
 * request is kept (`deferred`), nothing is sent while it is down, and the email goes out once the
 * store is back; the audit channel's Resend button works for the store's user too.
 */

const NAME = "Jane Appleseed";
const OLD_PASSWORD = "old horse battery staple";
// Neither the name nor the email's local part: the policy's personal-data rule is on.
const NEW_PASSWORD = "violet lanterns drift upstream";
const CHANGE_SUBJECT = /^Reset your/;
const PASSWORD_CHANGED = "Your password has been changed.";

const kinds = await listStoreKinds();
for (const kind of kinds) {
  if (kind.skip) console.warn(`reset-password external-store: ${kind.name} skipped: ${kind.skip}`);
}

for (const backend of backends) {
  for (const kind of kinds) {
    const skipped = kind.skip ? ` (skipped: ${kind.skip})` : "";
    describe.skipIf(kind.skip !== undefined)(
      `/reset-password for a user of a ${kind.name}, Passdesk on ${backend}${skipped}`,
      () => defineResetPassword(backend, kind),
    );
  }
}

function defineResetPassword(backend: (typeof backends)[number], kind: StoreKind) {
  const email = `jane.${kind.slug}@example.com`;
  const masked = "j•••@example.com";
  const queued = `:email: Password reset email queued for *${email}* in \`${STORE_CONNECTION}\`.`;
  let app: AppStore;
  let slack: SlackPassdesk;
  let savedEnv: Record<string, string | undefined> = {};

  beforeAll(async () => {
    app = await kind.open();
    // Only the app's table knows her: Passdesk's database gets the connection, no user.
    await app.addUser({ email, password: OLD_PASSWORD, name: NAME });
    // The Slack test server reads the store's URL or secret from the process environment, as
    // production does; the variable's name is unique to this store.
    savedEnv = Object.fromEntries(Object.keys(app.env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, app.env);
    slack = await startSlackPassdesk(backend, {
      seed: (repo) => addStoreConnection(repo, app.store),
    });
  });

  afterAll(async () => {
    await slack?.close();
    await app?.close();
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  beforeEach(() => slack.fake.reset());
  afterEach(async () => {
    await app.up();
  });

  /** What Passdesk logged at warn or error level since `from`: message and error, one a line. */
  function problemsLogged(from: number): string {
    return slack.logLines
      .slice(from)
      .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } })
      .filter((entry) => entry.level >= 40)
      .map((entry) => `${entry.msg}: ${entry.err?.message ?? ""}`)
      .join("\n");
  }

  /** Runs /reset-password as support staff; the ephemeral reply's text. */
  async function resetFromSlack(text: string): Promise<string> {
    const logged = slack.logLines.length;
    const command = await slack.command(STAFF.support, COMMANDS.resetPassword, text);
    expect(command.response.status).toBe(200);
    expect(command.ackBody).toBe("");
    const reply = await command.reply().catch((error: Error) => ({
      text: `no reply: ${error.message}; Passdesk logged:\n${problemsLogged(logged)}`,
      response_type: undefined,
    }));
    expect(reply.response_type).toBe("ephemeral");
    return reply.text;
  }

  /** The emails sent from index `from` of the memory mailer on. */
  const sentSince = (from: number): OutgoingEmail[] => slack.emails.slice(from);

  /** Waits for the first reset email from index `from` on, and checks it went to her only. */
  async function waitForResetEmail(from: number, timeoutMillis = 10_000): Promise<OutgoingEmail> {
    await waitFor(
      () => sentSince(from).length > 0,
      timeoutMillis,
      `a reset email to ${email} (Passdesk logged:\n${problemsLogged(0)})`,
    );
    const [sent, ...others] = sentSince(from);
    expect(others).toEqual([]);
    expect(sent?.to).toBe(email);
    expect(sent?.subject).toMatch(CHANGE_SUBJECT);
    // `user.name` of the default template comes from the app's row.
    expect(sent?.text).toContain(`Hello ${NAME},`);
    expect(sent?.text).toContain(email);
    return sent as OutgoingEmail;
  }

  /** The emailed link, on the running server (the email's PUBLIC_URL names no server here). */
  const linkOn = (sent: OutgoingEmail) => `${slack.url}/lo/reset?ticket=${tokenIn(sent)}`;

  function requestsFor(address: string) {
    return slack.inspect((_repo, db) =>
      db
        .select()
        .from(resetRequests)
        .where(eq(resetRequests.email, address))
        .orderBy(asc(resetRequests.id)),
    );
  }

  it("queues the email for the app's user, and the worker mails her address only, greeting her by the app's name", async () => {
    const from = slack.emails.length;

    expect(await resetFromSlack(`${email} ${STORE_CONNECTION}`)).toBe(queued);

    const sent = await waitForResetEmail(from);
    expect(tokenIn(sent)).not.toBe("");
    const message = await slack.waitForAuditMessage(`requested a password reset for ${masked}`);
    expect(message.args.text).toBe(
      `<@${STAFF.support}> requested a password reset for ${masked} (queued)`,
    );
    expect(JSON.stringify(message.args.blocks)).toContain(
      `"action_id":"${ACTION_IDS.resendReset}"`,
    );
    const requests = await requestsFor(email);
    expect(requests).toEqual([
      expect.objectContaining({
        source: "slack",
        status: "queued",
        connection: STORE_CONNECTION,
        userId: expect.any(Number),
        requestedBy: expect.objectContaining({ teamId: SLACK.teamId, userId: STAFF.support }),
      }),
    ]);
    const audit = await slack.inspect((_repo, db) =>
      db
        .select()
        .from(auditLog)
        .where(
          and(eq(auditLog.targetEmail, email), eq(auditLog.action, "password_reset.requested")),
        ),
    );
    expect(audit).toEqual([
      expect.objectContaining({
        actorType: "slack",
        actorId: STAFF.support,
        outcome: "queued",
        connection: STORE_CONNECTION,
        requestId: requests[0]?.publicId,
      }),
    ]);
  });

  it("the emailed link saves a new password in the app's store: its own check takes it, not the old one", async () => {
    const from = slack.emails.length;
    expect(await resetFromSlack(`${email} ${STORE_CONNECTION}`)).toBe(queued);
    const sent = await waitForResetEmail(from);

    const form = await openResetForm(linkOn(sent));
    expect(form.response.status).toBe(200);
    expect(form.csrf).not.toBe("");
    const submitted = await submitResetForm(`${slack.url}/lo/reset`, form, NEW_PASSWORD);
    const page = await submitted.text();

    expect(submitted.status, page).toBe(200);
    expect(page).toContain(PASSWORD_CHANGED);
    expect(await app.accepts(email, NEW_PASSWORD)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    if (app.hashOf) {
      // Written in the app's own format, so that its bcrypt.compare / password_verify works.
      expect(await app.hashOf(email)).toMatch(new RegExp(`^\\$${app.prefix}\\$05\\$`));
    }
    const completed = await slack.waitForAuditMessage("completed a password reset");
    expect(completed.args.text).toBe(`The user completed a password reset for ${masked} (success)`);
    expect((await openResetForm(linkOn(sent))).response.status).toBe(410);
    // Her own change on the reset page: the worker tells her so, at her address only.
    await waitFor(() => sentSince(from).length > 1, 10_000, "the password-changed notice");
    const [, notice, ...more] = sentSince(from);
    expect(more).toEqual([]);
    expect(notice?.to).toBe(email);
    expect(notice?.text).toMatch(/was\s+changed\s+by\s+you\s+on/);
    const everywhere = [JSON.stringify(slack.fake.calls()), ...slack.logLines, notice?.text];
    expect(everywhere.filter((text) => text?.includes(NEW_PASSWORD))).toEqual([]);
  });

  it("says there is no such user for an address the app's table does not have, and sends nothing", async () => {
    const nobody = `nobody.${kind.slug}@example.com`;
    const from = slack.emails.length;

    expect(await resetFromSlack(`${nobody} ${STORE_CONNECTION}`)).toBe(
      `There is no user *${nobody}* in \`${STORE_CONNECTION}\`: no email was sent.`,
    );

    await slack.waitForAuditMessage(
      `<@${STAFF.support}> requested a password reset for n•••@example.com (unknown_user)`,
    );
    expect(await requestsFor(nobody)).toEqual([
      expect.objectContaining({ status: "unknown_user", userId: null }),
    ]);
    // Decided in the command's transaction: no outbox row, so no pass of the worker mails it.
    expect(sentSince(from)).toEqual([]);
  });

  it("with the store down, the request is kept (deferred), nothing is sent, and the email goes out once the store is back", async () => {
    await app.down();
    const from = slack.emails.length;
    const logged = slack.logLines.length;

    expect(await resetFromSlack(`${email} ${STORE_CONNECTION}`)).toBe(
      `:hourglass: The user store of \`${STORE_CONNECTION}\` is not answering right now. The request for *${email}* is kept: Passdesk asks the store again shortly, and the email goes out if the user is there.`,
    );

    // A pass of the worker asked the store, could not, and left the request pending.
    await waitFor(
      () =>
        slack.logLines
          .slice(logged)
          .some((line) => line.includes("reset requests wait for their user store")),
      10_000,
      "the worker's pass that finds the store down",
    );
    const pending = await requestsFor(email);
    expect(pending.at(-1)).toMatchObject({ status: "pending", processedAt: null });
    expect(sentSince(from)).toEqual([]);
    expect(slack.auditMessages().filter((call) => String(call.args.text).includes(masked))).toEqual(
      [],
    );

    await app.up();
    // The worker leaves a failed store alone for STORE_COOLDOWN_MILLIS, by Passdesk's clock.
    slack.clock.advance(STORE_COOLDOWN_MILLIS + 1_000);

    const sent = await waitForResetEmail(from, 40_000);
    const message = await slack.waitForAuditMessage(`requested a password reset for ${masked}`);
    expect(message.args.text).toBe(
      `<@${STAFF.support}> requested a password reset for ${masked} (queued)`,
    );
    const form = await openResetForm(linkOn(sent));
    expect(form.response.status).toBe(200);
    const resolved = await requestsFor(email);
    expect(resolved.at(-1)).toMatchObject({
      publicId: pending.at(-1)?.publicId,
      status: "queued",
      userId: expect.any(Number),
    });
  });

  it("the Resend button on the audit message mails her again, and only the newest link works", async () => {
    const from = slack.emails.length;
    expect(await resetFromSlack(`${email} ${STORE_CONNECTION}`)).toBe(queued);
    const first = await waitForResetEmail(from);
    const audit = await slack.waitForAuditMessage(
      `requested a password reset for ${masked} (queued)`,
    );
    const requestId = JSON.stringify(audit.args.blocks).match(/req_[\w-]+/)?.[0];
    expect(requestId).toBeDefined();

    const resentFrom = slack.emails.length;
    const clicked = await slack.action({
      userId: STAFF.support,
      teamId: SLACK.teamId,
      actionId: ACTION_IDS.resendReset,
      blockId: "resend",
      value: requestId as string,
      responseUrl: slack.fake.responseUrl("resend-store-user"),
    });

    expect(clicked.status).toBe(200);
    const answered = await slack.fake.waitForResponse("resend-store-user");
    expect(answered.body).toMatchObject({ response_type: "ephemeral", text: queued });
    const second = await waitForResetEmail(resentFrom);
    expect(tokenIn(second)).not.toBe(tokenIn(first));
    expect((await openResetForm(linkOn(first))).response.status).toBe(410);
    expect((await openResetForm(linkOn(second))).response.status).toBe(200);
  });
}
