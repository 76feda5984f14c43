import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import type { LimitRule } from "../../src/password-reset/rate-limit.ts";
import { requestPasswordReset } from "../../src/password-reset/request-reset.ts";
import { resolvePendingRequests } from "../../src/password-reset/resolve-requests.ts";
import { requestStaffReset } from "../../src/password-reset/staff-reset.ts";
import { hashTicketToken } from "../../src/password-reset/tokens.ts";
import { createManualClock } from "../support/clock.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";
import { createMemoryMailer, tokenIn } from "../support/memory-mailer.ts";
import {
  createTestUser,
  DEFAULT_CONNECTION,
  sendDependencies,
  testLimits,
} from "../support/reset-fixture.ts";
import { sendDueEmails } from "../support/send-due-emails.ts";

/** The default: three emails per user in any fifteen minutes. */
const THREE_PER_QUARTER_HOUR: LimitRule = { burst: 3, perMinute: 3 / 15 };

describe.each(backends)("the per-recipient limit on %s", (backend) => {
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let repo: Repository;
  const clock = createManualClock(new Date("2026-05-01T00:00:00Z"));
  const mailer = createMemoryMailer();
  let ip = 0;

  beforeAll(async () => {
    database = await openMigratedDatabase(backend);
    repo = database.repo;
    for (const name of ["victim", "batch", "staff"]) {
      await createTestUser(repo, `${name}@example.com`);
    }
  });
  afterAll(() => database?.close());

  /** A public request from an IP of its own, as an attacker with many addresses sends them. */
  async function ask(email: string) {
    ip += 1;
    const result = await requestPasswordReset(
      { stores: repo, clock, limits: testLimits },
      {
        email,
        connection: DEFAULT_CONNECTION,
        clientId: null,
        organization: null,
        clientIp: `198.51.${ip >> 8}.${ip & 255}`,
      },
    );
    expect(result.ok).toBe(true);
  }

  async function resolveAndSend() {
    const before = mailer.sent.length;
    const deps = {
      ...sendDependencies(repo, mailer, clock),
      recipientLimit: THREE_PER_QUARTER_HOUR,
    };
    while ((await resolvePendingRequests(deps)).count > 0) {}
    await sendDueEmails(deps);
    return mailer.sent.slice(before);
  }

  async function outcomesFor(email: string) {
    return (await repo.audit.tail(1000))
      .filter((entry) => entry.action === "password_reset.requested" && entry.targetEmail === email)
      .map((entry) => entry.outcome);
  }

  it("sends a user at most three emails in fifteen minutes from any number of IPs, auditing the rest", async () => {
    const sent = [];
    for (let i = 0; i < 6; i++) {
      await ask("victim@example.com");
      sent.push(...(await resolveAndSend()));
    }
    expect(sent).toHaveLength(3);
    expect(await outcomesFor("victim@example.com")).toEqual([
      "queued",
      "queued",
      "queued",
      "recipient_limited",
      "recipient_limited",
      "recipient_limited",
    ]);
  });

  it("leaves the user's newest link valid while their requests are throttled", async () => {
    // One token back after five minutes: one email, whose link the throttled ones must not touch.
    clock.advance(5 * 60_000);
    await ask("victim@example.com");
    const [email] = await resolveAndSend();
    expect(email).toBeDefined();
    const ticketHash = hashTicketToken(tokenIn(email as NonNullable<typeof email>));

    for (let i = 0; i < 3; i++) await ask("victim@example.com");
    expect(await resolveAndSend()).toHaveLength(0);

    expect(await repo.tickets.findByTokenHash(ticketHash)).toMatchObject({
      usedAt: null,
      revokedAt: null,
    });
    expect((await outcomesFor("victim@example.com")).slice(-4)).toEqual([
      "queued",
      "recipient_limited",
      "recipient_limited",
      "recipient_limited",
    ]);
  });

  it("counts requests for one user that arrive in the same batch, one by one", async () => {
    for (let i = 0; i < 5; i++) await ask("batch@example.com");
    expect(await resolveAndSend()).toHaveLength(3);
    expect((await outcomesFor("batch@example.com")).sort()).toEqual([
      "queued",
      "queued",
      "queued",
      "recipient_limited",
      "recipient_limited",
    ]);
  });

  it("does not limit staff resets, which answer truthfully and have their own per-target limit", async () => {
    for (let i = 0; i < 5; i++) await ask("staff@example.com");
    await resolveAndSend();
    const staff = await requestStaffReset(
      { repo, clock, limits: testLimits },
      {
        email: "staff@example.com",
        connection: DEFAULT_CONNECTION,
        requestedBy: { teamId: "T1", userId: "U1" },
      },
    );
    expect(staff.outcome).toBe("queued");
  });
});
