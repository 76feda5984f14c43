import { describe, expect, it } from "vitest";
import type { Repository } from "../../src/db/stores.ts";
import { setPasswordByAdmin } from "../../src/password-reset/admin-set-password.ts";
import { unblockSignIn } from "../../src/sign-in/staff-unblock.ts";
import { redeemUnblockLink } from "../../src/sign-in/unblock.ts";
import { CHANGE_EVENT_TYPES, type ChangeEvent } from "../../src/webhooks/events.ts";
import { createMemoryReset } from "../support/memory-reset.ts";
import { createMemorySignIn } from "../support/memory-sign-in.ts";
import { DEFAULT_CONNECTION } from "../support/reset-fixture.ts";

// Where each change publishes its event, on the memory stores: which type, about whom, by whom,
// and nothing when nothing changed.

async function subscribeToEverything(repo: Repository) {
  await repo.webhookEndpoints.add({
    id: "whk_all",
    url: "https://app.example.com/hooks",
    events: [...CHANGE_EVENT_TYPES],
    sealedSecret: "sealed",
    createdAt: new Date(0),
  });
}

async function published(repo: Repository): Promise<ChangeEvent[]> {
  return (await repo.webhookDeliveries.recent(1000)).map((delivery) => delivery.event).reverse();
}

describe("password.changed", () => {
  it("is published by a reset through a link, as the user, and not by a refused password", async () => {
    const reset = createMemoryReset();
    await subscribeToEverything(reset.repo);
    const user = await reset.addUser("jane@example.com");
    const token = await reset.linkFor("jane@example.com");
    expect(await reset.complete(token, "short")).toMatchObject({ ok: false });
    expect(await published(reset.repo)).toEqual([]);
    expect(await reset.complete(token, "violet lanterns drift upstream")).toMatchObject({
      ok: true,
    });
    expect(await published(reset.repo)).toEqual([
      {
        id: expect.stringMatching(/^evt_/),
        type: "password.changed",
        createdAt: reset.clock.now(),
        data: {
          user_id: `auth0|${user.id}`,
          email: "jane@example.com",
          connection: DEFAULT_CONNECTION,
          by: { type: "user" },
        },
      },
    ]);
  });

  it("is published by an admin's /set-password as that staff member", async () => {
    const reset = createMemoryReset();
    await subscribeToEverything(reset.repo);
    const user = await reset.addUser("jane@example.com");
    const result = await setPasswordByAdmin(
      { repo: reset.repo, hasher: reset.hasher, clock: reset.clock },
      {
        target: { connection: DEFAULT_CONNECTION, email: user.email, userId: user.id },
        mode: "generate",
        notify: false,
        actor: { teamId: "T1", userId: "U0ADMIN" },
      },
    );
    expect(result).toMatchObject({ ok: true });
    const [event, ...more] = await published(reset.repo);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      type: "password.changed",
      data: { by: { type: "staff", id: "U0ADMIN" } },
    });
    expect(JSON.stringify(event)).not.toContain(result.ok ? result.generatedPassword : "-");
  });
});

describe("user.locked_out and user.unblocked", () => {
  async function lockOut() {
    const signIn = createMemorySignIn({ bruteForce: { maxAttempts: 2 } });
    await subscribeToEverything(signIn.repo);
    const user = await signIn.addUser("jane@example.com");
    for (let i = 0; i < 2; i++) await signIn.signIn("jane@example.com", "wrong", "192.0.2.1");
    for (let i = 0; i < 2; i++) await signIn.signIn("nobody@example.com", "wrong", "192.0.2.1");
    await signIn.settled();
    return { signIn, user };
  }

  it("a known user's block publishes user.locked_out by Passdesk; an unknown identifier's publishes nothing", async () => {
    const { signIn, user } = await lockOut();
    expect(await published(signIn.repo)).toEqual([
      expect.objectContaining({
        type: "user.locked_out",
        data: {
          user_id: `auth0|${user.id}`,
          email: "jane@example.com",
          connection: DEFAULT_CONNECTION,
          by: { type: "system" },
        },
      }),
    ]);
  });

  it("the emailed link publishes user.unblocked by the user, once", async () => {
    const { signIn } = await lockOut();
    const token = signIn.mailer.sent[0]?.text.match(/ticket=([\w-]+)/)?.[1] ?? "";
    expect(await redeemUnblockLink(signIn.repo, token, signIn.clock.now())).toEqual({ ok: true });
    expect(await redeemUnblockLink(signIn.repo, token, signIn.clock.now())).toMatchObject({
      ok: false,
    });
    const events = await published(signIn.repo);
    expect(events.map((event) => event.type)).toEqual(["user.locked_out", "user.unblocked"]);
    expect(events[1]?.data).toMatchObject({ by: { type: "user" }, block: "sign_in" });
  });

  it("staff lifting a block publishes user.unblocked as them; nothing lifted, or no such user, publishes nothing", async () => {
    const { signIn } = await lockOut();
    const unblock = (email: string) =>
      unblockSignIn(signIn.repo, {
        connection: DEFAULT_CONNECTION,
        email,
        actor: { actorType: "slack", actorId: "U0SUPPORT" },
        at: signIn.clock.now(),
      });
    expect(await unblock("nobody@example.com")).toEqual({ ok: true, lifted: 1 });
    expect(await unblock("jane@example.com")).toEqual({ ok: true, lifted: 1 });
    expect(await unblock("jane@example.com")).toEqual({ ok: true, lifted: 0 });
    const events = await published(signIn.repo);
    expect(events.map((event) => event.type)).toEqual(["user.locked_out", "user.unblocked"]);
    expect(events[1]?.data).toMatchObject({
      email: "jane@example.com",
      by: { type: "staff", id: "U0SUPPORT" },
      block: "sign_in",
    });
  });
});
