import { describe, expect, it } from "vitest";
import type { Repository } from "../../../src/db/stores.ts";
import { MailerError, type OutgoingEmail } from "../../../src/email/mailer.ts";
import { inspectTicket } from "../../../src/password-reset/complete-reset.ts";
import {
  inspectSecureAccountLink,
  secureAccount,
} from "../../../src/password-reset/secure-account.ts";
import { hashTicketToken } from "../../../src/secret-tokens.ts";
import { CHANGE_EVENT_TYPES } from "../../../src/webhooks/events.ts";
import { createMemoryReset } from "../../support/memory-reset.ts";
import { DEFAULT_CONNECTION } from "../../support/reset-fixture.ts";

// The password-changed notice's "Secure my account" link, on the memory stores.

function secureTokenIn(email: OutgoingEmail | undefined): string {
  const match = email?.text.match(/https?:\/\/\S+\/lo\/secure\?ticket=([A-Za-z0-9_-]+)/);
  if (!match?.[1]) throw new Error(`no secure link in: ${email?.text}`);
  return match[1];
}

async function queueNotice(repo: Repository, user: { id: number; email: string }, at: Date) {
  await repo.outbox.enqueue(
    {
      messageRef: `msg_notice_${Math.random()}`,
      kind: "password_changed",
      requestId: null,
      userId: user.id,
      toAddress: user.email,
    },
    at,
  );
}

async function setUp() {
  const reset = createMemoryReset();
  await reset.repo.webhookEndpoints.add({
    id: "whk_all",
    url: "https://app.example.com/hooks",
    events: [...CHANGE_EVENT_TYPES],
    sealedSecret: "sealed",
    createdAt: new Date(0),
  });
  const user = await reset.addUser("jane@example.com");
  await queueNotice(reset.repo, user, reset.clock.now());
  await reset.send();
  const notice = reset.mailer.sent.at(-1);
  return { ...reset, user, notice, token: secureTokenIn(notice) };
}

