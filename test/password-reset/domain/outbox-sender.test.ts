import { describe, expect, it } from "vitest";
import type { Mailer, OutgoingEmail } from "../../../src/email/mailer.ts";
import { createOutboxSender } from "../../../src/password-reset/outbox-sender.ts";
import { hashTicketToken } from "../../../src/password-reset/tokens.ts";
import { tokenIn } from "../../support/memory-mailer.ts";
import { createMemoryReset, type MemoryReset } from "../../support/memory-reset.ts";
import { silentLogger } from "../../support/reset-fixture.ts";
import { waitFor } from "../../support/wait-for.ts";

/** A mailer whose sends wait until the test lets each one through. */
function createHeldMailer() {
  const held: Array<{ email: OutgoingEmail; release(): void }> = [];
  const sent: OutgoingEmail[] = [];
  let mostAtOnce = 0;
  const mailer: Mailer = {
    name: "held",
    async send(email) {
      await new Promise<void>((release) => {
        held.push({ email, release });
        mostAtOnce = Math.max(mostAtOnce, held.length);
      });
      sent.push(email);
      return {};
    },
  };
  function releaseOne() {
    const next = held.shift();
    if (!next) throw new Error("no send is held");
    next.release();
  }
  return { mailer, held, sent, releaseOne, mostAtOnce: () => mostAtOnce };
}

/** A sender over one due email for each address, whose mailer holds every send until released. */
async function startHeldSender(addresses: string[], maxConcurrentSends: number) {
  const reset = createMemoryReset();
  for (const address of addresses) {
    await reset.addUser(address);
    await reset.request(address);
  }
  await reset.resolve();
  const held = createHeldMailer();
  const sender = createOutboxSender(
    { ...reset.deps, mailer: held.mailer },
    { logger: silentLogger, maxConcurrentSends },
  );
  return { reset, held, sender };
}

