import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import type { Repository } from "../../src/db/stores.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../../src/email/ports.ts";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../src/email/template.ts";
import { completePasswordReset, inspectTicket } from "../../src/password-reset/complete-reset.ts";
import { requestPasswordReset } from "../../src/password-reset/request-reset.ts";
import { resolvePendingRequests } from "../../src/password-reset/resolve-requests.ts";
import { hashTicketToken } from "../../src/password-reset/tokens.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { createMemoryMailer, linkIn, tokenIn } from "../support/memory-mailer.ts";
import {
  createTestUser,
  DEFAULT_CONNECTION,
  sendDependencies,
  testHasher,
  testLimits,
  testRecipientLimit,
} from "../support/reset-fixture.ts";
import { sendDueEmails } from "../support/send-due-emails.ts";

describe.each(backends)("the reset flow on %s", (backend) => {
  let database: { handle: DatabaseHandle; repo: Repository; close(): Promise<void> };
  const clock = createManualClock(new Date("2026-01-01T00:00:00Z"));
  const mailer = createMemoryMailer();
  let repo: Repository;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
    repo = database.repo;
    await createTestUser(repo, "jane@example.com", { name: "Jane Doe" });
    await createTestUser(repo, "blocked@example.com");
    const blocked = await repo.users.findByEmail(1, "blocked@example.com");
    if (blocked) await repo.users.setBlocked(blocked.id, true);
  });
  afterAll(() => database.close());

  async function request(email: string, clientIp = "203.0.113.1", connection = DEFAULT_CONNECTION) {
    return requestPasswordReset(
      { stores: repo, clock, limits: testLimits },
      { email, connection, clientId: null, organization: null, clientIp },
    );
  }

  async function requestAndSend(email: string) {
    const before = mailer.sent.length;
    const recorded = await request(email, `198.51.100.${Math.floor(Math.random() * 250)}`);
    expect(recorded.ok).toBe(true);
    await resolvePendingRequests({ repo, clock, recipientLimit: testRecipientLimit });
    await sendDueEmails(sendDependencies(repo, mailer, clock));
    return mailer.sent.slice(before);
  }

  async function requestOneEmail(email: string) {
    const [sent, ...more] = await requestAndSend(email);
    if (!sent || more.length > 0) throw new Error(`expected exactly one email to ${email}`);
    return sent;
  }

  function failuresOf(result: Awaited<ReturnType<typeof completePasswordReset>>) {
    if (result.ok || result.reason !== "rejected") return [];
    return result.verdict.rules.filter((rule) => rule.ok === false).map((rule) => rule.rule);
  }

  async function auditOutcomes(action: string) {
    return (await repo.audit.tail(1000))
      .filter((entry) => entry.action === action)
      .map((entry) => entry.outcome);
  }

  it("a known user gets one email at the stored address with a link built from PUBLIC_URL", async () => {
    const email = await requestOneEmail("  JANE@example.com ");
    expect(email.to).toBe("jane@example.com");
    expect(linkIn(email)).toMatch(
      /^https:\/\/passdesk\.example\.com\/lo\/reset\?ticket=[A-Za-z0-9_-]{43}$/,
    );
    expect(email.html).toContain("Jane Doe");
  });

  it("sends the default email with no support lines and no empty name when neither is set", async () => {
    // sendDependencies leaves SUPPORT_EMAIL and SUPPORT_URL unset; this user has no name.
    await createTestUser(repo, "noname@example.com");
    const email = await requestOneEmail("noname@example.com");
    for (const part of [email.text, email.html]) {
      expect(part).not.toContain("Need help");
      expect(part).not.toContain("Write to");
      expect(part).not.toMatch(/Hello ,|Hi ,/);
    }
  });

  it("stores only the SHA-256 of the ticket token, never the token", async () => {
    const email = await requestOneEmail("jane@example.com");
    const token = tokenIn(email);
    const ticket = await repo.tickets.findByTokenHash(hashTicketToken(token));
    expect(ticket?.tokenHash).toBe(hashTicketToken(token));
    const dump = JSON.stringify([
      await database.handle.db.execute("select * from tickets"),
      await database.handle.db.execute("select * from email_outbox"),
      await database.handle.db.execute("select * from audit_log"),
      await database.handle.db.execute("select * from reset_requests"),
    ]);
    expect(dump).not.toContain(token);
  });

  it("unknown, blocked and other-connection emails send nothing and are audited with the reason", async () => {
    expect(await requestAndSend("nobody@example.com")).toHaveLength(0);
    expect(await requestAndSend("blocked@example.com")).toHaveLength(0);
    const outcomes = await auditOutcomes("password_reset.requested");
    expect(outcomes).toContain("unknown_user");
    expect(outcomes).toContain("blocked");
  });

  it("resolves a mixed batch in one pass, each request with its own outcome, user and audit row", async () => {
    const emails = [
      "JANE@example.com",
      "nobody@example.com",
      "blocked@example.com",
      "jane@example.com",
    ];
    for (const email of emails) {
      expect((await request(email, `192.0.2.${Math.floor(Math.random() * 250)}`)).ok).toBe(true);
    }
    const before = mailer.sent.length;
    const auditBefore = (await repo.audit.tail(1000)).length;
    expect(
      (await resolvePendingRequests({ repo, clock, recipientLimit: testRecipientLimit })).count,
    ).toBe(emails.length);
    expect(
      (await resolvePendingRequests({ repo, clock, recipientLimit: testRecipientLimit })).count,
    ).toBe(0);

    const recent = rowsOf<{ email: string; status: string; user_id: number | string | null }>(
      await database.handle.db.execute(
        "select email, status, user_id from reset_requests order by id desc limit 4",
      ),
    );
    const jane = await repo.users.findByEmail(1, "jane@example.com");
    const blocked = await repo.users.findByEmail(1, "blocked@example.com");
    expect(
      recent.reverse().map((row) => [row.email, row.status, row.user_id && Number(row.user_id)]),
    ).toEqual([
      ["jane@example.com", "queued", jane?.id],
      ["nobody@example.com", "unknown_user", null],
      ["blocked@example.com", "blocked", blocked?.id],
      ["jane@example.com", "queued", jane?.id],
    ]);
    const audit = (await repo.audit.tail(1000)).slice(auditBefore);
    expect(audit.map((entry) => [entry.targetEmail, entry.outcome])).toEqual([
      ["jane@example.com", "queued"],
      ["nobody@example.com", "unknown_user"],
      ["blocked@example.com", "blocked"],
      ["jane@example.com", "queued"],
    ]);

    await sendDueEmails(sendDependencies(repo, mailer, clock));
    expect(mailer.sent.slice(before).map((email) => email.to)).toEqual([
      "jane@example.com",
      "jane@example.com",
    ]);
  });

  it("a disabled template sends nothing", async () => {
    const current = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
    await repo.templates.save(
      CHANGE_PASSWORD_TEMPLATE,
      { ...current, enabled: false },
      "test",
      current.version,
    );
    try {
      expect(await requestAndSend("jane@example.com")).toHaveLength(0);
      expect(await auditOutcomes("password_reset.requested")).toContain("template_disabled");
    } finally {
      const disabled = await repo.templates.get(CHANGE_PASSWORD_TEMPLATE);
      await repo.templates.save(
        CHANGE_PASSWORD_TEMPLATE,
        { ...disabled, enabled: true },
        "test",
        disabled.version,
      );
    }
  });

  it("a newer email revokes the older link: only the newest works", async () => {
    const first = await requestOneEmail("jane@example.com");
    const second = await requestOneEmail("jane@example.com");
    expect((await inspectTicket({ repo, clock }, tokenIn(first))).status).toBe("revoked");
    expect((await inspectTicket({ repo, clock }, tokenIn(second))).status).toBe("valid");
  });

  it("inspecting a ticket (GET) never consumes it", async () => {
    const email = await requestOneEmail("jane@example.com");
    for (let i = 0; i < 3; i++)
      expect((await inspectTicket({ repo, clock }, tokenIn(email))).status).toBe("valid");
  });

  it("a link expires after the template's lifetime (five days by default)", async () => {
    const email = await requestOneEmail("jane@example.com");
    clock.advance(DEFAULT_CHANGE_PASSWORD_TEMPLATE.urlLifetimeSeconds * 1000 - 1000);
    expect((await inspectTicket({ repo, clock }, tokenIn(email))).status).toBe("valid");
    clock.advance(1000);
    expect((await inspectTicket({ repo, clock }, tokenIn(email))).status).toBe("expired");
    const result = await completePasswordReset(
      { repo, hasher: testHasher, clock },
      {
        token: tokenIn(email),
        password: "a brand new passphrase",
        confirmation: "a brand new passphrase",
      },
    );
    expect(result).toMatchObject({ ok: false, reason: "expired" });
  });

  it("a weak or mismatched password is refused and leaves the link usable", async () => {
    const email = await requestOneEmail("jane@example.com");
    const token = tokenIn(email);
    const deps = { repo, hasher: testHasher, clock };
    const weak = await completePasswordReset(deps, {
      token,
      password: "password",
      confirmation: "password",
    });
    expect(weak).toMatchObject({ ok: false, reason: "rejected", verdict: { mismatch: false } });
    const personal = await completePasswordReset(deps, {
      token,
      password: "jane doe forever 2026",
      confirmation: "jane doe forever 2026",
    });
    expect(failuresOf(personal)).toContain("personal_data");
    const mismatch = await completePasswordReset(deps, {
      token,
      password: "a brand new passphrase",
      confirmation: "another one entirely",
    });
    expect(mismatch).toMatchObject({ ok: false, reason: "rejected", verdict: { mismatch: true } });
    expect((await inspectTicket(deps, token)).status).toBe("valid");
  });

  it("a good password is set once; the link then reads as used and the old password is history", async () => {
    const email = await requestOneEmail("jane@example.com");
    const token = tokenIn(email);
    const deps = { repo, hasher: testHasher, clock };
    const done = await completePasswordReset(deps, {
      token,
      password: "a brand new passphrase",
      confirmation: "a brand new passphrase",
    });
    expect(done.ok).toBe(true);
    const user = await repo.users.findByEmail(1, "jane@example.com");
    expect(await testHasher.verify(user?.passwordHash ?? "", "a brand new passphrase")).toBe(true);
    const again = await completePasswordReset(deps, {
      token,
      password: "yet another passphrase",
      confirmation: "yet another passphrase",
    });
    expect(again).toMatchObject({ ok: false, reason: "used" });
    expect(await auditOutcomes("password_reset.completed")).toContain("success");
    // The change queued one password-changed notice to the user, by "you".
    const sentBefore = mailer.sent.length;
    await sendDueEmails(sendDependencies(repo, mailer, clock));
    const notices = mailer.sent.slice(sentBefore);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ to: "jane@example.com" });
    expect(notices[0]?.text).toMatch(/was\s+changed\s+by\s+you\s+on/);

    const next = await requestOneEmail("jane@example.com");
    const reused = await completePasswordReset(deps, {
      token: tokenIn(next),
      password: "correct horse battery staple",
      confirmation: "correct horse battery staple",
    });
    expect(failuresOf(reused)).toEqual(["history"]);
  });

  it("a ticket submitted 50 times at once changes the password once", async () => {
    const email = await requestOneEmail("jane@example.com");
    const token = tokenIn(email);
    const deps = { repo, hasher: testHasher, clock };
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        completePasswordReset(deps, {
          token,
          password: `parallel passphrase ${i}`,
          confirmation: `parallel passphrase ${i}`,
        }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok && result.reason === "used")).toHaveLength(49);
  });

  it("allows a burst of 10 requests per IP and email, then one a minute", async () => {
    const ip = "192.0.2.77";
    for (let i = 0; i < 10; i++) expect((await request("someone@example.com", ip)).ok).toBe(true);
    const limited = await request("someone@example.com", ip);
    expect(limited).toMatchObject({ ok: false, reason: "rate_limited" });
    if (!limited.ok && limited.reason === "rate_limited") {
      expect(limited.rateLimit).toMatchObject({ limit: 10, remaining: 0, retryAfterSeconds: 60 });
    }
    expect((await request("someone-else@example.com", ip)).ok).toBe(true);
    clock.advance(60_000);
    expect((await request("someone@example.com", ip)).ok).toBe(true);
    expect((await request("someone@example.com", ip)).ok).toBe(false);
    expect(await auditOutcomes("password_reset.requested")).toContain("rate_limited");
  });

  it("refuses unknown connections, non-database connections and unknown clients before recording", async () => {
    await repo.connections.add({ name: "google", strategy: "google-oauth2" });
    expect(await request("jane@example.com", "192.0.2.1", "nope")).toEqual({
      ok: false,
      reason: "connection_not_found",
    });
    expect(await request("jane@example.com", "192.0.2.1", "google")).toEqual({
      ok: false,
      reason: "not_database_connection",
    });
    const withClient = await requestPasswordReset(
      { stores: repo, clock, limits: testLimits },
      {
        email: "jane@example.com",
        connection: DEFAULT_CONNECTION,
        clientId: "nope",
        organization: null,
        clientIp: "192.0.2.1",
      },
    );
    expect(withClient).toEqual({ ok: false, reason: "invalid_client" });
  });
});
