import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { createExternalStores, type ExternalStores } from "../../src/compose/external-stores.ts";
import { createRepository, type Repository } from "../../src/db/stores.ts";
import { setPasswordByAdmin } from "../../src/password-reset/admin-set-password.ts";
import {
  type CompleteResetResult,
  completePasswordReset,
} from "../../src/password-reset/complete-reset.ts";
import {
  EXTERNAL_CHANGE_LEASE_MILLIS,
  type ExternalChangeWiring,
  recoverExternalChanges,
} from "../../src/password-reset/external-change.ts";
import { createTicketToken, hashTicketToken } from "../../src/secret-tokens.ts";
import { createKeyEncryption } from "../../src/sign-in/key-encryption.ts";
import { signInWithPassword } from "../../src/sign-in/password-grant.ts";
import { createHttpUserStore } from "../../src/user-stores/http/http-user-store.ts";
import type { Connection } from "../../src/users/connection.ts";
import {
  ExternalStoreUnavailableError,
  type ExternalUserStore,
  type StoreConfig,
} from "../../src/users/external-store.ts";
import type { ExternalStoreRegistry } from "../../src/users/linked-user-store.ts";
import {
  appAccepts,
  createDeviseDatabase,
  createLaravelUsersTable,
  probeMysql,
} from "../support/app-users.ts";
import { type BackendName, backends, openMigratedDatabase } from "../support/database.ts";
import { createHttpUserStoreServer, type HttpUserStoreServer } from "../support/http-user-store.ts";
import { silentLogger, testHasher } from "../support/reset-fixture.ts";
import { createRecordingGuard } from "../support/sign-in.ts";
import { createTcpProxy } from "../support/tcp-proxy.ts";
import { sleep, waitFor } from "../support/wait-for.ts";

/*
 * The flows that change or check a password of a user who lives in the organisation's own store
 * (a Devise table on PostgreSQL, a Laravel table on MariaDB, a signed HTTP API), end to end over
 * Passdesk's real database: look-up and link rows, a reset through a link, 50 submissions of one
 * link, the store down, failing or slow, a process killed between the store's write and
 * Passdesk's commit (then recovery), sign-in and an admin's password set.
 *
 * Where the store is unavailable, two moments differ:
 *  - down before the look-up: completePasswordReset (and setPasswordByAdmin) REJECT with
 *    ExternalStoreUnavailableError, thrown by the user look-up (inspectTicket → findById); the
 *    reset page catches it (http/reset-page/submit-form.ts) and says "try again";
 *  - down between the look-up and the change: the claim is released and the call RESOLVES to
 *    `{ ok: false, reason: "store_unavailable" }`.
 * Both leave the ticket unused: the same link works once the store is back.
 */

const CONNECTION = "legacy";
const OLD_PASSWORD = "old horse battery staple";
const LENIENT = {
  level: "none",
  minLength: 8,
  dictionary: false,
  noPersonalInfo: false,
  historySize: 5,
} as const;
const HTTP_SECRET = `pdsk_test_${randomBytes(12).toString("hex")}`;

/** One organisation's store as the flows see it, with the controls the tests need. */
interface AppStore {
  store: StoreConfig;
  /** What createExternalStores reads the URL or secret from. */
  env: Record<string, string>;
  /** Adds a user with the app's own hashing; returns the store's id. */
  addUser(user: { email: string; password: string; name: string }): Promise<string>;
  /** The app's own check of a password (its bcrypt, or its sign-in endpoint's logic). */
  accepts(email: string, password: string): Promise<boolean>;
  /** Password writes the store made so far (a trigger's rows, or the server's count). */
  writes(): Promise<number>;
  /** The store refuses connections (and cuts open ones) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** The HTTP store's server, for its controls. */
  server?: HttpUserStoreServer;
  close(): Promise<void>;
}

interface StoreKind {
  name: string;
  http: boolean;
  /** Why it cannot run here, or undefined. */
  skip: string | undefined;
  open(): Promise<AppStore>;
}

const adminUrl = process.env.TEST_DATABASE_URL;
const mysqlUrl = process.env.TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const mysqlProblem = await probeMysql(mysqlUrl);
const NO_POSTGRES = "TEST_DATABASE_URL is unset (a PostgreSQL URL holds the app's database)";
if (!adminUrl) {
  console.warn(`external-flows: Devise (SQL) and HTTP store cases skipped: ${NO_POSTGRES}`);
}
if (mysqlProblem) {
  console.warn(`external-flows: Laravel (SQL on MariaDB) store cases skipped: ${mysqlProblem}`);
}

