import { describe, expect, it } from "vitest";
import { MailerError } from "../../../src/email/mailer.ts";
import { inspectTicket } from "../../../src/password-reset/complete-reset.ts";
import { hashTicketToken } from "../../../src/password-reset/tokens.ts";
import { linkIn, tokenIn } from "../../support/memory-mailer.ts";
import { createMemoryReset } from "../../support/memory-reset.ts";
import { sendDueEmails } from "../../support/send-due-emails.ts";

const OUTAGE = new MailerError("SendGrid answered 503", "retryable", { status: 503 });
/** Past any first retry delay (at most 2 s) and short of the lease. */
const AFTER_FIRST_RETRY_DELAY = 5_000;

describe("resolving requests and sending their emails", () => {
  it("a known user gets one email, at the stored address, with a link built from PUBLIC_URL", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com", { name: "Jane Doe" });
    const sent = await reset.requestAndSend("  JANE@Example.com ");
    expect(sent.map((email) => email.to)).toEqual(["jane@example.com"]);
    const [email] = sent;
    if (!email) throw new Error("no email");
    expect(linkIn(email)).toMatch(
      /^https:\/\/passdesk\.example\.com\/lo\/reset\?ticket=[\w-]{43}$/,
    );
    expect(email.html).toContain("Jane Doe");
    expect(await reset.auditOutcomes("password_reset.requested")).toEqual(["queued"]);
    expect(await reset.auditOutcomes("password_reset.email")).toEqual(["sent"]);
  });

  it("an unknown address gets no email and no ticket; its request is audited as unknown_user", async () => {
    const reset = createMemoryReset();
    expect(await reset.requestAndSend("nobody@example.com")).toEqual([]);
    expect(reset.repo.database.tables.tickets).toEqual([]);
    expect(reset.repo.database.tables.outbox).toEqual([]);
    expect(reset.repo.database.tables.resetRequests[0]).toMatchObject({
      status: "unknown_user",
      userId: null,
    });
    expect(await reset.auditOutcomes("password_reset.requested")).toEqual(["unknown_user"]);
  });

  it("a blocked user gets no email", async () => {
    const reset = createMemoryReset();
    const user = await reset.addUser("blocked@example.com", { blocked: true });
    expect(await reset.requestAndSend("blocked@example.com")).toEqual([]);
    expect(reset.repo.database.tables.resetRequests[0]).toMatchObject({
      status: "blocked",
      userId: user.id,
    });
    expect(reset.repo.database.tables.tickets).toEqual([]);
  });

  it("a user blocked after the request was resolved gets no email either", async () => {
    const reset = createMemoryReset();
    const user = await reset.addUser("jane@example.com");
    await reset.request("jane@example.com");
    await reset.resolve();
    await reset.repo.users.setBlocked(user.id, true);
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 1 });
    expect(reset.mailer.sent).toEqual([]);
    expect(await reset.auditOutcomes("password_reset.email")).toEqual(["blocked"]);
  });

  it("stores only the SHA-256 of a link's token, never the token", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    const token = await reset.linkFor("jane@example.com");
    const [ticket] = reset.repo.database.tables.tickets;
    expect(ticket?.tokenHash).toBe(hashTicketToken(token));
    const { database } = reset.repo;
    const everything = JSON.stringify({
      ...database.tables,
      rateLimits: [...database.tables.rateLimits],
      templates: [...database.tables.templates],
    });
    expect(everything).not.toContain(token);
  });

  it("a failed send revokes its ticket, and the retry sends a fresh link that works", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await reset.request("jane@example.com");
    await reset.resolve();
    reset.mailer.failNext(1, OUTAGE);
    expect(await reset.send()).toEqual({ sent: 0, retrying: 1, failed: 0 });
    const [failedTicket] = reset.repo.database.tables.tickets;
    expect(failedTicket?.revokedAt).not.toBeNull();
    expect(reset.repo.database.tables.outbox[0]).toMatchObject({
      status: "pending",
      attempts: 1,
      lastError: "SendGrid answered 503",
    });

    // Not due before its delay has passed.
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    reset.clock.advance(AFTER_FIRST_RETRY_DELAY);
    expect(await reset.send()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    const [email] = reset.mailer.sent;
    if (!email) throw new Error("no email");
    const inspection = await inspectTicket(reset, tokenIn(email));
    expect(inspection.status).toBe("valid");
    expect(
      reset.repo.database.tables.tickets.filter((ticket) => ticket.revokedAt === null),
    ).toHaveLength(1);
    expect(await reset.auditOutcomes("password_reset.email")).toEqual(["sent"]);
  });

  it("a permanent failure revokes its ticket, is audited, and is not retried", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await reset.request("jane@example.com");
    await reset.resolve();
    reset.mailer.failNext(
      1,
      new MailerError("SendGrid answered 400", "permanent", { status: 400 }),
    );
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 1 });
    expect(reset.repo.database.tables.tickets[0]?.revokedAt).not.toBeNull();
    reset.clock.advance(3_600_000);
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(reset.repo.database.tables.outbox[0]).toMatchObject({ status: "failed" });
    expect(await reset.auditOutcomes("password_reset.email")).toEqual(["provider_failure"]);
  });

  it("an email whose sender died mid-send is sent again once its lease runs out, and once only", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await reset.request("jane@example.com");
    await reset.resolve();
    const now = reset.clock.now();
    // A sender that claimed the email and died: its lease holds the email for a minute.
    expect(
      await reset.repo.outbox.claimDue(now, new Date(now.getTime() + 60_000), 10),
    ).toHaveLength(1);
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    reset.clock.advance(60_001);
    expect(await reset.send()).toEqual({ sent: 1, retrying: 0, failed: 0 });
    expect(await reset.send()).toEqual({ sent: 0, retrying: 0, failed: 0 });
    expect(reset.mailer.sent).toHaveLength(1);
  });

  it("gives up after the last attempt and records the failure", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    await reset.request("jane@example.com");
    await reset.resolve();
    reset.mailer.failNext(100, OUTAGE);
    const deps = { ...reset.deps, maxAttempts: 3 };
    const outcomes = [];
    for (let round = 0; round < 4; round++) {
      outcomes.push(await sendDueEmails(deps));
      reset.clock.advance(20 * 60_000);
    }
    expect(outcomes).toEqual([
      { sent: 0, retrying: 1, failed: 0 },
      { sent: 0, retrying: 1, failed: 0 },
      { sent: 0, retrying: 0, failed: 1 },
      { sent: 0, retrying: 0, failed: 0 },
    ]);
    expect(reset.repo.database.tables.tickets.every((ticket) => ticket.revokedAt !== null)).toBe(
      true,
    );
  });

  it("a disabled template resolves the request without an email", async () => {
    const reset = createMemoryReset();
    await reset.addUser("jane@example.com");
    const current = await reset.repo.templates.get("change_password");
    await reset.repo.templates.save("change_password", { ...current, enabled: false }, "test", 0);
    expect(await reset.requestAndSend("jane@example.com")).toEqual([]);
    expect(await reset.auditOutcomes("password_reset.requested")).toEqual(["template_disabled"]);
  });
});
