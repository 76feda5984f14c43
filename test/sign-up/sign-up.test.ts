import { describe, expect, it } from "vitest";
import { type SignUpInput, signUp } from "../../src/sign-up/sign-up.ts";
import { createManualClock } from "../support/clock.ts";
import { createMemoryStores, DEFAULT_CONNECTION_NAME } from "../support/memory/stores.ts";
import { createPlainHasher } from "../support/plain-hasher.ts";

const PASSWORD = "a long enough passphrase";

async function setUp({ open = true, burst = 100 } = {}) {
  const clock = createManualClock(new Date("2026-05-01T00:00:00Z"));
  const repo = createMemoryStores({ clock });
  const hasher = createPlainHasher();
  const { clientId } = await repo.clients.add({ name: "Web", webOrigins: [] });
  if (open) await repo.connections.setSignup(DEFAULT_CONNECTION_NAME, "open");
  await repo.connections.add({ name: "google", strategy: "google-oauth2", signup: "open" });
  const deps = {
    stores: repo,
    transaction: repo.transaction,
    hasher,
    clock,
    limits: { perIp: { burst, perMinute: 1 } },
  };
  const input = (fields: Partial<SignUpInput> = {}): SignUpInput => ({
    clientId,
    connection: DEFAULT_CONNECTION_NAME,
    email: "new.user@example.com",
    password: PASSWORD,
    profile: {},
    clientIp: "203.0.113.9",
    ...fields,
  });
  const audits = async () =>
    (await repo.audit.tail(100))
      .filter((row) => row.action === "signup")
      .map(({ outcome, details, actorType, actorId, targetEmail, connection }) => ({
        outcome,
        details,
        actorType,
        actorId,
        targetEmail,
        connection,
      }));
  return { repo, hasher, deps, input, audits, clock };
}

describe("signing up", () => {
  it("creates an unverified user with the profile given and the password hashed into its history", async () => {
    const { repo, hasher, deps, input, audits } = await setUp();
    const result = await signUp(
      deps,
      input({
        email: "  New.User@Example.com ",
        profile: {
          username: "newbie",
          givenName: "Nora",
          familyName: "Vale",
          name: "Nora Vale",
          nickname: "nv",
          picture: "https://example.com/nv.png",
          userMetadata: { plan: "gold" },
        },
      }),
    );
    expect(result).toMatchObject({
      ok: true,
      user: {
        email: "new.user@example.com",
        emailVerified: false,
        username: "newbie",
        givenName: "Nora",
        picture: "https://example.com/nv.png",
        userMetadata: { plan: "gold" },
      },
    });
    if (!result.ok) return;
    expect(await repo.users.recentPasswordHashes(result.user.id, 5)).toEqual([
      await hasher.hash(PASSWORD),
    ]);
    expect(await audits()).toEqual([
      {
        outcome: "success",
        details: { logType: "ss" },
        actorType: "public",
        actorId: "203.0.113.9",
        targetEmail: "new.user@example.com",
        connection: DEFAULT_CONNECTION_NAME,
      },
    ]);
  });

  it("refuses a connection whose signup is closed, which is the default", async () => {
    const { deps, input, audits, repo } = await setUp({ open: false });
    expect(await signUp(deps, input())).toEqual({ ok: false, reason: "signup_closed" });
    expect(await repo.users.findByEmail(1, "new.user@example.com")).toBeUndefined();
    expect(await audits()).toMatchObject([
      { outcome: "failure", details: { logType: "fs", reason: "signup_closed" } },
    ]);
  });

  it("refuses an unknown client, an unknown connection and one that is not a database", async () => {
    const { deps, input } = await setUp();
    expect(await signUp(deps, input({ clientId: "nope" }))).toEqual({
      ok: false,
      reason: "invalid_client",
    });
    expect(await signUp(deps, input({ connection: "nope" }))).toEqual({
      ok: false,
      reason: "connection_not_found",
    });
    expect(await signUp(deps, input({ connection: "google" }))).toEqual({
      ok: false,
      reason: "not_database_connection",
    });
  });

  it("says user_exists for a taken email, however it is written, and keeps the first password", async () => {
    const { deps, input, repo, hasher, audits } = await setUp();
    const first = await signUp(deps, input());
    expect(first.ok).toBe(true);
    const again = await signUp(
      deps,
      input({ email: "NEW.USER@example.com", password: "another fine passphrase" }),
    );
    expect(again).toEqual({ ok: false, reason: "user_exists" });
    const user = await repo.users.findByEmail(1, "new.user@example.com");
    expect(await hasher.verify(user?.passwordHash ?? "", PASSWORD)).toBe(true);
    expect((await audits()).map((row) => row.details)).toEqual([
      { logType: "ss" },
      { logType: "fs", reason: "user_exists" },
    ]);
  });

  it("two signups for one email at once create one user", async () => {
    const { deps, input, repo } = await setUp();
    const results = await Promise.all([signUp(deps, input()), signUp(deps, input())]);
    expect(results.map((result) => result.ok).sort()).toEqual([false, true]);
    expect(await repo.users.list({ emailContains: "new.user" }, { limit: 10 })).toHaveLength(1);
  });

  it("refuses a password the policy refuses, personal data included, and stores nothing", async () => {
    const { deps, input, repo, audits } = await setUp();
    const short = await signUp(deps, input({ password: "Vq7#xLp2mT" }));
    expect(short).toMatchObject({ ok: false, reason: "invalid_password" });
    if (short.ok || short.reason !== "invalid_password") return;
    expect(short.rules.filter((rule) => rule.ok === false).map((rule) => rule.rule)).toEqual([
      "min_length",
    ]);
    const personal = await signUp(
      deps,
      input({ password: "nightingale is my username", profile: { username: "nightingale" } }),
    );
    expect(personal).toMatchObject({ ok: false, reason: "invalid_password" });
    if (personal.ok || personal.reason !== "invalid_password") return;
    expect(personal.rules.filter((rule) => rule.ok === false).map((rule) => rule.rule)).toEqual([
      "personal_data",
    ]);
    expect(await repo.users.findByEmail(1, "new.user@example.com")).toBeUndefined();
    expect((await audits()).map((row) => row.details)).toEqual([
      { logType: "fs", reason: "invalid_password" },
      { logType: "fs", reason: "invalid_password" },
    ]);
  });

  it("takes a token from the IP's bucket for every attempt, refusals included, then refuses", async () => {
    const { deps, input, audits } = await setUp({ burst: 2 });
    expect((await signUp(deps, input({ clientId: "nope" }))).ok).toBe(false);
    expect((await signUp(deps, input())).ok).toBe(true);
    const limited = await signUp(deps, input({ email: "third@example.com" }));
    expect(limited).toMatchObject({
      ok: false,
      reason: "rate_limited",
      rateLimit: { allowed: false, limit: 2, remaining: 0, retryAfterSeconds: 60 },
    });
    const other = await signUp(deps, input({ email: "third@example.com", clientIp: "192.0.2.1" }));
    expect(other.ok).toBe(true);
    expect((await audits()).map((row) => row.details)).toContainEqual({
      logType: "fs",
      reason: "rate_limited",
    });
  });

  it("never puts the password in the audit trail", async () => {
    const { deps, input, repo } = await setUp();
    await signUp(deps, input());
    await signUp(deps, input({ password: "Vq7#xLp2mT" }));
    expect(JSON.stringify(await repo.audit.tail(100))).not.toContain("passphrase");
    expect(JSON.stringify(await repo.audit.tail(100))).not.toContain("Vq7#xLp2mT");
  });
});