const kinds: StoreKind[] = [
  {
    name: "SQL store on a Devise table in PostgreSQL",
    http: false,
    skip: adminUrl ? undefined : NO_POSTGRES,
    open: () => openDeviseStore(adminUrl as string),
  },
  {
    name: "SQL store on a Laravel table in MariaDB",
    http: false,
    skip: mysqlProblem,
    open: () => openLaravelStore(mysqlUrl),
  },
  {
    name: "HTTP store over a PostgreSQL table",
    http: true,
    skip: adminUrl ? undefined : NO_POSTGRES,
    open: () => openHttpStore(adminUrl as string),
  },
];

/** `url` with its host and port replaced by the proxy's. */
function throughProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  return proxied.toString();
}

function targetOf(url: string, defaultPort: number) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : defaultPort };
}

async function openDeviseStore(admin: string): Promise<AppStore> {
  const app = await createDeviseDatabase(admin);
  await app.createUsersTable();
  // Counts every write of the password column: what "one external change" means for SQL.
  await app.sql.unsafe(`
    create table password_writes (id bigserial primary key, user_id bigint not null);
    create function record_password_write() returns trigger language plpgsql as $$
      begin insert into password_writes (user_id) values (new.id); return new; end $$;
    create trigger users_password_write after update of encrypted_password on users
      for each row execute function record_password_write();`);
  const proxy = await createTcpProxy(targetOf(app.url, 5432));
  return {
    store: {
      kind: "sql",
      urlEnv: "LEGACY_DB_URL",
      table: "users",
      columns: {
        id: "id",
        email: "email",
        passwordHash: "encrypted_password",
        name: "name",
        emailVerified: "confirmed_at",
        blocked: "banned",
      },
      hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2a" },
    },
    env: { LEGACY_DB_URL: throughProxy(app.url, proxy.port) },
    addUser: (user) => app.insertUser({ ...user, verified: true }),
    async accepts(email, password) {
      const [row] = await app.sql<{ hash: string }[]>`
        select encrypted_password as hash from users where lower(email) = lower(${email})`;
      return row ? appAccepts(row.hash, password) : false;
    },
    async writes() {
      const [row] = await app.sql<{ count: number }[]>`
        select count(*)::int as count from password_writes`;
      return Number(row?.count);
    },
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async close() {
      await proxy.close();
      await app.drop();
    },
  };
}

async function openLaravelStore(url: string): Promise<AppStore> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  const users = await createLaravelUsersTable(pool);
  const writes = `${users.table}_writes`;
  await pool.query(
    `create table \`${writes}\` (id bigint not null auto_increment primary key, user_id bigint unsigned not null)`,
  );
  await pool.query(
    `create trigger \`${users.table}_pw\` after update on \`${users.table}\` for each row
     insert into \`${writes}\` (user_id) values (NEW.id)`,
  );
  const proxy = await createTcpProxy(targetOf(url, 3306));
  const one = async (text: string, params: string[] = []) => {
    const [rows] = await pool.execute<mysql.RowDataPacket[]>(text, params);
    return rows[0];
  };
  return {
    store: {
      kind: "sql",
      urlEnv: "LARAVEL_DB_URL",
      table: users.table,
      columns: {
        id: "id",
        email: "email",
        passwordHash: "password",
        name: "name",
        emailVerified: "email_verified_at",
        blocked: "is_banned",
      },
      blockedValue: "1",
      hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2y" },
    },
    env: { LARAVEL_DB_URL: throughProxy(url, proxy.port) },
    addUser: (user) => users.insertUser({ ...user, verified: true }),
    async accepts(email, password) {
      const row = await one(`select password from \`${users.table}\` where email = ?`, [email]);
      return row ? appAccepts(String(row.password), password) : false;
    },
    async writes() {
      return Number((await one(`select count(*) as count from \`${writes}\``))?.count);
    },
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async close() {
      await proxy.close();
      await pool.query(`drop table if exists \`${writes}\``);
      await users.drop();
      await pool.end();
    },
  };
}

