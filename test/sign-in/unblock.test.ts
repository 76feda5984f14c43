import { describe, expect, it } from "vitest";
import { BLOCK_LIFETIME_MILLIS } from "../../src/sign-in/ports.ts";
import { listSignInBlocks, unblockSignIn } from "../../src/sign-in/staff-unblock.ts";
import { inspectUnblockLink, redeemUnblockLink } from "../../src/sign-in/unblock.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";

const CONNECTION = "Username-Password-Authentication";

async function blockJane() {
  const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
  await signIn.addUser("jane@example.com");
  for (let i = 0; i < 2; i++) await signIn.signIn("jane@example.com", "wrong", "192.0.2.1");
  for (let i = 0; i < 2; i++) await signIn.signIn("jane@example.com", "wrong", "192.0.2.2");
  await signIn.settled();
  const tokens = signIn.mailer.sent.map((email) => email.text.match(/ticket=([\w-]+)/)?.[1] ?? "");
  return { signIn, tokens };
}

describe("the unblock link", () => {
  it("is shown without being used up, then lifts its own IP's block once", async () => {
    const { signIn, tokens } = await blockJane();
    const [first = ""] = tokens;
    const at = signIn.clock.now();
    expect(await inspectUnblockLink(signIn.repo, first, at)).toEqual({ ok: true });
    expect(await inspectUnblockLink(signIn.repo, first, at)).toEqual({ ok: true });
    expect(await redeemUnblockLink(signIn.repo, first, at)).toEqual({ ok: true });
    expect(await redeemUnblockLink(signIn.repo, first, at)).toEqual({ ok: false, problem: "used" });
    expect(await inspectUnblockLink(signIn.repo, first, at)).toEqual({
      ok: false,
      problem: "used",
    });

    expect(await signIn.signIn("jane@example.com", "right password", "192.0.2.1")).toMatchObject({
      signedIn: true,
    });
    expect(await signIn.signIn("jane@example.com", "right password", "192.0.2.2")).toMatchObject({
      reason: "identifier_blocked",
    });
    expect(await signIn.repo.audit.tail(1)).toMatchObject([
      {
        actorType: "user",
        action: "sign_in.unblocked",
        outcome: "unblocked",
        targetEmail: "jane@example.com",
        details: { ip: "192.0.2.1", count: 1, via: "link" },
      },
    ]);
  });

  it("does nothing once expired, and an unknown token is invalid", async () => {
    const { signIn, tokens } = await blockJane();
    signIn.clock.advance(86_400_000);
    const at = signIn.clock.now();
    expect(await inspectUnblockLink(signIn.repo, tokens[0] ?? "", at)).toEqual({
      ok: false,
      problem: "expired",
    });
    expect(await redeemUnblockLink(signIn.repo, tokens[0] ?? "", at)).toEqual({
      ok: false,
      problem: "expired",
    });
    expect(await redeemUnblockLink(signIn.repo, "not-a-token", at)).toEqual({
      ok: false,
      problem: "invalid",
    });
    expect(await signIn.repo.signInFailures.list(1, "jane@example.com")).toHaveLength(2);
  });
});

describe("staff unblocking", () => {
  it("lists the counts per IP with whether each blocks now", async () => {
    const { signIn } = await blockJane();
    await signIn.signIn("jane@example.com", "wrong", "192.0.2.3");
    const listed = await listSignInBlocks(signIn.repo, {
      connection: CONNECTION,
      email: "JANE@example.com",
      at: signIn.clock.now(),
    });
    expect(listed.ok && listed.counts.map(({ ip, active }) => ({ ip, active }))).toEqual([
      { ip: "192.0.2.1", active: true },
      { ip: "192.0.2.2", active: true },
      { ip: "192.0.2.3", active: false },
    ]);
    const later = new Date(signIn.clock.now().getTime() + BLOCK_LIFETIME_MILLIS + 1);
    const old = await listSignInBlocks(signIn.repo, {
      connection: CONNECTION,
      email: "jane@example.com",
      at: later,
    });
    expect(old.ok && old.counts.every((count) => !count.active)).toBe(true);
    expect(
      await listSignInBlocks(signIn.repo, {
        connection: "nope",
        email: "jane@example.com",
        at: later,
      }),
    ).toEqual({ ok: false, reason: "connection_not_found" });
  });

  it("lifts one IP's block or all, audited as the actor even when nothing was blocked", async () => {
    const { signIn } = await blockJane();
    const actor = { actorType: "cli" as const, actorId: "ops" };
    expect(
      await unblockSignIn(signIn.repo, {
        connection: CONNECTION,
        email: "jane@example.com",
        ip: "192.0.2.2",
        actor,
        at: new Date(),
      }),
    ).toEqual({ ok: true, lifted: 1 });
    expect(
      await unblockSignIn(signIn.repo, {
        connection: CONNECTION,
        email: "jane@example.com",
        actor,
        at: new Date(),
      }),
    ).toEqual({
      ok: true,
      lifted: 1,
    });
    expect(
      await unblockSignIn(signIn.repo, {
        connection: CONNECTION,
        email: "jane@example.com",
        actor,
        at: new Date(),
      }),
    ).toEqual({
      ok: true,
      lifted: 0,
    });
    expect(
      (await signIn.repo.audit.tail(3)).map(({ actorType, actorId, outcome, details }) => ({
        actorType,
        actorId,
        outcome,
        details,
      })),
    ).toEqual([
      {
        actorType: "cli",
        actorId: "ops",
        outcome: "unblocked",
        details: { ip: "192.0.2.2", count: 1 },
      },
      { actorType: "cli", actorId: "ops", outcome: "unblocked", details: { ip: "all", count: 1 } },
      {
        actorType: "cli",
        actorId: "ops",
        outcome: "not_blocked",
        details: { ip: "all", count: 0 },
      },
    ]);
  });
});
