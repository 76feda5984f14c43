import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "../../src/db/client.ts";
import { auditLog, emailOutbox } from "../../src/db/schema.ts";
import type { Repository } from "../../src/db/stores.ts";
import { CHANGE_PASSWORD_TEMPLATE } from "../../src/email/ports.ts";
import { DATABASE_STRATEGY } from "../../src/users/connection.ts";
import { backends, openMigratedDatabase } from "../support/database.ts";

const AT = new Date("2026-05-01T10:00:00.000Z");
const LATER = new Date("2026-05-01T10:05:00.000Z");

// The statements run for every email sent and every reset submitted are prepared once per store
// (prepareOnce) or are one hand-written statement; what they store and return must be what the
// caller passed.
describe.each(backends)("hot-path statements on %s", (backend) => {
  let handle: DatabaseHandle;
  let repo: Repository;
  let close: () => Promise<void>;
  let userId: number;
  let connectionId: number;

  beforeAll(async () => {
    ({ handle, repo, close } = await openMigratedDatabase(backend));
    const connection = await repo.connections.add({
      name: "prepared-statements",
      strategy: DATABASE_STRATEGY,
    });
    if (!connection) throw new Error("connection not added");
    connectionId = connection.id;
    const user = await repo.users.add(connectionId, { email: "prepared@example.com" });
    if (!user) throw new Error("user not added");
    userId = user.id;
  });
  afterAll(async () => {
    await close?.();
  });

  it("find a user, a connection and the template, called again with other arguments", async () => {
    expect(await repo.users.findById(userId)).toMatchObject({ email: "prepared@example.com" });
    expect(await repo.users.findById(userId + 1000)).toBeUndefined();
    expect(await repo.connections.findById(connectionId)).toMatchObject({
      name: "prepared-statements",
    });
    expect(await repo.connections.findById(connectionId + 1000)).toBeUndefined();
    expect(await repo.templates.get(CHANGE_PASSWORD_TEMPLATE)).toMatchObject({ version: 0 });
  });

  it("issue a ticket with its times and revoke the user's older unused ones, not itself", async () => {
    const ticket = (tokenHash: string) => ({
      tokenHash,
      userId,
      requestId: null,
      expiresAt: LATER,
      resultUrl: "https://app.example/done",
      includeEmailInRedirect: false,
    });
    const first = await repo.tickets.issue(ticket("hash-first"), AT);
    const second = await repo.tickets.issue(ticket("hash-second"), LATER);

    expect(second).toMatchObject({
      tokenHash: "hash-second",
      userId,
      requestId: null,
      createdAt: LATER,
      expiresAt: LATER,
      resultUrl: "https://app.example/done",
      includeEmailInRedirect: false,
      revokedAt: null,
    });
    expect(await repo.tickets.findByTokenHash("hash-first")).toMatchObject({
      id: first.id,
      createdAt: AT,
      revokedAt: LATER,
    });
  });

  it("lease a due email until the given time, then mark it sent at the given time", async () => {
    await repo.outbox.enqueue(
      {
        messageRef: "msg_prepared",
        kind: "change_password",
        requestId: null,
        userId,
        toAddress: "prepared@example.com",
      },
      AT,
    );
    expect(await repo.outbox.claimDue(new Date(AT.getTime() - 1), LATER, 10)).toEqual([]);

    const [claimed] = await repo.outbox.claimDue(AT, LATER, 10);
    expect(claimed).toMatchObject({ messageRef: "msg_prepared", status: "sending", attempts: 1 });
    expect(claimed?.lockedUntil).toEqual(LATER);
    expect(await repo.outbox.claimDue(AT, LATER, 10)).toEqual([]);

    await repo.outbox.markSent(claimed?.id ?? 0, "provider-id-1", LATER);
    const [row] = await handle.db
      .select()
      .from(emailOutbox)
      .where(eq(emailOutbox.messageRef, "msg_prepared"));
    expect(row).toMatchObject({
      status: "sent",
      providerMessageId: "provider-id-1",
      sentAt: LATER,
      lockedUntil: null,
      lastError: null,
    });
  });

  it("record one audit entry with every field", async () => {
    await repo.audit.record({
      actorType: "system",
      action: "password_reset.email",
      outcome: "sent",
      targetEmail: "prepared@example.com",
      connection: "prepared-statements",
      requestId: "req_prepared",
      details: { messageRef: "msg_prepared", attempts: 1 },
    });
    const [row] = await handle.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.requestId, "req_prepared"));
    expect(row).toMatchObject({
      actorType: "system",
      actorId: null,
      action: "password_reset.email",
      outcome: "sent",
      targetEmail: "prepared@example.com",
      connection: "prepared-statements",
      details: { messageRef: "msg_prepared", attempts: 1 },
      slackState: null,
    });
  });

  it("set a password in one statement: the user's hash, and a history of the 24 newest", async () => {
    const user = await repo.users.add(connectionId, { email: "history@example.com" });
    if (!user) throw new Error("user not added");
    for (let i = 1; i <= 30; i += 1) {
      await repo.users.setPasswordHash(user.id, `hash-${i}`, new Date(AT.getTime() + i * 1000));
    }

    expect(await repo.users.findById(user.id)).toMatchObject({
      passwordHash: "hash-30",
      passwordChangedAt: new Date(AT.getTime() + 30_000),
      updatedAt: new Date(AT.getTime() + 30_000),
    });
    const kept = await repo.users.recentPasswordHashes(user.id, 100);
    expect(kept).toEqual(Array.from({ length: 24 }, (_, i) => `hash-${30 - i}`));
    expect(await repo.users.recentPasswordHashes(user.id, 2)).toEqual(["hash-30", "hash-29"]);
    // Another user's history is left alone.
    expect(await repo.users.recentPasswordHashes(userId, 5)).toEqual([]);
  });

  it("set a password inside a transaction, where the statement goes through drizzle", async () => {
    const user = await repo.users.add(connectionId, { email: "history-tx@example.com" });
    if (!user) throw new Error("user not added");
    await repo.transaction((stores) => stores.users.setPasswordHash(user.id, "hash-tx", AT));

    expect(await repo.users.recentPasswordHashes(user.id, 5)).toEqual(["hash-tx"]);
    expect(await repo.tickets.findByTokenHash("no-such-hash")).toBeUndefined();
  });
});