describe("the outbox sender", () => {
  it("keeps at most maxConcurrentSends in flight and refills a slot as soon as a send ends", async () => {
    const addresses = Array.from({ length: 5 }, (_, i) => `user${i}@example.com`);
    const { reset, held, sender } = await startHeldSender(addresses, 2);

    sender.run();
    await waitFor(() => held.held.length === 2, 5_000, "two sends in flight");
    held.releaseOne();
    await waitFor(() => held.held.length === 2 && held.sent.length === 1, 5_000, "a refilled slot");
    for (let sent = 2; sent <= 5; sent++) {
      await waitFor(() => held.held.length > 0, 5_000, "a send in flight");
      held.releaseOne();
      await waitFor(() => held.sent.length === sent, 5_000, `send ${sent} to end`);
    }
    await sender.drain();

    expect(held.mostAtOnce()).toBe(2);
    expect(held.sent.map((email) => email.to).sort()).toEqual(addresses);
    expect(reset.repo.database.tables.outbox.every((email) => email.status === "sent")).toBe(true);
  });

  it("claims nothing once stopped; sends in flight still finish", async () => {
    const { reset, held, sender } = await startHeldSender(["a@example.com", "b@example.com"], 1);
    sender.run();
    await waitFor(() => held.held.length === 1, 5_000, "one send in flight");
    await sender.stop();
    held.releaseOne();
    await sender.settle(5_000);

    expect(held.sent).toHaveLength(1);
    expect(reset.repo.database.tables.outbox.map((email) => email.status).sort()).toEqual([
      "pending",
      "sent",
    ]);
  });

  it("on stop, gives the emails still waiting for the mailer back untried, even on their last attempt and with the provider hanging", async () => {
    const addresses = ["c@example.com", "d@example.com", "e@example.com"];
    const { reset, held, sender } = await startHeldSender(addresses, 1);
    // Each has had 14 attempts: the claim makes this the 15th, the last one sendEmail allows.
    for (const email of reset.repo.database.tables.outbox) email.attempts = 14;
    sender.run();
    await waitFor(() => held.held.length === 1, 5_000, "one send in flight");
    const claimed = () =>
      reset.repo.database.tables.outbox.filter((email) => email.status === "sending").length;
    await waitFor(() => claimed() === 3, 5_000, "all three claimed");
    // The provider never answers the one in flight.
    await sender.stop();
    await sender.settle(50);

    const rows = reset.repo.database.tables.outbox;
    const inFlight = rows.find((email) => email.toAddress === held.held[0]?.email.to);
    const waited = rows.filter((email) => email !== inFlight);
    expect(inFlight?.status).toBe("sending");
    expect(waited.map((email) => email.status)).toEqual(["pending", "pending"]);
    // Not counted as attempts, due again now, and never sent.
    expect(waited.map((email) => email.attempts)).toEqual([14, 14]);
    expect(waited.every((email) => email.nextAttemptAt <= reset.clock.now())).toBe(true);
    expect(held.sent).toHaveLength(0);
    // Their tickets were revoked: a later send issues fresh ones.
    const tickets = reset.repo.database.tables.tickets;
    expect(tickets.filter((ticket) => ticket.revokedAt === null)).toHaveLength(1);
  });

  it("gives an email back untried when it waited for the mailer past half its lease, and claims it afresh", async () => {
    const { reset, held, sender } = await startHeldSender(["f@example.com", "g@example.com"], 1);
    sender.run();
    await waitFor(() => held.held.length === 1, 5_000, "one send in flight");
    const rows = reset.repo.database.tables.outbox;
    await waitFor(() => rows.every((email) => email.status === "sending"), 5_000, "both claimed");
    const first = held.held[0]?.email.to;
    const waited = rows.find((email) => email.toAddress !== first);
    const firstLease = waited?.lockedUntil?.getTime() ?? 0;
    // The first send takes over half the lease (60 s by default); the second waited all along.
    reset.clock.advance(30_001);
    held.releaseOne();
    // Given back (its attempt not counted), then claimed again with a lease of its own.
    await waitFor(() => held.held.length === 1, 5_000, "the second send, after a new claim");
    expect(waited?.status).toBe("sending");
    expect(waited?.attempts).toBe(1);
    expect(waited?.lastError).toBe("waited too long for the mailer");
    expect(waited?.lockedUntil?.getTime()).toBeGreaterThan(firstLease);
    held.releaseOne();
    await sender.drain();

    expect(held.sent.map((email) => email.to).sort()).toEqual(["f@example.com", "g@example.com"]);
    // The ticket issued before the wait was revoked; the one sent is the only one left.
    const userTickets = reset.repo.database.tables.tickets.filter(
      (ticket) => ticket.userId === waited?.userId,
    );
    expect(userTickets).toHaveLength(2);
    expect(userTickets.filter((ticket) => ticket.revokedAt === null)).toHaveLength(1);
  });

  it("holds a provider place until the email is recorded as sent: the next call waits for the mark", async () => {
    const reset = createMemoryReset();
    for (const address of ["h@example.com", "i@example.com"]) {
      await reset.addUser(address);
      await reset.request(address);
    }
    await reset.resolve();
    const outbox = reset.repo.outbox;
    let openGate: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const marked: string[] = [];
    const sender = createOutboxSender(
      {
        ...reset.deps,
        repo: {
          ...reset.deps.repo,
          outbox: {
            ...outbox,
            async markAllSent(sent, at) {
              await gate;
              marked.push(...sent.map(({ id }) => String(id)));
              return outbox.markAllSent(sent, at);
            },
          },
        },
      },
      { logger: silentLogger, maxConcurrentSends: 1 },
    );
    sender.run();
    await waitFor(() => reset.mailer.sent.length === 1, 5_000, "the first call");
    // Its mark is held back: the second email must not reach the provider meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(reset.mailer.sent).toHaveLength(1);
    openGate();
    await sender.drain();
    expect(reset.mailer.sent).toHaveLength(2);
    expect(marked).toHaveLength(2);
  });

  it("with maxConcurrentSends 2 and 6 due emails, never has more than 2 with the mailer, and sends all 6", async () => {
    const addresses = Array.from({ length: 6 }, (_, i) => `six${i}@example.com`);
    const { reset, held, sender } = await startHeldSender(addresses, 2);

    sender.run();
    for (let sent = 1; sent <= 6; sent++) {
      await waitFor(() => held.held.length > 0, 5_000, "a send in flight");
      // Time for the emails waiting for the mailer to reach it, were they not held back.
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(held.held.length).toBeLessThanOrEqual(2);
      held.releaseOne();
      await waitFor(() => held.sent.length === sent, 5_000, `send ${sent} to end`);
    }
    await sender.drain();

    expect(held.mostAtOnce()).toBe(2);
    expect(held.sent.map((email) => email.to).sort()).toEqual(addresses);
    expect(reset.repo.database.tables.outbox.map((email) => email.status)).toEqual(
      Array(6).fill("sent"),
    );
  });

  it("shares the statements of the emails a pass starts: far fewer calls than emails, each email sent once with its own ticket", async () => {
    const reset = createMemoryReset();
    const addresses = Array.from({ length: 20 }, (_, i) => `shared${i}@example.com`);
    for (const address of addresses) {
      await reset.addUser(address);
      await reset.request(address);
    }
    await reset.resolve();
    const calls = countStatements(reset);

    const sender = createOutboxSender(reset.deps, {
      logger: silentLogger,
      // A place each: the marks go together too (a place is held until its email is marked).
      maxConcurrentSends: 20,
      maxEmailsInProgress: 20,
    });
    sender.run();
    await sender.drain();

    // Every one went through the set-based statements, in a few of them.
    for (const name of ["findByIds", "issueAll", "markAllSent"] as const) {
      expect(calls[name].length, name).toBeGreaterThanOrEqual(1);
      expect(calls[name].length, name).toBeLessThanOrEqual(3);
    }
    expect(calls.issueAll.flat()).toHaveLength(20);
    expect(calls.markAllSent.flat()).toHaveLength(20);
    expect(calls.findById).toHaveLength(0);
    expect(calls.issue).toHaveLength(0);
    expect(calls.markSent).toHaveLength(0);

    expect(reset.mailer.sent.map((email) => email.to).sort()).toEqual([...addresses].sort());
    const tokens = reset.mailer.sent.map(tokenIn);
    expect(new Set(tokens).size).toBe(20);
    for (const email of reset.mailer.sent) {
      const ticket = await reset.repo.tickets.findByTokenHash(hashTicketToken(tokenIn(email)));
      const user = await reset.repo.users.findByEmail(1, email.to);
      expect(ticket).toMatchObject({ userId: user?.id, usedAt: null, revokedAt: null });
      expect(ticket?.expiresAt.getTime()).toBeGreaterThan(reset.clock.now().getTime());
    }
    const outbox = reset.repo.database.tables.outbox;
    expect(outbox).toHaveLength(20);
    expect(outbox.every((email) => email.status === "sent" && email.attempts === 1)).toBe(true);
    expect(new Set(outbox.map((email) => email.providerMessageId)).size).toBe(20);
  });

  it("sends both of two due emails for one user; only the later-issued ticket stays unrevoked", async () => {
    const reset = createMemoryReset();
    const user = await reset.addUser("twice@example.com");
    await reset.addUser("other@example.com");
    for (const address of ["twice@example.com", "other@example.com", "twice@example.com"]) {
      const requested = await reset.request(address);
      if (!requested.ok) throw new Error(`request refused: ${requested.reason}`);
    }
    await reset.resolve();
    const calls = countStatements(reset);

    const sender = createOutboxSender(reset.deps, { logger: silentLogger, maxConcurrentSends: 4 });
    sender.run();
    await sender.drain();

    const toUser = reset.mailer.sent.filter((email) => email.to === "twice@example.com");
    expect(toUser).toHaveLength(2);
    expect(reset.mailer.sent).toHaveLength(3);
    const tickets = await Promise.all(
      toUser.map((email) => reset.repo.tickets.findByTokenHash(hashTicketToken(tokenIn(email)))),
    );
    const [older, later] = [...tickets].sort((a, b) => (a?.id ?? 0) - (b?.id ?? 0));
    expect(older?.userId).toBe(user.id);
    expect(later?.userId).toBe(user.id);
    expect(older?.id).not.toBe(later?.id);
    expect(older?.revokedAt).not.toBeNull();
    expect(later?.revokedAt).toBeNull();
    expect(
      reset.repo.database.tables.tickets.filter(
        (ticket) => ticket.userId === user.id && ticket.revokedAt === null,
      ),
    ).toHaveLength(1);
    // The two tickets went in statements of their own: no statement was refused and retried.
    expect(calls.issueAllFailures).toBe(0);
    for (const batch of calls.issueAll) {
      expect(new Set(batch.map((ticket) => ticket.userId)).size).toBe(batch.length);
    }
    expect(reset.repo.database.tables.outbox.every((email) => email.status === "sent")).toBe(true);
  });
});

