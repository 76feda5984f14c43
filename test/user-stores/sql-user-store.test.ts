import { createServer, type Server, type Socket } from "node:net";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArgon2Hasher } from "../../src/passwords/argon2-hasher.ts";
import { createFormatHasher } from "../../src/passwords/hash-format.ts";
import { isSet, matchesFlag, rowToProfile } from "../../src/user-stores/sql/sql-rows.ts";
import { createSqlUserStore } from "../../src/user-stores/sql/sql-user-store.ts";
import {
  type ExternalProfile,
  ExternalStoreUnavailableError,
  type ExternalUserStore,
  type SqlStoreConfig,
} from "../../src/users/external-store.ts";
import {
  type AppUser,
  appAccepts,
  createDeviseDatabase,
  createLaravelUsersTable,
  probeMysql,
} from "../support/app-users.ts";

const argon2 = createArgon2Hasher();

function openStore(url: string, config: SqlStoreConfig, timeoutMillis?: number) {
  return createSqlUserStore({
    connection: "legacy",
    config,
    url,
    hashPassword: createFormatHasher(config.hashFormat, argon2, (operation) => operation()),
    verifyHash: (hash, password) => argon2.verify(hash, password),
    timeoutMillis,
  });
}

/** What the shared cases need from one engine's app database. */
interface AppDatabase {
  url: string;
  config: SqlStoreConfig;
  insertUser(user: AppUser): Promise<string>;
  deleteUser(id: string): Promise<void>;
  storedHash(id: string): Promise<string>;
  countUsers(): Promise<number>;
  /** A table holding `Dup@example.com` and `dup@EXAMPLE.com`: its config. */
  caseDuplicates(): Promise<SqlStoreConfig>;
  /** Runs `during` while another session holds the users table locked. */
  whileLocked(during: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

const OLD_PASSWORD = "old horse battery staple";
const NEW_PASSWORD = "a brand new correct horse";

/** The same behaviour on every engine, against the app's own table and the app's own bcrypt. */
function describeStoreCases(open: () => Promise<AppDatabase>) {
  let app: AppDatabase;
  let store: ExternalUserStore;
  const prefix = () =>
    app.config.hashFormat.algorithm === "bcrypt" ? app.config.hashFormat.prefix : "";
  const withConfig = (change: Partial<SqlStoreConfig>) => ({ ...app.config, ...change });

  beforeAll(async () => {
    app = await open();
    store = openStore(app.url, app.config);
  });
  afterAll(async () => {
    await store?.close();
    await app?.close();
  });

  it("finds a user by email whatever its case, with the mapped fields", async () => {
    const id = await app.insertUser({
      email: "Jane.Doe@Example.com",
      password: OLD_PASSWORD,
      name: "Jane Doe",
      verified: true,
    });
    expect(await store.getUser("  JANE.doe@example.COM ")).toEqual({
      externalId: id,
      email: "jane.doe@example.com",
      emailVerified: true,
      name: "Jane Doe",
      givenName: null,
      familyName: null,
      nickname: null,
      blocked: false,
      passwordHash: expect.stringMatching(/^\$2[ay]\$04\$/),
    });
  });

  it("reads an unverified, banned user as such", async () => {
    await app.insertUser({ email: "banned@example.com", password: OLD_PASSWORD, blocked: true });
    const profile = await store.getUser("banned@example.com");
    expect(profile).toMatchObject({ emailVerified: false, blocked: true });
  });

  it("finds nobody for an unknown email", async () => {
    expect(await store.getUser("nobody@example.com")).toBeUndefined();
  });

  it("finds nobody when two rows differ only in case", async () => {
    const duplicates = openStore(app.url, await app.caseDuplicates());
    try {
      expect(await duplicates.getUser("dup@example.com")).toBeUndefined();
      expect(await duplicates.getUsers(["dup@example.com", "DUP@example.com"])).toEqual([]);
    } finally {
      await duplicates.close();
    }
  });

  it("takes an email holding SQL as data: finds nothing and breaks nothing", async () => {
    await app.insertUser({ email: "safe@example.com", password: OLD_PASSWORD });
    const before = await app.countUsers();
    for (const email of [
      "x' or '1'='1@example.com",
      'x" or "1"="1@example.com',
      "x'; drop table users; --@example.com",
      "x\\' or 1=1 -- @example.com",
    ]) {
      expect(await store.getUser(email)).toBeUndefined();
      expect(await store.getUsers([email, "safe@example.com"])).toHaveLength(1);
    }
    expect(await app.countUsers()).toBe(before);
    await expect(store.check()).resolves.toBeUndefined();
  });

  it("verifies the app's own hash, and refuses a wrong password or a missing hash", async () => {
    await app.insertUser({ email: "verify@example.com", password: OLD_PASSWORD });
    const profile = (await store.getUser("verify@example.com")) as ExternalProfile;
    expect(await store.verifyPassword(profile, OLD_PASSWORD)).toBe(true);
    expect(await store.verifyPassword(profile, NEW_PASSWORD)).toBe(false);
    expect(await store.verifyPassword({ ...profile, passwordHash: null }, OLD_PASSWORD)).toBe(
      false,
    );
  });

  it("changes the password in the app's format, which the app's bcrypt accepts", async () => {
    const id = await app.insertUser({ email: "change@example.com", password: OLD_PASSWORD });
    const profile = (await store.getUser("change@example.com")) as ExternalProfile;
    const change = { password: NEW_PASSWORD, idempotencyKey: "k1" };
    expect(await store.changePassword(profile, change)).toBe("changed");
    const stored = await app.storedHash(id);
    expect(stored).toMatch(new RegExp(`^\\$${prefix()}\\$05\\$.{53}$`));
    expect(await appAccepts(stored, NEW_PASSWORD)).toBe(true);
    expect(await appAccepts(stored, OLD_PASSWORD)).toBe(false);
    const reread = (await store.getUser("change@example.com")) as ExternalProfile;
    expect(await store.verifyPassword(reread, NEW_PASSWORD)).toBe(true);
    // A retry of the same change changes it again, harmlessly.
    expect(await store.changePassword(reread, change)).toBe("changed");
    expect(await appAccepts(await app.storedHash(id), NEW_PASSWORD)).toBe(true);
  });

  it("answers not_found when changing the password of a deleted user", async () => {
    const id = await app.insertUser({ email: "gone@example.com", password: OLD_PASSWORD });
    const profile = (await store.getUser("gone@example.com")) as ExternalProfile;
    await app.deleteUser(id);
    const change = { password: NEW_PASSWORD, idempotencyKey: "k2" };
    expect(await store.changePassword(profile, change)).toBe("not_found");
  });

  it("finds several users in one call", async () => {
    await app.insertUser({ email: "alice@example.com", password: OLD_PASSWORD, name: "Alice" });
    await app.insertUser({ email: "Bob@Example.com", password: OLD_PASSWORD, name: "Bob" });
    const found = await store.getUsers([
      "ALICE@example.com",
      "bob@example.com",
      "none@example.com",
    ]);
    expect(found.map((profile) => [profile.email, profile.name]).sort()).toEqual([
      ["alice@example.com", "Alice"],
      ["bob@example.com", "Bob"],
    ]);
    expect(await store.getUsers([])).toEqual([]);
  });

  it("passes check() with the right mapping", async () => {
    await expect(store.check()).resolves.toBeUndefined();
  });

  it("fails check() with one line for a missing table", async () => {
    const broken = openStore(app.url, withConfig({ table: "no_such_table" }));
    try {
      await expect(broken.check()).rejects.toThrow(
        /^connection legacy: table "no_such_table" does not exist$/,
      );
    } finally {
      await broken.close();
    }
  });

  it("fails check() with one line naming a missing column", async () => {
    const columns = { ...app.config.columns, passwordHash: "encrypted_pasword" };
    const broken = openStore(app.url, withConfig({ columns }));
    try {
      const table = app.config.table;
      await expect(broken.check()).rejects.toThrow(
        new RegExp(`^connection legacy: table "${table}" has no column "encrypted_pasword"$`),
      );
    } finally {
      await broken.close();
    }
  });

  it("gives up on a locked table within the timeout instead of hanging", async () => {
    const impatient = openStore(app.url, app.config, 500);
    try {
      await app.whileLocked(async () => {
        const started = Date.now();
        const failure = await impatient.getUser("jane.doe@example.com").catch((error) => error);
        expect(failure).toBeInstanceOf(ExternalStoreUnavailableError);
        expect(failure.message).toMatch(/timed out after 500 ms/);
        expect(Date.now() - started).toBeLessThan(3000);
      });
    } finally {
      await impatient.close();
    }
  });
}

const adminUrl = process.env.TEST_DATABASE_URL;
if (!adminUrl) console.warn("sql-user-store: PostgreSQL cases skipped: TEST_DATABASE_URL is unset");

describe.skipIf(!adminUrl)("SQL user store on PostgreSQL: a Devise users table", () => {
  describeStoreCases(async () => {
    const database = await createDeviseDatabase(adminUrl as string);
    await database.createUsersTable();
    const { sql } = database;
    const config: SqlStoreConfig = {
      kind: "sql",
      urlEnv: "LEGACY_DATABASE_URL",
      table: "public.users",
      columns: {
        id: "id",
        email: "email",
        passwordHash: "encrypted_password",
        name: "name",
        emailVerified: "confirmed_at",
        blocked: "banned",
      },
      hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2a" },
    };
    return {
      url: database.url,
      config,
      insertUser: (user) => database.insertUser(user),
      async deleteUser(id) {
        await sql`delete from users where id = ${id}`;
      },
      async storedHash(id) {
        const [row] = await sql`select encrypted_password from users where id = ${id}`;
        return String(row?.encrypted_password);
      },
      async countUsers() {
        const [row] = await sql`select count(*)::int as count from users`;
        return Number(row?.count);
      },
      async caseDuplicates() {
        // Devise's unique index is case-sensitive: rows from before `downcase_keys` can clash.
        await database.insertUser({ email: "Dup@example.com", password: OLD_PASSWORD });
        await database.insertUser({ email: "dup@EXAMPLE.com", password: OLD_PASSWORD });
        return config;
      },
      async whileLocked(during) {
        await sql.begin(async (transaction) => {
          await transaction`lock table users in access exclusive mode`;
          await during();
        });
      },
      close: () => database.drop(),
    };
  });
});

const mysqlUrl = process.env.TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
const mysqlProblem = await probeMysql(mysqlUrl);
if (mysqlProblem) console.warn(`sql-user-store: MariaDB cases skipped: ${mysqlProblem}`);

describe.skipIf(mysqlProblem !== undefined)(
  "SQL user store on MariaDB: a Laravel users table",
  () => {
    describeStoreCases(async () => {
      const pool = mysql.createPool({ uri: mysqlUrl, connectionLimit: 2 });
      const users = await createLaravelUsersTable(pool);
      const tables = [users];
      const config: SqlStoreConfig = {
        kind: "sql",
        urlEnv: "LEGACY_DATABASE_URL",
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
      };
      const one = async (text: string, params: string[] = []) => {
        const [rows] = await pool.execute<mysql.RowDataPacket[]>(text, params);
        const [row] = rows;
        if (!row) throw new Error(`no row for ${text}`);
        return row;
      };
      return {
        url: mysqlUrl,
        config,
        insertUser: (user) => users.insertUser(user),
        async deleteUser(id) {
          await pool.execute(`delete from \`${users.table}\` where id = ?`, [id]);
        },
        async storedHash(id) {
          return String(
            (await one(`select password from \`${users.table}\` where id = ?`, [id])).password,
          );
        },
        async countUsers() {
          return Number((await one(`select count(*) as count from \`${users.table}\``)).count);
        },
        async caseDuplicates() {
          // Laravel's unique index, under a case-insensitive collation, refuses case duplicates:
          // an older table without it holds them.
          const old = await createLaravelUsersTable(pool, { uniqueEmail: false });
          tables.push(old);
          await old.insertUser({ email: "Dup@example.com", password: OLD_PASSWORD });
          await old.insertUser({ email: "dup@EXAMPLE.com", password: OLD_PASSWORD });
          return { ...config, table: old.table };
        },
        async whileLocked(during) {
          const session = await pool.getConnection();
          try {
            await session.query(`lock tables \`${users.table}\` write`);
            await during();
          } finally {
            await session.query("unlock tables");
            session.release();
          }
        },
        async close() {
          for (const table of tables) await table.drop();
          await pool.end();
        },
      };
    });
  },
);

const DEVISE: SqlStoreConfig = {
  kind: "sql",
  urlEnv: "LEGACY_DATABASE_URL",
  table: "users",
  columns: { id: "id", email: "email", passwordHash: "encrypted_password" },
  hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2a" },
};

describe("SQL user store without a database to reach", () => {
  const UNREACHABLE = [
    "postgres://postgres:s3cret@127.0.0.1:1/x",
    "mysql://root:s3cret@127.0.0.1:1/x",
  ];

  it.each(UNREACHABLE)("fails check() with one line and no password: %s", async (url) => {
    const store = openStore(url, DEVISE);
    try {
      const failure = await store.check().catch((error: Error) => error);
      expect(failure).toBeInstanceOf(Error);
      expect(failure?.message).toBe(
        "connection legacy: cannot reach the database (ECONNREFUSED 127.0.0.1:1)",
      );
    } finally {
      await store.close();
    }
  });

  it.each(UNREACHABLE)("makes every call throw ExternalStoreUnavailableError: %s", async (url) => {
    const store = openStore(url, DEVISE);
    const profile = rowToProfile({ id: 1, email: "a@example.com" }, undefined);
    try {
      for (const call of [
        () => store.getUser("a@example.com"),
        () => store.getUsers(["a@example.com"]),
        () => store.changePassword(profile, { password: NEW_PASSWORD, idempotencyKey: "k" }),
      ]) {
        const failure = await call().catch((error: Error) => error);
        expect(failure).toBeInstanceOf(ExternalStoreUnavailableError);
        expect(String(failure)).not.toContain("s3cret");
        expect(String(failure)).not.toContain("root");
      }
    } finally {
      await store.close();
    }
  });

  describe("a server that accepts connections and never answers", () => {
    let server: Server;
    let port: number;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on("error", () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    });

    it.each(["postgres", "mysql"])("bounds getUser in time (%s)", async (scheme) => {
      const store = openStore(`${scheme}://u:s3cret@127.0.0.1:${port}/x`, DEVISE, 300);
      try {
        const started = Date.now();
        const failure = await store.getUser("a@example.com").catch((error: Error) => error);
        expect(failure).toBeInstanceOf(ExternalStoreUnavailableError);
        expect(String(failure)).not.toContain("s3cret");
        expect(Date.now() - started).toBeLessThan(2000);
      } finally {
        await store.close();
      }
    });
  });

  it("refuses an unknown URL scheme at creation, without quoting the URL", () => {
    expect(() => openStore("sqlite:///var/lib/app.db", DEVISE)).toThrow(
      'connection legacy: unsupported database URL scheme "sqlite:" (use postgres://, postgresql://, mysql:// or mariadb://)',
    );
    expect(() => openStore("redis://u:s3cret@cache/0", DEVISE)).toThrow(/^(?!.*s3cret)/);
    expect(() => openStore("not a url s3cret", DEVISE)).toThrow(
      "connection legacy: the database URL is not a valid URL",
    );
  });

  it("describes the store by engine, host, port and database, never by user or password", async () => {
    const cases = [
      ["postgres://app:s3cret@db.internal:6543/legacy", "sql postgresql db.internal:6543/legacy"],
      ["postgresql://app:s3cret@db.internal/legacy", "sql postgresql db.internal:5432/legacy"],
      ["mariadb://root:s3cret@127.0.0.1/test", "sql mariadb 127.0.0.1:3306/test"],
      ["mysql://root:s3cret@10.0.0.5:3307/app", "sql mysql 10.0.0.5:3307/app"],
    ];
    for (const [url, description] of cases) {
      const store = openStore(url as string, DEVISE);
      expect(store.description).toBe(`${description} table users`);
      await store.close();
    }
  });
});

describe("reading an app's flag and timestamp columns", () => {
  it("takes a set timestamp, true, 1, '1', 't' or 'true' as verified", () => {
    for (const value of [true, 1, 1n, "1", "t", "true", new Date(), "2024-05-01 10:00:00"]) {
      expect(isSet(value)).toBe(true);
    }
    for (const value of [null, undefined, false, 0, "0", "f", "", "0000-00-00 00:00:00"]) {
      expect(isSet(value)).toBe(false);
    }
    expect(isSet(new Date(Number.NaN))).toBe(false);
    expect(isSet(Buffer.from([1]))).toBe(true);
    expect(isSet(Buffer.from([0]))).toBe(false);
  });

  it("compares a blocked column with blockedValue as text, booleans and 0/1 alike", () => {
    expect(matchesFlag(true, "true")).toBe(true);
    expect(matchesFlag(true, "1")).toBe(true);
    expect(matchesFlag(false, "true")).toBe(false);
    expect(matchesFlag(1, "1")).toBe(true);
    expect(matchesFlag(1, "true")).toBe(true);
    expect(matchesFlag(0, "1")).toBe(false);
    expect(matchesFlag(Buffer.from([1]), "1")).toBe(true);
    expect(matchesFlag("banned", "banned")).toBe(true);
    expect(matchesFlag("active", "banned")).toBe(false);
    expect(matchesFlag(2, "1")).toBe(false);
    expect(matchesFlag(new Date(), "true")).toBe(true);
    expect(matchesFlag(null, "true")).toBe(false);
  });

  it("maps ids of any type to text and unmapped columns to null or false", () => {
    const profile = rowToProfile(
      { id: 9007199254740993n, email: " Ann@Example.COM", passwordHash: Buffer.from("$2y$10$x") },
      undefined,
    );
    expect(profile).toEqual({
      externalId: "9007199254740993",
      email: "ann@example.com",
      emailVerified: false,
      name: null,
      givenName: null,
      familyName: null,
      nickname: null,
      blocked: false,
      passwordHash: "$2y$10$x",
    });
  });
});