async function openHttpStore(admin: string): Promise<AppStore> {
  const app = await createDeviseDatabase(admin);
  const server = await createHttpUserStoreServer({
    sql: app.sql,
    table: "crm_users",
    secret: HTTP_SECRET,
  });
  return {
    store: { kind: "http", baseUrl: server.url, secretEnv: "CRM_SECRET" },
    env: { CRM_SECRET: HTTP_SECRET },
    addUser: (user) => server.addUser(user),
    accepts: (email, password) => server.verify(email, password),
    writes: async () => server.changeCount,
    // A moment after the stop, so that the client no longer holds a connection the server closed
    // (a request on one of those is "outcome unknown", not "down").
    down: async () => {
      await server.stop();
      await sleep(50);
    },
    up: () => server.start(),
    server,
    async close() {
      await server.close();
      await app.drop();
    },
  };
}

/** The registry with a hook run just before a change is sent (after the look-ups). */
function withChangeHook(
  registry: ExternalStoreRegistry,
  hooks: { beforeChange?: () => Promise<void> | void },
): ExternalStoreRegistry {
  return {
    storeFor(connection) {
      const store = registry.storeFor(connection);
      const hooked: ExternalUserStore = {
        ...store,
        async changePassword(profile, change) {
          const hook = hooks.beforeChange;
          hooks.beforeChange = undefined;
          await hook?.();
          return store.changePassword(profile, change);
        },
      };
      return hooked;
    },
  };
}

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const outcome = (result: CompleteResetResult) => (result.ok ? "ok" : result.reason);

for (const backend of backends) {
  for (const kind of kinds) {
    const skipped = kind.skip ? ` (skipped: ${kind.skip})` : "";
    describe.skipIf(kind.skip !== undefined)(`${kind.name}, Passdesk on ${backend}${skipped}`, () =>
      defineFlows(backend, kind),
    );
  }
}

