import { randomBytes, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import postgres from "postgres";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signPayload, verifySignature } from "../../src/hmac-signature.ts";
import {
  CHECK_EMAIL,
  createHttpUserStore,
  type HttpUserStoreOptions,
} from "../../src/user-stores/http/http-user-store.ts";
import {
  type ExternalProfile,
  ExternalStoreUnavailableError,
} from "../../src/users/external-store.ts";
import { createHttpUserStoreServer, type HttpUserStoreServer } from "../support/http-user-store.ts";

const SECRET = "pdsk_test_secret_4f1c9a7e2b";
const PASSWORD = "correct horse battery staple";
const databaseUrl = process.env.TEST_DATABASE_URL;

describe("signPayload and verifySignature", () => {
  const now = 1_760_000_000;
  const body = '{"email":"jane@example.com"}';

  it("verifies what they sign, with the same secret, body and a recent time", () => {
    const header = signPayload(SECRET, body, now);
    expect(header).toMatch(/^t=1760000000,v1=[0-9a-f]{64}$/);
    expect(verifySignature(SECRET, header, body, now)).toBe(true);
    expect(verifySignature(SECRET, header, Buffer.from(body), now + 300)).toBe(true);
    expect(verifySignature(SECRET, header, body, now - 300)).toBe(true);
  });

  it("refuses a tampered body or another secret", () => {
    const header = signPayload(SECRET, body, now);
    expect(verifySignature(SECRET, header, body.replace("jane", "joan"), now)).toBe(false);
    expect(verifySignature(SECRET, header, `${body} `, now)).toBe(false);
    expect(verifySignature("another secret", header, body, now)).toBe(false);
  });

  it("refuses a timestamp outside the tolerance, either way", () => {
    const header = signPayload(SECRET, body, now);
    expect(verifySignature(SECRET, header, body, now + 301)).toBe(false);
    expect(verifySignature(SECRET, header, body, now - 301)).toBe(false);
    expect(verifySignature(SECRET, header, body, now + 30, 10)).toBe(false);
  });

  it("refuses a signature moved to another timestamp", () => {
    const mac = signPayload(SECRET, body, now).split(",v1=")[1];
    expect(verifySignature(SECRET, `t=${now + 1},v1=${mac}`, body, now)).toBe(false);
  });

  it("accepts any one matching v1 (a sender rotating its secret)", () => {
    const old = signPayload("old secret", body, now).split(",")[1];
    const current = signPayload(SECRET, body, now);
    expect(verifySignature(SECRET, `${current},${old}`, body, now)).toBe(true);
    expect(verifySignature(SECRET, `t=${now},${old}`, body, now)).toBe(false);
  });

  it.each([
    undefined,
    null,
    "",
    "garbage",
    `t=${now}`,
    `v1=${"a".repeat(64)}`,
    `t=abc,v1=${"a".repeat(64)}`,
    `t=${now},v1=${"a".repeat(63)}`,
    `t=${now},v1=${"g".repeat(64)}`,
    `t=${now},t=${now},v1=${"a".repeat(64)}`,
    `t=${now};v1=${"a".repeat(64)}`,
  ])("refuses the malformed header %j", (header) => {
    expect(verifySignature(SECRET, header, body, now)).toBe(false);
  });
});

const reason = databaseUrl ? "" : " (skipped: set TEST_DATABASE_URL to a PostgreSQL URL)";