/** Counts the calls of the memory repo's send statements, set-based and one by one, in place. */
function countStatements(reset: MemoryReset) {
  const { users, tickets, outbox } = reset.repo;
  const calls = {
    findByIds: [] as number[][],
    issueAll: [] as Array<Parameters<typeof tickets.issueAll>[0]>,
    issueAllFailures: 0,
    markAllSent: [] as Array<Parameters<typeof outbox.markAllSent>[0]>,
    findById: [] as number[],
    issue: [] as unknown[],
    markSent: [] as unknown[],
  };
  const { findByIds, findById } = users;
  const { issueAll, issue } = tickets;
  const { markAllSent, markSent } = outbox;
  users.findByIds = (ids) => {
    calls.findByIds.push([...ids]);
    return findByIds(ids);
  };
  users.findById = (id) => {
    calls.findById.push(id);
    return findById(id);
  };
  tickets.issueAll = async (issued, at) => {
    calls.issueAll.push([...issued]);
    try {
      return await issueAll(issued, at);
    } catch (error) {
      calls.issueAllFailures++;
      throw error;
    }
  };
  tickets.issue = (ticket, at) => {
    calls.issue.push(ticket);
    return issue(ticket, at);
  };
  outbox.markAllSent = (sent, at) => {
    calls.markAllSent.push([...sent]);
    return markAllSent(sent, at);
  };
  outbox.markSent = (id, providerMessageId, at) => {
    calls.markSent.push(id);
    return markSent(id, providerMessageId, at);
  };
  return calls;
}