function defineFlows(backend: BackendName, kind: StoreKind) {
  let app: AppStore;
  let database: Awaited<ReturnType<typeof openMigratedDatabase>>;
  let registry: ExternalStores;
  let repo: Repository;
  let connection: Connection;
  let external: ExternalChangeWiring;
  let dummyHash: string;
  const hooks: { beforeChange?: () => Promise<void> | void } = {};
  const seal = createKeyEncryption(randomBytes(32), "passdesk pending password");
  let serial = 0;

  beforeAll(async () => {
    app = await kind.open();
    database = await openMigratedDatabase(backend);
    registry = createExternalStores({
      env: app.env,
      hasher: testHasher,
      bound: (operation) => operation(),
      logger: silentLogger,
    });
    repo = createRepository(database.handle, { hasher: testHasher, externalStores: registry });
    await repo.connections.add({ name: CONNECTION, strategy: "database", store: app.store });
    const updated = await repo.connections.updatePolicy(CONNECTION, LENIENT);
    if (!updated) throw new Error("the connection was not added");
    connection = updated;
    external = { stores: withChangeHook(registry, hooks), seal };
    dummyHash = await testHasher.hash("no one's password");
  });

  afterAll(async () => {
    await registry?.close();
    await database?.close();
    await app?.close();
  });

  afterEach(async () => {
    hooks.beforeChange = undefined;
    app.server?.reset();
    await app.up();
  });

  async function newUser(label: string) {
    const email = `${label}-${++serial}@example.com`;
    const externalId = await app.addUser({ email, password: OLD_PASSWORD, name: "Jane Doe" });
    const user = await repo.users.findByEmail(connection.id, email);
    if (!user) throw new Error(`${email} was not found in the store`);
    return { email, externalId, user };
  }

  async function issueTicket(userId: number): Promise<string> {
    const token = createTicketToken();
    await repo.tickets.issue(
      {
        tokenHash: hashTicketToken(token),
        userId,
        requestId: null,
        expiresAt: new Date(Date.now() + 86_400_000),
        resultUrl: null,
        includeEmailInRedirect: false,
      },
      new Date(),
    );
    return token;
  }

  function reset(
    token: string,
    password: string,
    options: { repo?: Repository; afterStoreWrite?: () => Promise<void> } = {},
  ): Promise<CompleteResetResult> {
    const wiring: ExternalChangeWiring = options.afterStoreWrite
      ? { ...external, afterStoreWrite: options.afterStoreWrite }
      : external;
    return completePasswordReset(
      { repo: options.repo ?? repo, hasher: testHasher, clock: systemClock, external: wiring },
      { token, password, confirmation: password },
    );
  }

  async function ticketOf(token: string) {
    const ticket = await repo.tickets.findByTokenHash(hashTicketToken(token));
    if (!ticket) throw new Error("no such ticket");
    return ticket;
  }

  function auditRows(email: string, action: string) {
    return database.handle.query<{ details: Record<string, unknown> }>(
      "select details from audit_log where target_email = $1 and action = $2 order by id",
      [email, action],
    );
  }

  async function claimStates(userId: number): Promise<string[]> {
    const rows = await database.handle.query<{ state: string }>(
      "select state from external_password_changes where user_id = $1 order by id",
      [userId],
    );
    return rows.map((row) => row.state);
  }

  /** The password-changed notices queued to the user, and who they say made the change. */
  async function notices(userId: number) {
    return database.handle.query<{ kind: string; changed_by: string | null }>(
      "select kind, changed_by from email_outbox where user_id = $1 and kind = 'password_changed' order by id",
      [userId],
    );
  }

  /** The rejection of `promise`, which must be an ExternalStoreUnavailableError. */
  async function unavailable(promise: Promise<unknown>): Promise<ExternalStoreUnavailableError> {
    const error = await promise.then(
      (value) => {
        throw new Error(`expected the store to be unavailable, got ${JSON.stringify(value)}`);
      },
      (rejected: unknown) => rejected,
    );
    expect(error).toBeInstanceOf(ExternalStoreUnavailableError);
    return error as ExternalStoreUnavailableError;
  }

  it("finds the store's user by email, with the mapped profile and a link row", async () => {
    const email = `jane-${++serial}@example.com`;
    const externalId = await app.addUser({ email, password: OLD_PASSWORD, name: "Jane Doe" });
    const user = await repo.users.findByEmail(connection.id, email.replace("jane", "Jane"));
    expect(user).toMatchObject({
      connectionId: connection.id,
      email,
      emailVerified: true,
      name: "Jane Doe",
      blocked: false,
      externalId,
      passwordHash: expect.stringMatching(/^\$2[aby]\$/),
    });
    const links = await database.handle.query<Record<string, unknown>>(
      "select id, external_id, email, password_hash from users where connection_id = $1 and external_id = $2",
      [connection.id, externalId],
    );
    expect(links).toEqual([
      { id: expect.anything(), external_id: externalId, email, password_hash: null },
    ]);
    expect(Number(links[0]?.id)).toBe(user?.id);
    expect(await repo.users.findById(user?.id ?? 0)).toMatchObject({ externalId, email });

    expect(await repo.users.findByEmail(connection.id, "Nobody@Example.com")).toBeUndefined();
    const unknown = await database.handle.query<{ count: number }>(
      "select count(*)::int as count from users where email = 'nobody@example.com'",
      [],
    );
    expect(Number(unknown[0]?.count)).toBe(0);
  });

  it("resets through a link: the app takes the new password, the link is used, audit and history written", async () => {
    const { email, user } = await newUser("reset");
    expect(await repo.users.recentPasswordHashes(user.id, 5)).toHaveLength(1);
    const token = await issueTicket(user.id);
    const password = "fresh meadow lantern 41";
    const before = await app.writes();

    const result = await reset(token, password);
    expect(result).toMatchObject({ ok: true, user: { id: user.id } });
    expect(await app.writes()).toBe(before + 1);
    expect(await app.accepts(email, password)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    expect((await ticketOf(token)).usedAt).toBeInstanceOf(Date);
    expect(await claimStates(user.id)).toEqual(["done"]);
    const audit = await auditRows(email, "password_reset.completed");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ externalStore: true, logType: "scp" });
    expect(audit[0]?.details.recovered).toBeUndefined();
    expect(await notices(user.id)).toEqual([{ kind: "password_changed", changed_by: "user" }]);

    const history = await repo.users.recentPasswordHashes(user.id, 5);
    expect(history.length).toBeGreaterThanOrEqual(2);
    expect(history.some((hash) => hash.startsWith("$argon2id$"))).toBe(true);
    const links = await database.handle.query<{ password_hash: string | null }>(
      "select password_hash from users where id = $1",
      [user.id],
    );
    expect(links[0]?.password_hash).toBeNull();

    expect(outcome(await reset(token, "another fresh lantern 42"))).toBe("used");
    expect(await app.accepts(email, password)).toBe(true);

    const again = await reset(await issueTicket(user.id), password);
    expect(again).toMatchObject({ ok: false, reason: "rejected" });
    const rules =
      !again.ok && again.reason === "rejected"
        ? again.verdict.rules.filter((rule) => rule.ok === false).map((rule) => rule.rule)
        : [];
    expect(rules).toEqual(["history"]);
    expect(await app.writes()).toBe(before + 1);
  });

  it("makes one external change of 50 simultaneous submissions of one link", async () => {
    const { email, user } = await newUser("fifty");
    const token = await issueTicket(user.id);
    const before = await app.writes();
    const passwords = Array.from({ length: 50 }, (_, i) => `simultaneous lantern ${i} go`);

    const results = await Promise.all(passwords.map((password) => reset(token, password)));
    const outcomes = results.map(outcome);
    expect({
      ok: outcomes.filter((value) => value === "ok").length,
      used: outcomes.filter((value) => value === "used").length,
      storeWrites: (await app.writes()) - before,
      completedAuditRows: (await auditRows(email, "password_reset.completed")).length,
      claims: await claimStates(user.id),
    }).toEqual({ ok: 1, used: 49, storeWrites: 1, completedAuditRows: 1, claims: ["done"] });
    const winner = passwords[outcomes.indexOf("ok")] as string;
    expect(await app.accepts(email, winner)).toBe(true);
    expect((await ticketOf(token)).usedAt).toBeInstanceOf(Date);
  });

  it("store down before the look-up: the call rejects, the link stays valid and works once it is back", async () => {
    const { email, user } = await newUser("down");
    const token = await issueTicket(user.id);
    const before = await app.writes();
    await app.down();
    await unavailable(reset(token, "while the store sleeps 7"));
    const ticket = await ticketOf(token);
    expect(ticket.usedAt).toBeNull();
    expect(ticket.revokedAt).toBeNull();
    expect(ticket.rejectedSubmissions).toBe(0);
    expect(await claimStates(user.id)).toEqual([]);

    await app.up();
    expect(await reset(token, "after the store woke 8")).toMatchObject({ ok: true });
    expect(await app.accepts(email, "after the store woke 8")).toBe(true);
    expect(await app.writes()).toBe(before + 1);
  });

  it("store down between the look-up and the change: store_unavailable, claim released, link works later", async () => {
    const { email, user } = await newUser("down-late");
    const token = await issueTicket(user.id);
    const before = await app.writes();
    hooks.beforeChange = () => app.down();
    const result = await reset(token, "while the store sleeps 9");
    expect(result).toMatchObject({ ok: false, reason: "store_unavailable" });
    expect((await ticketOf(token)).usedAt).toBeNull();
    expect(await claimStates(user.id)).toEqual(["released"]);
    expect(await auditRows(email, "password_reset.completed")).toHaveLength(0);

    await app.up();
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(true);
    expect(await reset(token, "after the store woke 10")).toMatchObject({ ok: true });
    expect(await app.accepts(email, "after the store woke 10")).toBe(true);
    expect(await app.writes()).toBe(before + 1);
    expect(await claimStates(user.id)).toEqual(["released", "done"]);
  });

  it.runIf(kind.http)("HTTP 500 on every call: unavailable, the link stays valid", async () => {
    const server = app.server as HttpUserStoreServer;
    const { email, user } = await newUser("five-hundred");
    const token = await issueTicket(user.id);
    const before = server.changeCount;

    // From the look-up on: thrown by the look-up.
    server.failNext(100, 500);
    expect((await unavailable(reset(token, "through the storm 11"))).why).toBe("HTTP 500");
    // Only the change: answered store_unavailable after the retries.
    server.failNext(0);
    hooks.beforeChange = () => server.failNext(100, 500);
    const result = await reset(token, "through the storm 11");
    expect(result).toMatchObject({ ok: false, reason: "store_unavailable" });
    expect(server.calls.filter((call) => call.path === "/change_password")).toHaveLength(3);
    expect(server.changeCount).toBe(before);
    expect((await ticketOf(token)).usedAt).toBeNull();
    expect(await claimStates(user.id)).toEqual(["released"]);

    server.failNext(0);
    expect(await reset(token, "through the storm 11")).toMatchObject({ ok: true });
    expect(server.changeCount).toBe(before + 1);
    expect(await server.verify(email, "through the storm 11")).toBe(true);
  });

  it.runIf(kind.http)("HTTP 500 once on the change: retried with the same key, ok", async () => {
    const server = app.server as HttpUserStoreServer;
    const { email, user } = await newUser("five-hundred-once");
    const token = await issueTicket(user.id);
    const before = server.changeCount;
    hooks.beforeChange = () => server.failNext(1, 500);
    expect(await reset(token, "one hiccup only 12")).toMatchObject({ ok: true });
    const changes = server.calls.filter((call) => call.path === "/change_password");
    expect(changes.map((call) => call.status)).toEqual([500, 200]);
    expect(changes[0]?.idempotencyKey).toBe(changes[1]?.idempotencyKey);
    expect(server.changeCount).toBe(before + 1);
    expect(await server.verify(email, "one hiccup only 12")).toBe(true);
    expect(await auditRows(email, "password_reset.completed")).toHaveLength(1);
  });

  describe.runIf(kind.http)("a store slower than the timeout", () => {
    let impatientRepo: Repository;
    let impatient: ExternalStoreRegistry;

    beforeAll(() => {
      const server = app.server as HttpUserStoreServer;
      // createExternalStores takes no timeout: a registry of its own over a 300 ms store.
      const store = createHttpUserStore({
        connection: CONNECTION,
        baseUrl: server.url,
        secret: HTTP_SECRET,
        verifyHash: (hash, password) => testHasher.verify(hash, password),
        timeoutMillis: 300,
      });
      impatient = { storeFor: () => store };
      impatientRepo = createRepository(database.handle, {
        hasher: testHasher,
        externalStores: impatient,
      });
    });

    function impatientReset(token: string, password: string) {
      return completePasswordReset(
        {
          repo: impatientRepo,
          hasher: testHasher,
          clock: systemClock,
          external: { stores: withChangeHook(impatient, hooks), seal },
        },
        { token, password, confirmation: password },
      );
    }

    it("slow from the look-up on: the call rejects (timeout), the link stays valid", async () => {
      const server = app.server as HttpUserStoreServer;
      const { email, user } = await newUser("slow");
      const token = await issueTicket(user.id);
      const before = server.changeCount;
      server.delayMillis = 1000;
      expect((await unavailable(impatientReset(token, "patience is thin 13"))).why).toBe("timeout");
      expect((await ticketOf(token)).usedAt).toBeNull();
      expect(await claimStates(user.id)).toEqual([]);
      server.delayMillis = 0;
      await waitFor(
        () => server.calls.every((call) => call.status !== null),
        5000,
        "the slow calls to end",
      );
      expect(server.changeCount).toBe(before);
      expect(await impatientReset(token, "patience is thin 13")).toMatchObject({ ok: true });
      expect(await server.verify(email, "patience is thin 13")).toBe(true);
      expect(server.changeCount).toBe(before + 1);
    });

    /** Recovery as another instance would run it once the lease has lapsed. */
    const recoverLater = () =>
      recoverExternalChanges({
        repo: impatientRepo,
        stores: impatient,
        seal,
        clock: { now: () => new Date(Date.now() + EXTERNAL_CHANGE_LEASE_MILLIS + 60_000) },
        logger: silentLogger,
      });

    it("slow on the change: store_unconfirmed, the claim holds the link until recovery confirms it", async () => {
      const server = app.server as HttpUserStoreServer;
      const { email, user } = await newUser("slow-change");
      const token = await issueTicket(user.id);
      const before = server.changeCount;
      hooks.beforeChange = () => {
        server.delayMillis = 1000;
      };
      const result = await impatientReset(token, "patience is thin 14");
      expect(result).toMatchObject({ ok: false, reason: "store_unconfirmed" });
      expect((await ticketOf(token)).usedAt).toBeNull();
      expect(await claimStates(user.id)).toEqual(["claimed"]);
      server.delayMillis = 0;
      expect(outcome(await impatientReset(token, "another try 14b"))).toBe("used");
      await waitFor(
        () => server.calls.every((call) => call.status !== null),
        5000,
        "the slow calls to end",
      );
      expect(await recoverLater()).toEqual({ finished: 1, released: 0, pending: 0 });
      expect((await ticketOf(token)).usedAt).toBeInstanceOf(Date);
      expect(await claimStates(user.id)).toEqual(["done"]);
      expect(await server.verify(email, "patience is thin 14")).toBe(true);
      expect(server.changeCount).toBe(before + 1);
      const audit = await auditRows(email, "password_reset.completed");
      expect(audit.map((row) => row.details)).toMatchObject([{ recovered: true }]);
    });

    // The change_password request reached the store, which applied it after Passdesk gave up
    // waiting: a timeout does not mean "nothing changed". Passdesk released the claim, so the
    // password is changed in the app while Passdesk has no audit entry, no history, and a link
    // that still works, unless a claim is kept for recovery to replay (as recoverOne does).
    it("a change the store applied after Passdesk's timeout is recorded, or left for recovery", async () => {
      const server = app.server as HttpUserStoreServer;
      const { email, user } = await newUser("slow-applied");
      const token = await issueTicket(user.id);
      const before = server.changeCount;
      hooks.beforeChange = () => {
        server.delayMillis = 1000;
      };
      const result = await impatientReset(token, "patience is thin 15");
      expect(outcome(result)).toBe("store_unconfirmed");
      await waitFor(
        () => server.calls.every((call) => call.status !== null),
        5000,
        "the slow calls to end",
      );
      const applied =
        server.changeCount > before && (await server.verify(email, "patience is thin 15"));
      expect(applied).toBe(true);
      const recorded = (await ticketOf(token)).usedAt !== null;
      const pending = (await claimStates(user.id)).includes("claimed");
      expect(
        { applied, recordedOrPending: recorded || pending },
        "the store changed the password, and Passdesk neither recorded it nor kept it for recovery",
      ).toEqual({ applied: true, recordedOrPending: true });
      server.delayMillis = 0;
      expect(await recoverLater()).toEqual({ finished: 1, released: 0, pending: 0 });
      expect(server.changeCount).toBe(before + 1);
      expect(await auditRows(email, "password_reset.completed")).toHaveLength(1);
    });
  });

  it("a process killed after the store's write: link unusable, then recovery finishes it once", async () => {
    const { email, user } = await newUser("killed");
    const token = await issueTicket(user.id);
    const password = "survives the crash 16";
    const before = await app.writes();

    await expect(
      reset(token, password, {
        afterStoreWrite: async () => {
          throw new Error("killed");
        },
      }),
    ).rejects.toThrow("killed");
    expect(await app.writes()).toBe(before + 1);
    expect(await app.accepts(email, password)).toBe(true);
    expect((await ticketOf(token)).usedAt).toBeNull();
    expect(await claimStates(user.id)).toEqual(["claimed"]);
    expect(await auditRows(email, "password_reset.completed")).toHaveLength(0);

    // The claim holds the link: a new submission cannot change the password again.
    expect(outcome(await reset(token, "a second try 17"))).toBe("used");
    expect(await app.writes()).toBe(before + 1);
    expect(await app.accepts(email, password)).toBe(true);

    // Before the lease lapses, recovery leaves it to its owner.
    const recover = (millis: number) =>
      recoverExternalChanges({
        repo,
        stores: external.stores,
        seal,
        clock: { now: () => new Date(Date.now() + millis) },
        logger: silentLogger,
      });
    expect(await recover(0)).toEqual({ finished: 0, released: 0, pending: 0 });
    expect(await recover(EXTERNAL_CHANGE_LEASE_MILLIS + 60_000)).toEqual({
      finished: 1,
      released: 0,
      pending: 0,
    });

    expect((await ticketOf(token)).usedAt).toBeInstanceOf(Date);
    expect(await claimStates(user.id)).toEqual(["done"]);
    const audit = await auditRows(email, "password_reset.completed");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ recovered: true, externalStore: true });
    expect(await app.accepts(email, password)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    // HTTP replays the idempotency key (no second change); SQL sets the same password again.
    expect(await app.writes()).toBe(before + (kind.http ? 1 : 2));
    expect(await recover(EXTERNAL_CHANGE_LEASE_MILLIS + 60_000)).toEqual({
      finished: 0,
      released: 0,
      pending: 0,
    });
    expect(outcome(await reset(token, "a third try 18"))).toBe("used");
  });

  it("a submission whose claim waits on the one finishing does not change the password again", async () => {
    const { email, user } = await newUser("race");
    const token = await issueTicket(user.id);
    const before = await app.writes();
    const entered = deferred();
    const release = deferred();
    // The first submission's finishing transaction stays open (after its audit entry) until
    // released: the second submission's claim is made meanwhile.
    const holding: Repository = {
      ...repo,
      transaction: (work) =>
        repo.transaction((stores) =>
          work({
            ...stores,
            audit: {
              ...stores.audit,
              async record(entry) {
                await stores.audit.record(entry);
                entered.resolve();
                await release.promise;
              },
            },
          }),
        ),
    };
    const first = reset(token, "first of two 19", { repo: holding });
    await entered.promise;
    let secondDone = false;
    const second = reset(token, "second of two 20").finally(() => {
      secondDone = true;
    });
    if (backend === "postgres") {
      // Until the second claim waits on the first's transaction (or the second is answered).
      await waitFor(
        async () => {
          const [row] = await database.handle.query<{ count: number }>(
            `select count(*)::int as count from pg_stat_activity
             where datname = current_database() and wait_event_type = 'Lock'`,
            [],
          );
          return secondDone || Number(row?.count) > 0;
        },
        10_000,
        "the second submission to wait on a lock",
      );
    } else {
      await sleep(500);
    }
    release.resolve();
    const outcomes = (await Promise.all([first, second])).map(outcome);

    expect({
      outcomes,
      storeWrites: (await app.writes()) - before,
      completedAuditRows: (await auditRows(email, "password_reset.completed")).length,
      claims: await claimStates(user.id),
    }).toEqual({
      outcomes: ["ok", "used"],
      storeWrites: 1,
      completedAuditRows: 1,
      claims: ["done"],
    });
    expect(await app.accepts(email, "first of two 19")).toBe(true);
  });

  describe("sign-in after a reset", () => {
    function signIn(email: string, password: string) {
      return signInWithPassword(
        {
          stores: repo,
          hasher: testHasher,
          dummyHash,
          guard: createRecordingGuard(),
          clock: systemClock,
        },
        { connection: CONNECTION, username: email, password, clientId: "app", ip: "127.0.0.1" },
      );
    }

    async function resetUser(label: string, password: string) {
      const found = await newUser(label);
      expect(await reset(await issueTicket(found.user.id), password)).toMatchObject({ ok: true });
      return found;
    }

    it("accepts the new password and refuses the old", async () => {
      const password = "signs in anew 21";
      const { email, user, externalId } = await resetUser("sign-in", password);
      const verifyCalls = () =>
        app.server?.calls.filter((call) => call.path === "/verify_password").length ?? 0;
      const calls = verifyCalls();
      expect(await signIn(email.toUpperCase(), password)).toMatchObject({
        ok: true,
        user: { id: user.id, externalId, email },
      });
      expect(await signIn(email, OLD_PASSWORD)).toEqual({
        ok: false,
        reason: "wrong_credentials",
      });
      const found = await repo.users.findByEmail(connection.id, email);
      if (!found) throw new Error("not found");
      expect(await repo.users.verifyPassword(found, password)).toEqual({
        ok: true,
        needsRehash: false,
      });
      expect(await repo.users.verifyPassword(found, OLD_PASSWORD)).toEqual({
        ok: false,
        reason: "wrong_password",
      });
      // The hash came with the profile: verified by Passdesk, the store was not asked.
      expect(verifyCalls()).toBe(calls);
    });

    it.runIf(kind.http)("asks verify_password when the store gives no hash", async () => {
      const server = app.server as HttpUserStoreServer;
      const password = "signs in anew 22";
      const { email, user } = await resetUser("sign-in-nohash", password);
      server.returnPasswordHash = false;
      const found = await repo.users.findByEmail(connection.id, email);
      expect(found?.passwordHash).toBeNull();
      const verifyCalls = () =>
        server.calls.filter((call) => call.path === "/verify_password").length;
      const calls = verifyCalls();
      expect(await signIn(email, password)).toMatchObject({ ok: true, user: { id: user.id } });
      expect(await signIn(email, OLD_PASSWORD)).toEqual({
        ok: false,
        reason: "wrong_credentials",
      });
      expect(verifyCalls()).toBe(calls + 2);
    });
  });

  it("an admin sets an external user's password: the app takes it, audit password.set", async () => {
    const { email, user } = await newUser("admin-set");
    const before = await app.writes();
    const password = "set by the admin 23";
    const result = await setPasswordByAdmin(
      { repo, hasher: testHasher, clock: systemClock, external },
      {
        target: { connection: CONNECTION, email, userId: user.id },
        mode: "type",
        password,
        confirmation: password,
        notify: false,
        actor: { teamId: "T1", userId: "U1" },
      },
    );
    expect(result).toMatchObject({ ok: true, notified: false, user: { id: user.id } });
    expect(await app.writes()).toBe(before + 1);
    expect(await app.accepts(email, password)).toBe(true);
    expect(await app.accepts(email, OLD_PASSWORD)).toBe(false);
    const audit = await auditRows(email, "password.set");
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ mode: "type", notified: false, logType: "scp" });
    expect(await claimStates(user.id)).toEqual(["done"]);
    expect(await notices(user.id)).toEqual([]);
  });
}
