import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { MailerError } from "../../src/email/mailer.ts";
import { inspectTicket } from "../../src/password-reset/complete-reset.ts";
import { requestPasswordReset } from "../../src/password-reset/request-reset.ts";
import { resolvePendingRequests } from "../../src/password-reset/resolve-requests.ts";
import { inspectSecureAccountLink } from "../../src/password-reset/secure-account.ts";
import { ExternalStoreUnavailableError } from "../../src/users/external-store.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { createMemoryMailer, tokenIn } from "../support/memory-mailer.ts";
import {
  createTestUser,
  DEFAULT_CONNECTION,
  sendDependencies,
  testLimits,
  testRecipientLimit,
} from "../support/reset-fixture.ts";
import { queuePasswordChangedNotice, secureLinkIn } from "../support/secure-link.ts";
import { sendDueEmails } from "../support/send-due-emails.ts";

describe.each(backends)("the email outbox on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let repo: Repository;
  const clock = createManualClock(new Date("2026-03-01T00:00:00Z"));

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
    repo = database.repo;
    for (let i = 0; i < 20; i++) await createTestUser(repo, `user${i}@example.com`);
  });
  afterAll(() => database.close());

  async function queue(emails: string[]) {
    for (const [i, email] of emails.entries()) {
      const result = await requestPasswordReset(
        { stores: repo, clock, limits: testLimits },
        {
          email,
          connection: DEFAULT_CONNECTION,
          clientId: null,
          organization: null,
          clientIp: `10.9.${i}.1`,
        },
      );
      expect(result.ok).toBe(true);
    }
    while (
      (await resolvePendingRequests({ repo, clock, recipientLimit: testRecipientLimit })).count > 0
    ) {}
  }

  it("retries after a provider outage until every queued email is sent, each once", async () => {
    const mailer = createMemoryMailer();
    const deps = sendDependencies(repo, mailer, clock);
    const emails = Array.from({ length: 10 }, (_, i) => `user${i}@example.com`);
    await queue(emails);
    mailer.failNext(25, new MailerError("SendGrid answered 503", "retryable", { status: 503 }));
    for (let round = 0; round < 20 && mailer.sent.length < 10; round++) {
      await sendDueEmails(deps);
      clock.advance(20 * 60_000);
    }
    expect(mailer.sent.map((email) => email.to).sort()).toEqual([...emails].sort());
    for (const email of mailer.sent)
      expect((await inspectTicket({ repo, clock }, tokenIn(email))).status).not.toBe("invalid");
  });

  it("a failed send revokes its ticket and a permanent failure is recorded, not retried", async () => {
    const mailer = createMemoryMailer();
    const deps = sendDependencies(repo, mailer, clock);
    await queue(["user10@example.com"]);
    mailer.failNext(
      1,
      new MailerError("SendGrid answered 400: invalid from", "permanent", { status: 400 }),
    );
    expect(await sendDueEmails(deps)).toEqual({ sent: 0, retrying: 0, failed: 1 });
    clock.advance(3_600_000);
    expect(await sendDueEmails(deps)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    const audit = await repo.audit.tail(5);
    expect(audit.at(-1)).toMatchObject({
      action: "password_reset.email",
      outcome: "provider_failure",
    });
    expect(JSON.stringify(audit.at(-1)?.details)).toContain("invalid from");
  });

  it("an email whose sender died mid-send is sent again once its lease runs out", async () => {
    const mailer = createMemoryMailer();
    const deps = { ...sendDependencies(repo, mailer, clock), leaseMillis: 30_000 };
    await queue(["user11@example.com"]);
    const leased = await repo.outbox.claimDue(
      clock.now(),
      new Date(clock.now().getTime() + 30_000),
      10,
    );
    expect(leased).toHaveLength(1);
    expect(await sendDueEmails(deps)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    clock.advance(30_001);
    expect(await sendDueEmails(deps)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(mailer.sent.map((email) => email.to)).toEqual(["user11@example.com"]);
  });

  it("concurrent senders never send one email twice", async () => {
    const mailer = createMemoryMailer();
    const deps = sendDependencies(repo, mailer, clock);
    const emails = Array.from({ length: 8 }, (_, i) => `user${12 + i}@example.com`);
    await queue(emails);
    await Promise.all([
      sendDueEmails(deps, { maxConcurrentSends: 3 }),
      sendDueEmails(deps, { maxConcurrentSends: 3 }),
      sendDueEmails(deps, { maxConcurrentSends: 3 }),
      sendDueEmails(deps, { maxConcurrentSends: 3 }),
    ]);
    await sendDueEmails(deps);
    expect(mailer.sent.map((email) => email.to).sort()).toEqual([...emails].sort());
  });

  it("a failed notice revokes its Secure my account link; the retry's link works", async () => {
    const mailer = createMemoryMailer();
    const deps = sendDependencies(repo, mailer, clock);
    const user = await createTestUser(repo, "notice@example.com");
    await queuePasswordChangedNotice(repo, user, clock.now());
    mailer.failNext(1, new MailerError("SendGrid answered 503", "retryable", { status: 503 }));
    expect(await sendDueEmails(deps)).toEqual({ sent: 0, retrying: 1, failed: 0 });
    // The failed attempt's link was revoked: none is left unused.
    expect(await repo.secureAccountTickets.revokeUnusedForUser(user.id, clock.now())).toBe(0);
    clock.advance(3_600_000);
    expect(await sendDueEmails(deps)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const token = new URL(secureLinkIn(mailer.sent[0] ?? { text: "" })).searchParams.get("ticket");
    expect(await inspectSecureAccountLink(repo, token ?? "", clock.now())).toEqual({ ok: true });
  });

  it("an email whose user store cannot be asked waits with backoff instead of staying leased", async () => {
    const mailer = createMemoryMailer();
    const deps = sendDependencies(repo, mailer, clock);
    await createTestUser(repo, "store-down@example.com");
    await queue(["store-down@example.com"]);
    const unavailable = () => {
      throw new ExternalStoreUnavailableError("crm", "timeout");
    };
    const storeDown = {
      ...deps,
      repo: {
        ...repo,
        users: { ...repo.users, findById: unavailable, findByIds: unavailable },
      },
    };
    expect(await sendDueEmails(storeDown)).toEqual({ sent: 0, retrying: 1, failed: 0 });
    expect(mailer.sent).toEqual([]);
    const [row] = await database.handle.query<{ status: string; last_error: string }>(
      `select status, last_error from email_outbox where to_address = $1`,
      ["store-down@example.com"],
    );
    expect(row).toEqual({ status: "pending", last_error: "user store unavailable: timeout" });
    // Not due again at once: the store is left alone for the backoff.
    expect(await sendDueEmails(storeDown)).toEqual({ sent: 0, retrying: 0, failed: 0 });
    clock.advance(20 * 60_000);
    expect(await sendDueEmails(deps)).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(mailer.sent.map((email) => email.to)).toEqual(["store-down@example.com"]);
  });
});
