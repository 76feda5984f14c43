import { describe, expect, it } from "vitest";
import { createHttpApp } from "../../src/http/app.ts";
import { createSignUpRoute } from "../../src/http/signup/route.ts";
import { createBoundedHasher } from "../../src/passwords/bounded-hasher.ts";
import type { PasswordHasher } from "../../src/passwords/hasher.ts";
import { createManualClock } from "../support/clock.ts";
import { createMemoryStores, DEFAULT_CONNECTION_NAME } from "../support/memory/stores.ts";
import { createPlainHasher } from "../support/plain-hasher.ts";
import { silentLogger } from "../support/reset-fixture.ts";

// The route in-process over the memory stores: what it answers when it cannot do the work.
async function setUp(hasher: PasswordHasher) {
  const repo = createMemoryStores({ clock: createManualClock() });
  await repo.connections.setSignup(DEFAULT_CONNECTION_NAME, "open");
  const { clientId } = await repo.clients.add({ name: "Web", webOrigins: [] });
  const app = createHttpApp({
    logger: silentLogger,
    checkDatabase: async () => {},
    routes: [
      createSignUpRoute({
        repo,
        hasher,
        clock: createManualClock(),
        logger: silentLogger,
        limits: { perIp: { burst: 100, perMinute: 100 } },
        trustedProxies: 0,
      }),
    ],
  });
  const post = (email: string) =>
    app.request("/dbconnections/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_id: clientId,
        connection: DEFAULT_CONNECTION_NAME,
        email,
        password: "a long enough passphrase",
      }),
    });
  return { repo, post };
}

/** A hasher whose every hash waits until `release` is called. */
function createHeldHasher() {
  const plain = createPlainHasher();
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const hasher: PasswordHasher = {
    ...plain,
    async hash(password) {
      await held;
      return plain.hash(password);
    },
  };
  return { hasher, release };
}

describe("POST /dbconnections/signup when it cannot do the work", () => {
  it("answers 503 with Retry-After when password hashing is busy, and stores nothing", async () => {
    const { hasher, release } = createHeldHasher();
    const bounded = createBoundedHasher(hasher, { maxInFlight: 1, maxQueued: 0, maxWaitMillis: 0 });
    const { repo, post } = await setUp(bounded);
    const first = post("first@example.com");
    await new Promise((resolve) => setTimeout(resolve, 20));
    const busy = await post("second@example.com");
    expect(busy.status).toBe(503);
    expect(busy.headers.get("retry-after")).toBe("1");
    expect(await busy.json()).toEqual({
      error: "temporarily_unavailable",
      error_description: expect.any(String),
    });
    release();
    expect((await first).status).toBe(200);
    expect(await repo.users.findByEmail(1, "second@example.com")).toBeUndefined();
  });

  it("answers 503 when the database fails, never a 500", async () => {
    const { repo, post } = await setUp(createPlainHasher());
    repo.users.findByEmail = async () => {
      throw new Error("connection terminated");
    };
    const response = await post("down@example.com");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: "temporarily_unavailable" });
  });
});
