import bcryptjs from "bcryptjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { openStores, storeBackends } from "../support/store-backends.ts";

const START = new Date("2026-02-01T00:00:00Z");
const minutes = (n: number) => new Date(START.getTime() + n * 60_000);

describe.each(storeBackends)("the user store contract on %s", (backend) => {
  let repo: Repository;
  let close: () => Promise<void>;
  let other: number;

  beforeAll(async () => {
    ({ repo, close } = await openStores(backend));
    const connection = await repo.connections.add({ name: "other", strategy: "database" });
    if (!connection) throw new Error("could not add a connection");
    other = connection.id;
  });
  afterAll(() => close?.());

  async function add(email: string, fields: { passwordHash?: string; blocked?: boolean } = {}) {
    const user = await repo.users.add(1, { email, ...fields });
    if (!user) throw new Error(`could not add ${email}`);
    return user;
  }

  it("stores the email normalised, with defaults for what was not given", async () => {
    const user = await add("  Mixed.Case@Example.COM ");
    expect(user).toMatchObject({
      connectionId: 1,
      email: "mixed.case@example.com",
      emailVerified: false,
      name: null,
      blocked: false,
      passwordHash: null,
      passwordChangedAt: null,
    });
    expect(await repo.users.findById(user.id)).toEqual(user);
    expect(await repo.users.findByEmail(1, "MIXED.case@example.com")).toEqual(user);
    expect(await repo.users.findByEmail(other, "mixed.case@example.com")).toBeUndefined();
    expect(await repo.users.findById(999_999)).toBeUndefined();
  });

  it("keeps the signup profile: username, picture and user_metadata", async () => {
    const user = await repo.users.add(1, {
      email: "profile@example.com",
      username: "jdoe",
      picture: "https://example.com/jdoe.png",
      userMetadata: { plan: "silver", locale: "fr" },
    });
    expect(user).toMatchObject({
      username: "jdoe",
      picture: "https://example.com/jdoe.png",
      userMetadata: { plan: "silver", locale: "fr" },
    });
    expect(await repo.users.findById(user?.id ?? 0)).toEqual(user);
    const plain = await add("no-profile@example.com");
    expect(plain).toMatchObject({ username: null, picture: null, userMetadata: {} });
  });

  it("keeps a connection's signup closed until it is opened, and closes it again", async () => {
    const added = await repo.connections.add({ name: "signup-db", strategy: "database" });
    expect(added?.signup).toBe("closed");
    expect((await repo.connections.setSignup("signup-db", "open"))?.signup).toBe("open");
    expect((await repo.connections.findByName("signup-db"))?.signup).toBe("open");
    expect((await repo.connections.setSignup("signup-db", "closed"))?.signup).toBe("closed");
    expect(await repo.connections.setSignup("no-such-db", "open")).toBeUndefined();
  });

  it("refuses an email taken in the same connection, not in another", async () => {
    await add("taken@example.com");
    expect(await repo.users.add(1, { email: "TAKEN@example.com" })).toBeUndefined();
    const elsewhere = await repo.users.add(other, { email: "taken@example.com" });
    expect(elsewhere).toMatchObject({ connectionId: other, email: "taken@example.com" });
    const everywhere = await repo.users.findAllByEmail("Taken@Example.com");
    expect(everywhere.map((user) => user.connectionId).sort()).toEqual([1, other].sort());
  });

  it("finds the users of one connection with any of several emails", async () => {
    const a = await add("many-a@example.com");
    const b = await add("many-b@example.com");
    const found = await repo.users.findByEmails(1, [
      "MANY-A@example.com",
      "many-b@example.com",
      "many-a@example.com",
      "nobody@example.com",
    ]);
    expect(found.map((user) => user.id).sort((x, y) => x - y)).toEqual([a.id, b.id]);
    expect(await repo.users.findByEmails(1, [])).toEqual([]);
  });

  it("keeps password history newest first, the current hash first, and at most 24", async () => {
    const user = await add("history@example.com", { passwordHash: "hash-0" });
    expect(user.passwordChangedAt).not.toBeNull();
    for (let i = 1; i <= 30; i++)
      await repo.users.setPasswordHash(user.id, `hash-${i}`, minutes(i));
    expect(await repo.users.recentPasswordHashes(user.id, 3)).toEqual([
      "hash-30",
      "hash-29",
      "hash-28",
    ]);
    const all = await repo.users.recentPasswordHashes(user.id, 100);
    expect(all).toHaveLength(24);
    expect(all.at(-1)).toBe("hash-7");
    expect(await repo.users.recentPasswordHashes(user.id, 0)).toEqual([]);
    expect(await repo.users.findById(user.id)).toMatchObject({
      passwordHash: "hash-30",
      passwordChangedAt: minutes(30),
      updatedAt: minutes(30),
    });
  });

  it("verifies the current password, not an earlier one; a user without one has none", async () => {
    const hasher = createArgon2Hasher();
    const user = await add("verify@example.com", { passwordHash: await hasher.hash("first Pass") });
    await repo.users.setPasswordHash(user.id, await hasher.hash("second Pass"), minutes(1));
    const current = await repo.users.findById(user.id);
    if (!current) throw new Error("the user is gone");
    expect(await repo.users.verifyPassword(current, "second Pass")).toEqual({
      ok: true,
      needsRehash: false,
    });
    expect(await repo.users.verifyPassword(current, "first Pass")).toEqual({
      ok: false,
      reason: "wrong_password",
    });
    const without = await add("no-password@example.com");
    expect(await repo.users.verifyPassword(without, "anything")).toEqual({
      ok: false,
      reason: "no_password",
    });
  });

  it("verifies an imported bcrypt hash and asks for it to be rehashed", async () => {
    const user = await add("imported@example.com", {
      passwordHash: bcryptjs.hashSync("an app's password", 4),
    });
    expect(await repo.users.verifyPassword(user, "an app's password")).toEqual({
      ok: true,
      needsRehash: true,
    });
    expect(await repo.users.verifyPassword(user, "An app's password")).toMatchObject({
      ok: false,
    });
  });

  it("blocks and unblocks a user", async () => {
    const user = await add("blockable@example.com");
    await repo.users.setBlocked(user.id, true);
    expect(await repo.users.findById(user.id)).toMatchObject({ blocked: true });
    await repo.users.setBlocked(user.id, false);
    expect(await repo.users.findById(user.id)).toMatchObject({ blocked: false });
  });

  it("lists users by id, filtered, a page at a time, without their hashes", async () => {
    const a = await add("list_1%@example.com", { passwordHash: "h" });
    const b = await add("list-2@example.com", { blocked: true });
    const c = await add("list-3@example.com");
    const page = await repo.users.list({ emailContains: "LIST" }, { limit: 2 });
    expect(page.map((user) => user.id)).toEqual([a.id, b.id]);
    expect(page[0]).toMatchObject({ email: "list_1%@example.com", hasPassword: true });
    expect(page[0]).not.toHaveProperty("passwordHash");
    expect(page[1]).toMatchObject({ hasPassword: false });
    const next = await repo.users.list({ emailContains: "list" }, { afterId: b.id, limit: 2 });
    expect(next.map((user) => user.id)).toEqual([c.id]);
    // Matched as typed: % and _ are not wildcards.
    const literal = await repo.users.list({ emailContains: "_1%" }, { limit: 10 });
    expect(literal.map((user) => user.id)).toEqual([a.id]);
    expect(await repo.users.list({ emailContains: "st_2" }, { limit: 10 })).toEqual([]);
    const blocked = await repo.users.list({ blocked: true, connectionId: 1 }, { limit: 100 });
    expect(blocked.map((user) => user.id)).toContain(b.id);
    expect(blocked.every((user) => user.blocked)).toBe(true);
  });

  it("deletes a user with their tickets and emails, keeping their requests unlinked", async () => {
    const user = await add("deleted@example.com", { passwordHash: "h" });
    const now = new Date();
    const hour = new Date(now.getTime() + 3_600_000);
    await repo.tickets.issue(
      {
        tokenHash: `delete-${backend}`,
        userId: user.id,
        requestId: null,
        expiresAt: hour,
        resultUrl: null,
        includeEmailInRedirect: true,
      },
      now,
    );
    const request = await repo.resetRequests.record({
      publicId: `req_delete_${backend}`,
      email: user.email,
      connection: "Username-Password-Authentication",
      clientId: null,
      organization: null,
      source: "api",
      requestedBy: null,
      clientIp: null,
    });
    await repo.resetRequests.markAllProcessed(
      [{ id: request.id, status: "queued", userId: user.id }],
      now,
    );
    await repo.outbox.enqueue(
      {
        messageRef: `msg_delete_${backend}`,
        kind: "change_password",
        requestId: request.id,
        userId: user.id,
        toAddress: user.email,
      },
      now,
    );

    expect(await repo.users.delete(user.id)).toEqual({
      liveTickets: 1,
      unsentEmails: 1,
      emails: 1,
      resetRequests: 1,
    });
    expect(await repo.users.findById(user.id)).toBeUndefined();
    expect(await repo.tickets.findByTokenHash(`delete-${backend}`)).toBeUndefined();
    expect(await repo.outbox.findByRef(`msg_delete_${backend}`)).toBeUndefined();
    expect(await repo.resetRequests.findById(request.id)).toMatchObject({ userId: null });
    expect(await repo.users.recentPasswordHashes(user.id, 10)).toEqual([]);
    expect(await repo.users.delete(user.id)).toBeUndefined();
  });
});