describe.skipIf(!databaseUrl)(`createHttpUserStore against an app over PostgreSQL${reason}`, () => {
  const table = `http_store_users_${randomBytes(6).toString("hex")}`;
  let sql: postgres.Sql;
  let server: HttpUserStoreServer;

  /** The adapter as Passdesk builds it, with short timeouts so failures are quick. */
  function createStore(overrides: Partial<HttpUserStoreOptions> = {}) {
    return createHttpUserStore({
      connection: "crm",
      baseUrl: server.url,
      secret: SECRET,
      verifyHash: (hash, password) => bcrypt.compare(password, hash),
      timeoutMillis: 1000,
      ...overrides,
    });
  }

  /** A fresh user per test that changes passwords, so tests do not see each other's writes. */
  async function newUser(name = "Temp User"): Promise<ExternalProfile> {
    const email = `user-${randomUUID()}@example.com`;
    await server.addUser({ email, name, password: PASSWORD });
    const profile = await createStore().getUser(email);
    if (!profile) throw new Error("the new user was not found");
    return profile;
  }

  /** The why of the ExternalStoreUnavailableError `promise` rejects with, checked for leaks. */
  async function unavailable(promise: Promise<unknown>): Promise<string> {
    const error = await promise.then(
      () => {
        throw new Error("expected the store to be unavailable");
      },
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(ExternalStoreUnavailableError);
    const { message, why, connection } = error as ExternalStoreUnavailableError;
    expect(connection).toBe("crm");
    expect(message).toBe(`the user store of connection crm is unavailable: ${why}`);
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(PASSWORD);
    return why;
  }

  /** The line check() throws, checked for leaks. */
  async function checkFailure(promise: Promise<void>): Promise<string> {
    const error = await promise.then(
      () => new Error("expected check() to fail"),
      (rejected: unknown) => rejected as Error,
    );
    expect(error.message).not.toContain(SECRET);
    return error.message;
  }

  const callsTo = (path: string) => server.calls.filter((call) => call.path.endsWith(path));

  beforeAll(async () => {
    sql = postgres(databaseUrl as string, { max: 4, onnotice: () => {} });
    server = await createHttpUserStoreServer({ sql, table, secret: SECRET, basePath: "/passdesk" });
    await server.addUser({ email: "jane@example.com", name: "Jane Doe", password: PASSWORD });
    await server.addUser({ email: "Mixed.Case@Example.com", name: "Mixed", password: PASSWORD });
  });

  afterAll(async () => {
    await server?.close();
    await sql?.unsafe(`drop table if exists "${table}"`);
    await sql?.end({ timeout: 5 });
  });

  beforeEach(() => {
    server.reset();
  });

  describe("getUser", () => {
    it("returns the user the store has, in Passdesk's shape", async () => {
      const profile = await createStore().getUser("jane@example.com");
      expect(profile).toEqual({
        externalId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: "jane@example.com",
        emailVerified: true,
        name: "Jane Doe",
        givenName: null,
        familyName: null,
        nickname: null,
        blocked: false,
        passwordHash: expect.stringMatching(/^\$2[aby]\$04\$/),
      });
    });

    it("returns undefined for an unknown email", async () => {
      expect(await createStore().getUser("nobody@example.com")).toBeUndefined();
      expect(callsTo("/get_user").map((call) => call.status)).toEqual([404]);
    });

    it("finds a user whatever the case of either email", async () => {
      const profile = await createStore().getUser("  MIXED.case@example.COM ");
      expect(profile?.email).toBe("mixed.case@example.com");
      expect(profile?.name).toBe("Mixed");
    });

    it("treats an answer about another email as not found", async () => {
      server.answerEmail = "attacker@evil.example";
      expect(await createStore().getUser("jane@example.com")).toBeUndefined();
    });

    it("reads passwordHash as null when the store gives none", async () => {
      server.returnPasswordHash = false;
      const profile = await createStore().getUser("jane@example.com");
      expect(profile?.passwordHash).toBeNull();
    });

    it("sends a fresh idempotency key per call", async () => {
      const store = createStore();
      await store.getUser("jane@example.com");
      await store.getUser("jane@example.com");
      const [first, second] = callsTo("/get_user").map((call) => call.idempotencyKey);
      expect(first).toMatch(/^[0-9a-f-]{36}$/);
      expect(second).not.toBe(first);
    });
  });

  describe("getUsers", () => {
    it("returns the users found, once each", async () => {
      const profiles = await createStore().getUsers([
        "jane@example.com",
        "nobody@example.com",
        "mixed.case@example.com",
        "JANE@example.com",
      ]);
      expect(profiles.map((profile) => profile.email)).toEqual([
        "jane@example.com",
        "mixed.case@example.com",
      ]);
    });

    it("keeps at most 8 calls in flight", async () => {
      server.delayMillis = 50;
      const emails = Array.from({ length: 20 }, (_, index) => `nobody${index}@example.com`);
      expect(await createStore().getUsers(emails)).toEqual([]);
      expect(callsTo("/get_user")).toHaveLength(20);
      expect(server.peakInFlight).toBe(8);
    });
  });

  describe("verifyPassword", () => {
    it("checks a returned hash itself, without asking the store", async () => {
      const store = createStore();
      const profile = await store.getUser("jane@example.com");
      if (!profile) throw new Error("jane not found");
      expect(await store.verifyPassword(profile, PASSWORD)).toBe(true);
      expect(await store.verifyPassword(profile, "wrong password")).toBe(false);
      expect(callsTo("/verify_password")).toEqual([]);
    });

    it("asks verify_password when the store gives no hash", async () => {
      server.returnPasswordHash = false;
      const store = createStore();
      const profile = await store.getUser("jane@example.com");
      if (!profile) throw new Error("jane not found");
      expect(await store.verifyPassword(profile, PASSWORD)).toBe(true);
      expect(await store.verifyPassword(profile, "wrong password")).toBe(false);
      expect(callsTo("/verify_password").map((call) => call.status)).toEqual([200, 401]);
    });

    it("does not take an unsigned 200 for a right password", async () => {
      server.returnPasswordHash = false;
      const store = createStore();
      const profile = await store.getUser("jane@example.com");
      if (!profile) throw new Error("jane not found");
      server.unsigned = true;
      expect(await unavailable(store.verifyPassword(profile, PASSWORD))).toBe("unsigned answer");
    });
  });

  describe("changePassword", () => {
    it("changes the password as the app stores it", async () => {
      const profile = await newUser();
      const before = server.changeCount;
      const change = { password: "a brand new passphrase", idempotencyKey: randomUUID() };
      expect(await createStore().changePassword(profile, change)).toBe("changed");
      expect(server.changeCount).toBe(before + 1);
      expect(await server.verify(profile.email, "a brand new passphrase")).toBe(true);
      expect(await server.verify(profile.email, PASSWORD)).toBe(false);
      expect(callsTo("/change_password")[0]?.idempotencyKey).toBe(change.idempotencyKey);
    });

    it("writes once for two calls with the same idempotency key", async () => {
      const profile = await newUser();
      const before = server.changeCount;
      const store = createStore();
      const idempotencyKey = randomUUID();
      expect(
        await store.changePassword(profile, { password: "first passphrase", idempotencyKey }),
      ).toBe("changed");
      expect(
        await store.changePassword(profile, { password: "second passphrase", idempotencyKey }),
      ).toBe("changed");
      expect(server.changeCount).toBe(before + 1);
      expect(await server.verify(profile.email, "first passphrase")).toBe(true);
    });

    it("reports not_found for a user the store no longer has", async () => {
      const profile = await newUser();
      await sql.unsafe(`delete from "${table}" where id = $1`, [profile.externalId]);
      const change = { password: "a brand new passphrase", idempotencyKey: randomUUID() };
      expect(await createStore().changePassword(profile, change)).toBe("not_found");
    });

    it("retries a 500 with the same idempotency key, and writes once", async () => {
      const profile = await newUser();
      const before = server.changeCount;
      server.failNext(2);
      const change = { password: "after two failures", idempotencyKey: randomUUID() };
      expect(await createStore().changePassword(profile, change)).toBe("changed");
      const calls = callsTo("/change_password");
      expect(calls.map((call) => call.status)).toEqual([500, 500, 200]);
      expect(new Set(calls.map((call) => call.idempotencyKey))).toEqual(
        new Set([change.idempotencyKey]),
      );
      expect(server.changeCount).toBe(before + 1);
    });
  });

  describe("when the store misbehaves", () => {
    it("retries a 500 once and succeeds", async () => {
      server.failNext(1);
      expect((await createStore().getUser("jane@example.com"))?.name).toBe("Jane Doe");
      const calls = callsTo("/get_user");
      expect(calls.map((call) => call.status)).toEqual([500, 200]);
      expect(calls[1]?.idempotencyKey).toBe(calls[0]?.idempotencyKey);
    });

    it("gives up after the retries when it always answers 500", async () => {
      server.failNext(100);
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe("HTTP 500");
      expect(callsTo("/get_user")).toHaveLength(3);
    });

    it.each([400, 403, 429])("does not retry a %i", async (status) => {
      server.failNext(100, status);
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe(`HTTP ${status}`);
      expect(callsTo("/get_user")).toHaveLength(1);
    });

    it("times out a slow store", async () => {
      server.delayMillis = 1500;
      const store = createStore({ timeoutMillis: 200, retries: 1 });
      expect(await unavailable(store.getUser("jane@example.com"))).toBe("timeout");
      expect(callsTo("/get_user")).toHaveLength(2);
    });

    it("reports a stopped store as refusing connections, and works once it is back", async () => {
      const store = createStore();
      await server.stop();
      try {
        expect(await unavailable(store.getUser("jane@example.com"))).toBe("connection refused");
      } finally {
        await server.start();
      }
      expect((await store.getUser("jane@example.com"))?.name).toBe("Jane Doe");
    });

    it("does not trust an unsigned answer", async () => {
      server.unsigned = true;
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe("unsigned answer");
      expect(await unavailable(createStore().getUser("nobody@example.com"))).toBe(
        "unsigned answer",
      );
    });

    it("does not trust an answer signed with another secret", async () => {
      server.answerSecret = "someone else's secret";
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe(
        "wrongly signed or stale answer",
      );
    });

    it.each([-400, 400])("does not trust an answer signed %i s away", async (skew) => {
      server.answerSkewSeconds = skew;
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe(
        "wrongly signed or stale answer",
      );
    });

    it("is refused by the store when it signs with another secret", async () => {
      const store = createStore({ secret: "not the shared secret" });
      expect(await unavailable(store.getUser("jane@example.com"))).toBe("HTTP 403");
      expect(callsTo("/get_user").map((call) => call.status)).toEqual([403]);
    });

    it.each([false, true])("refuses a 1 MB answer (streamed: %s)", async (streamed) => {
      server.paddingBytes = 1024 * 1024;
      server.streamAnswers = streamed;
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe("answer too large");
    });

    it("accepts a padded answer within maxResponseBytes", async () => {
      server.paddingBytes = 10_000;
      server.streamAnswers = true;
      const store = createStore({ maxResponseBytes: 20_000 });
      expect((await store.getUser("jane@example.com"))?.name).toBe("Jane Doe");
    });

    it("refuses a malformed 200", async () => {
      server.answerEmail = "not an email";
      expect(await unavailable(createStore().getUser("jane@example.com"))).toBe("malformed answer");
    });
  });

  describe("check", () => {
    it("passes against a store that answers signed", async () => {
      await expect(createStore().check()).resolves.toBeUndefined();
      expect(callsTo("/get_user").map((call) => call.status)).toEqual([404]);
      expect(CHECK_EMAIL).toMatch(/@invalid\.example$/);
    });

    it("says when the store cannot be reached", async () => {
      await server.stop();
      try {
        expect(await checkFailure(createStore().check())).toBe(
          `connection crm: cannot reach ${server.url}/get_user (connection refused)`,
        );
      } finally {
        await server.start();
      }
    });

    it("says when answers are not signed with the configured secret", async () => {
      server.answerSecret = "someone else's secret";
      expect(await checkFailure(createStore().check())).toBe(
        `connection crm: answers from ${server.url}/get_user are not signed with the configured secret (wrongly signed or stale answer)`,
      );
    });

    it("says when the store refuses Passdesk's signature", async () => {
      const message = await checkFailure(createStore({ secret: "not the shared secret" }).check());
      expect(message).toBe(
        `connection crm: ${server.url}/get_user refuses Passdesk's requests (HTTP 403); is the secret the same on both sides?`,
      );
      expect(message).not.toContain("not the shared secret");
    });
  });

  it("describes itself by URL, without the secret", async () => {
    const store = createStore({ baseUrl: `${server.url}/` });
    expect(store.description).toBe(`http ${server.url}`);
    expect(createStore().description).toBe(`http ${server.url}`);
    expect(store.description).not.toContain(SECRET);
    await expect(store.close()).resolves.toBeUndefined();
  });
});
