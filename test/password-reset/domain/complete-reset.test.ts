import { describe, expect, it } from "vitest";
import { DEFAULT_CHANGE_PASSWORD_TEMPLATE } from "../../../src/email/template.ts";
import { MAX_REJECTED_SUBMISSIONS } from "../../../src/password-reset/submission-limits.ts";
import { hashTicketToken } from "../../../src/password-reset/tokens.ts";
import { createMemoryReset, FIRST_PASSWORD } from "../../support/memory-reset.ts";

const NEW_PASSWORD = "a brand new passphrase";

async function resetWithLink() {
  const reset = createMemoryReset();
  const user = await reset.addUser("jane@example.com", { name: "Jane Doe" });
  const token = await reset.linkFor("jane@example.com");
  const ticket = () => reset.repo.tickets.findByTokenHash(hashTicketToken(token));
  const passwordHash = async () => (await reset.repo.users.findById(user.id))?.passwordHash;
  return { reset, user, token, ticket, passwordHash };
}

describe("completing a reset through a link", () => {
  it("sets the password, consumes the ticket, and audits the change", async () => {
    const { reset, token, ticket, passwordHash } = await resetWithLink();
    const result = await reset.complete(token, NEW_PASSWORD);
    expect(result).toMatchObject({ ok: true, user: { email: "jane@example.com" } });
    expect(await reset.hasher.verify((await passwordHash()) ?? "", NEW_PASSWORD)).toBe(true);
    expect(await ticket()).toMatchObject({ usedAt: reset.clock.now() });
    expect(await reset.auditOutcomes("password_reset.completed")).toEqual(["success"]);
  });

  it("a password the policy refuses consumes nothing: the link still works", async () => {
    const { reset, token, ticket, passwordHash } = await resetWithLink();
    const before = await passwordHash();
    const weak = await reset.complete(token, "password");
    expect(weak).toMatchObject({
      ok: false,
      reason: "rejected",
      verdict: { mismatch: false },
      attemptsLeft: MAX_REJECTED_SUBMISSIONS - 1,
    });
    const mismatch = await reset.complete(token, NEW_PASSWORD, "another one entirely");
    expect(mismatch).toMatchObject({ ok: false, reason: "rejected", verdict: { mismatch: true } });
    expect(await ticket()).toMatchObject({ usedAt: null, revokedAt: null, rejectedSubmissions: 2 });
    expect(await passwordHash()).toBe(before);
    expect(await reset.auditOutcomes("password_reset.completed")).toEqual([]);
    expect((await reset.complete(token, NEW_PASSWORD)).ok).toBe(true);
  });

  it("a ticket submitted twice changes the password once", async () => {
    const { reset, token, user } = await resetWithLink();
    expect((await reset.complete(token, NEW_PASSWORD)).ok).toBe(true);
    expect(await reset.complete(token, "yet another passphrase")).toMatchObject({
      ok: false,
      reason: "used",
    });
    expect(await reset.repo.users.recentPasswordHashes(user.id, 10)).toEqual([
      await reset.hasher.hash(NEW_PASSWORD),
      await reset.hasher.hash(FIRST_PASSWORD),
    ]);
  });

  it("a ticket submitted twice at once changes the password once", async () => {
    const { reset, token, user } = await resetWithLink();
    const results = await Promise.all(
      ["first passphrase here", "second passphrase here"].map((password) =>
        reset.complete(token, password),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(1);
    expect(results.find((result) => !result.ok)).toMatchObject({ reason: "used" });
    expect(await reset.repo.users.recentPasswordHashes(user.id, 10)).toHaveLength(2);
    expect(await reset.auditOutcomes("password_reset.completed")).toEqual(["success"]);
  });

  it("an expired ticket changes nothing", async () => {
    const { reset, token, ticket, passwordHash } = await resetWithLink();
    const before = await passwordHash();
    reset.clock.advance(DEFAULT_CHANGE_PASSWORD_TEMPLATE.urlLifetimeSeconds * 1000);
    expect(await reset.complete(token, NEW_PASSWORD)).toMatchObject({
      ok: false,
      reason: "expired",
    });
    expect(await ticket()).toMatchObject({ usedAt: null, rejectedSubmissions: 0 });
    expect(await passwordHash()).toBe(before);
  });

  it("a password in the history is refused, and the link still works", async () => {
    const { reset, token, ticket } = await resetWithLink();
    const reused = await reset.complete(token, FIRST_PASSWORD);
    expect(reused).toMatchObject({ ok: false, reason: "rejected" });
    if (reused.ok || reused.reason !== "rejected") throw new Error("expected a refusal");
    expect(reused.verdict.rules.find((rule) => rule.rule === "history")?.ok).toBe(false);
    expect(await ticket()).toMatchObject({ usedAt: null, revokedAt: null });
    expect((await reset.complete(token, NEW_PASSWORD)).ok).toBe(true);
  });

  it("a password set through a link joins the history, newest first", async () => {
    const { reset, user, token } = await resetWithLink();
    await reset.complete(token, NEW_PASSWORD);
    await reset.send(); // the password-changed notice, before the next link is asked for
    const next = await reset.linkFor("jane@example.com");
    expect(await reset.complete(next, NEW_PASSWORD)).toMatchObject({ reason: "rejected" });
    expect((await reset.complete(next, "a third passphrase")).ok).toBe(true);
    expect(await reset.repo.users.recentPasswordHashes(user.id, 10)).toEqual(
      await Promise.all(
        ["a third passphrase", NEW_PASSWORD, FIRST_PASSWORD].map((password) =>
          reset.hasher.hash(password),
        ),
      ),
    );
  });

  it("the refusal that reaches the budget revokes the link", async () => {
    const { reset, token } = await resetWithLink();
    for (let i = 1; i < MAX_REJECTED_SUBMISSIONS; i++)
      expect(await reset.complete(token, "password")).toMatchObject({
        attemptsLeft: MAX_REJECTED_SUBMISSIONS - i,
      });
    expect(await reset.complete(token, "password")).toMatchObject({
      ok: false,
      reason: "too_many_attempts",
    });
    expect(await reset.complete(token, NEW_PASSWORD)).toMatchObject({
      ok: false,
      reason: "too_many_attempts",
    });
  });

  it("a changed password revokes the user's other links; a newer email revokes the older", async () => {
    const { reset, token } = await resetWithLink();
    const newer = await reset.linkFor("jane@example.com");
    expect(await reset.complete(token, NEW_PASSWORD)).toMatchObject({ reason: "revoked" });
    expect((await reset.complete(newer, NEW_PASSWORD)).ok).toBe(true);
  });

  it("a blocked user's link no longer works", async () => {
    const { reset, user, token } = await resetWithLink();
    await reset.repo.users.setBlocked(user.id, true);
    expect(await reset.complete(token, NEW_PASSWORD)).toMatchObject({
      ok: false,
      reason: "revoked",
    });
  });

  it("an unknown token is invalid", async () => {
    const { reset } = await resetWithLink();
    expect(await reset.complete("not-a-token", NEW_PASSWORD)).toMatchObject({
      ok: false,
      reason: "invalid",
    });
  });
});
