import { describe, expect, it } from "vitest";
import { HasherBusyError } from "../../../src/passwords/bounded-hasher.ts";
import { signInWithPassword } from "../../../src/sign-in/password-grant.ts";
import { DEFAULT_CONNECTION_NAME } from "../../support/memory/stores.ts";
import { createMemorySignIn } from "../../support/memory-sign-in.ts";
import { createPlainHasher } from "../../support/plain-hasher.ts";

describe("a sign-in refused because Argon2 is busy", () => {
  it("is not counted: retrying the right password under load never blocks the user", async () => {
    const { repo, guard, clock, addUser } = createMemorySignIn();
    await addUser("jane@example.com");
    const hasher = createPlainHasher();
    let busy = true;
    const deps = {
      stores: {
        ...repo,
        users: {
          ...repo.users,
          // As the bounded hasher refuses inside the user store's check when it is full.
          verifyPassword: async (...args: Parameters<typeof repo.users.verifyPassword>) => {
            if (busy) throw new HasherBusyError("queue_full", 1);
            return repo.users.verifyPassword(...args);
          },
        },
      },
      hasher,
      dummyHash: await hasher.hash("no one's"),
      guard,
      clock,
    };
    const input = {
      connection: DEFAULT_CONNECTION_NAME,
      username: "jane@example.com",
      password: "right password",
      clientId: "client",
      ip: "192.0.2.10",
    };
    for (let i = 0; i < 15; i += 1) {
      await expect(signInWithPassword(deps, input)).rejects.toBeInstanceOf(HasherBusyError);
    }
    expect(await repo.signInFailures.list(1, "jane@example.com")).toMatchObject([
      { failures: 0, blockedAt: null },
    ]);
    busy = false;
    expect(await signInWithPassword(deps, input)).toMatchObject({ ok: true });
  });
});