describe("the Secure my account link", () => {
  it("the notice carries a link whose token is stored only as its hash", async () => {
    const { notice, token, repo, user } = await setUp();
    expect(notice?.subject).toContain("password was changed");
    expect(notice?.html).toContain("Secure my account");
    expect(notice?.text).toContain("If this wasn't you");
    const ticket = await repo.secureAccountTickets.findByTokenHash(hashTicketToken(token));
    expect(ticket).toMatchObject({ userId: user.id, usedAt: null, revokedAt: null });
    // Seven days by default (the fixture's settings).
    expect(ticket && ticket.expiresAt.getTime() - ticket.createdAt.getTime()).toBe(
      7 * 24 * 3_600_000,
    );
    expect(JSON.stringify(await repo.audit.tail(100))).not.toContain(token);
  });

  it("a failed send revokes the link it issued; the retry sends a fresh one", async () => {
    const reset = createMemoryReset();
    const user = await reset.addUser("kim@example.com");
    await queueNotice(reset.repo, user, reset.clock.now());
    reset.mailer.failNext(
      1,
      new MailerError("SendGrid answered 503", "retryable", { status: 503 }),
    );
    await reset.send();
    expect(reset.mailer.sent).toEqual([]);
    // The failed attempt's ticket was revoked: none is left to revoke.
    expect(
      await reset.repo.secureAccountTickets.revokeUnusedForUser(user.id, reset.clock.now()),
    ).toBe(0);
    reset.clock.advance(3_600_000);
    await reset.send();
    const token = secureTokenIn(reset.mailer.sent[0]);
    expect(await inspectSecureAccountLink(reset.repo, token, reset.clock.now())).toEqual({
      ok: true,
    });
    expect(
      await reset.repo.secureAccountTickets.revokeUnusedForUser(user.id, reset.clock.now()),
    ).toBe(1);
  });

  it("inspecting does nothing; using it blocks, signs out, revokes every link, audits and publishes", async () => {
    const { repo, clock, user, token, linkFor, mailer, send } = await setUp();
    const resetToken = await linkFor("jane@example.com");
    await repo.refreshTokens.add({
      tokenHash: "refresh-1",
      familyId: "family-1",
      userId: user.id,
      clientId: "client",
      scope: "openid offline_access",
      audience: "https://passdesk.example.com/userinfo",
      expiresAt: new Date(clock.now().getTime() + 3_600_000),
    });
    await repo.unblockTickets.issue(
      {
        tokenHash: "unblock-1",
        userId: user.id,
        ip: "*",
        expiresAt: new Date(clock.now().getTime() + 3_600_000),
      },
      clock.now(),
    );
    // A second notice: its link is withdrawn when the first is used.
    await queueNotice(repo, user, clock.now());
    await send();
    const second = secureTokenIn(mailer.sent.at(-1));

    expect(await inspectSecureAccountLink(repo, token, clock.now())).toEqual({ ok: true });
    expect(await inspectSecureAccountLink(repo, token, clock.now())).toEqual({ ok: true });
    expect((await repo.users.findById(user.id))?.blocked).toBe(false);
    expect((await repo.refreshTokens.findByHash("refresh-1"))?.revokedAt).toBeNull();

    expect(await secureAccount(repo, token, clock.now())).toEqual({ ok: true, blocked: true });
    expect((await repo.users.findById(user.id))?.blocked).toBe(true);
    expect(await repo.refreshTokens.findByHash("refresh-1")).toMatchObject({
      revokedAt: clock.now(),
    });
    expect((await inspectTicket({ repo, clock }, resetToken)).status).toBe("revoked");
    expect(await repo.unblockTickets.findByTokenHash("unblock-1")).toMatchObject({
      revokedAt: clock.now(),
    });
    const [entry] = (await repo.audit.tail(100)).filter((row) => row.action === "user.secured");
    expect(entry).toMatchObject({
      actorType: "user",
      actorId: String(user.id),
      outcome: "blocked",
      targetEmail: "jane@example.com",
      connection: DEFAULT_CONNECTION,
      requestId: expect.stringMatching(/^sec_/),
      details: { via: "link", refreshTokens: 1, unblockLinks: 1, secureLinks: 1 },
    });
    expect(await inspectSecureAccountLink(repo, second, clock.now())).toEqual({
      ok: false,
      problem: "revoked",
    });
    const events = (await repo.webhookDeliveries.recent(100)).map((d) => d.event);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: "user.blocked",
        data: expect.objectContaining({ by: { type: "user" }, block: "account" }),
      }),
    );
  });

  it("works once, however many clicks at once; then says it was used", async () => {
    const { repo, clock, token } = await setUp();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => secureAccount(repo, token, clock.now())),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.filter((result) => !result.ok)).toEqual(
      Array(3).fill({ ok: false, problem: "used" }),
    );
    expect(await secureAccount(repo, token, clock.now())).toEqual({ ok: false, problem: "used" });
    const secured = (await repo.audit.tail(100)).filter((row) => row.action === "user.secured");
    expect(secured).toHaveLength(1);
  });

  it("an expired or unknown link acts on nothing", async () => {
    const { repo, clock, token, user } = await setUp();
    clock.advance(7 * 24 * 3_600_000);
    expect(await inspectSecureAccountLink(repo, token, clock.now())).toEqual({
      ok: false,
      problem: "expired",
    });
    expect(await secureAccount(repo, token, clock.now())).toEqual({
      ok: false,
      problem: "expired",
    });
    expect(await secureAccount(repo, "nope", clock.now())).toEqual({
      ok: false,
      problem: "invalid",
    });
    expect((await repo.users.findById(user.id))?.blocked).toBe(false);
  });

  it("a user of an external store is signed out and their links revoked, but not blocked", async () => {
    const { repo, clock, user, token } = await setUp();
    await repo.refreshTokens.add({
      tokenHash: "refresh-ext",
      familyId: "family-ext",
      userId: user.id,
      clientId: "client",
      scope: "openid offline_access",
      audience: "https://passdesk.example.com/userinfo",
      expiresAt: new Date(clock.now().getTime() + 3_600_000),
    });
    // As the linked user store reads them: the app's store owns `blocked`.
    const linked = {
      ...repo,
      users: {
        ...repo.users,
        findById: async (id: number) => {
          const found = await repo.users.findById(id);
          return found && { ...found, externalId: "app-42" };
        },
      },
    };
    expect(await secureAccount(linked, token, clock.now())).toEqual({ ok: true, blocked: false });
    expect((await repo.users.findById(user.id))?.blocked).toBe(false);
    expect((await repo.refreshTokens.findByHash("refresh-ext"))?.revokedAt).toEqual(clock.now());
    const [entry] = (await repo.audit.tail(100)).filter((row) => row.action === "user.secured");
    expect(entry?.outcome).toBe("signed_out");
    expect(await repo.webhookDeliveries.recent(100)).toEqual([]);
  });
});
