import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, connections } from "../../src/db/schema.ts";
import { createDeviseDatabase, type DeviseDatabase } from "../support/app-users.ts";
import { linesOf, runCli } from "../support/cli.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

const adminUrl = process.env.TEST_DATABASE_URL;

/*
 * `passdesk connections add|set|test|list` for a connection whose users live in the app's own
 * table. The app database needs PostgreSQL; Passdesk's own runs on PGlite (a CLI on either is the
 * same code).
 */
describe.skipIf(!adminUrl)(
  `passdesk connections with --store sql${adminUrl ? "" : " (skipped: set TEST_DATABASE_URL to a PostgreSQL URL for the app's database)"}`,
  () => {
    let database: TestDatabase;
    let app: DeviseDatabase;
    /** The app's URL with a password, as a real one would have: it must never be printed. */
    let appUrl: string;
    const passdesk = (args: string[], env: Record<string, string | undefined> = {}) =>
      runCli(database.env, args, { env: { LEGACY_DB_URL: appUrl, ...env } });
    const sqlStore = (...extra: string[]) => [
      "--strategy",
      "database",
      "--store",
      "sql",
      "--store-url-env",
      "LEGACY_DB_URL",
      "--table",
      "users",
      "--password-column",
      "encrypted_password",
      "--name-column",
      "name",
      "--email-verified-column",
      "confirmed_at",
      "--bcrypt-prefix",
      "2a",
      "--bcrypt-cost",
      "12",
      ...extra,
    ];

    beforeAll(async () => {
      database = await createTestDatabase("pglite");
      app = await createDeviseDatabase(adminUrl as string);
      await app.createUsersTable();
      await app.insertUser({
        email: "Jane.Doe@Example.com",
        password: "the app's own password",
        name: "Jane Doe",
        verified: true,
      });
      // Trust auth ignores the password; it is there to be kept out of every output.
      const url = new URL(app.url);
      url.password = "s3cret-app-password";
      appUrl = url.toString();
    });
    afterAll(async () => {
      await app?.drop();
      await database?.drop();
    });

    it("refuses a mapping the table does not have, in one line, and saves nothing", async () => {
      const result = await passdesk([
        "connections",
        "add",
        "legacy",
        ...sqlStore("--password-column", "encrypted_pasword"),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toBe(
        'passdesk: connection legacy: table "users" has no column "encrypted_pasword"\n',
      );
      const { handle } = await database.open();
      try {
        expect(
          await handle.db.select().from(connections).where(eq(connections.name, "legacy")),
        ).toEqual([]);
      } finally {
        await handle.close();
      }
    });

    it("refuses options that are not usable, and an unset variable, naming them", async () => {
      const badTable = await passdesk([
        "connections",
        "add",
        "legacy",
        ...sqlStore("--table", "users; drop table users"),
      ]);
      expect(badTable.code).toBe(1);
      expect(badTable.stderr).toContain("--table must be [schema.]table");
      const badCost = await passdesk([
        "connections",
        "add",
        "legacy",
        ...sqlStore("--bcrypt-cost", "31"),
      ]);
      expect(badCost.stderr).toContain("--bcrypt-cost");
      const unset = await passdesk(["connections", "add", "legacy", ...sqlStore()], {
        LEGACY_DB_URL: undefined,
      });
      expect(unset.code).toBe(1);
      expect(unset.stderr).toBe(
        "passdesk: the user store of connection legacy is unavailable: LEGACY_DB_URL is not set\n",
      );
    });

    it("adds it after reaching the table, and shows it without the URL", async () => {
      const added = await passdesk(["connections", "add", "legacy", ...sqlStore()]);
      expect(added.stderr).toBe("");
      expect(added.stdout).toBe(
        "added connection legacy (strategy database) store=sql($LEGACY_DB_URL, table users, bcrypt $2a$ cost 12)\n",
      );
      const list = await passdesk(["connections", "list"]);
      expect(linesOf(list.stdout).find((line) => line.startsWith("legacy\t"))).toContain(
        "store=sql($LEGACY_DB_URL, table users, bcrypt $2a$ cost 12)",
      );
      for (const output of [added, list]) {
        expect(`${output.stdout}${output.stderr}`).not.toContain("s3cret");
        expect(`${output.stdout}${output.stderr}`).not.toContain(app.url);
      }
      const { handle } = await database.open();
      try {
        const rows = await handle.db
          .select()
          .from(auditLog)
          .where(eq(auditLog.action, "connection.created"));
        expect(JSON.stringify(rows)).not.toContain("s3cret");
        expect(rows.at(-1)?.details).toMatchObject({ store: { urlEnv: "LEGACY_DB_URL" } });
      } finally {
        await handle.close();
      }
    });

    it("test reads one user as Passdesk maps them, never the hash", async () => {
      const result = await passdesk(["connections", "test", "legacy", "JANE.DOE@example.com"]);
      expect(result.stderr).toBe("");
      const lines = linesOf(result.stdout);
      expect(lines[0]).toMatch(/^legacy: reached sql postgresql 127\.0\.0\.1:5432\/legacy_app_/);
      expect(lines.slice(1)).toEqual([
        expect.stringMatching(/^user_id\t\d+$/),
        "email\tjane.doe@example.com",
        "email_verified\ttrue",
        "name\tJane Doe",
        "blocked\tfalse",
        "password\tbcrypt $2a$ cost 04",
      ]);
      expect(result.stdout).not.toContain("$2a$04$");
      expect(result.stdout).not.toContain("s3cret");
      // The look-up left a link row: the list shows it as the store's user, nothing more.
      const list = await passdesk(["users", "list", "--connection", "legacy"]);
      expect(linesOf(list.stdout)).toEqual([
        expect.stringMatching(/^\d+\tjane\.doe@example\.com\tlegacy\texternal:\d+\t/),
      ]);
      const unknown = await passdesk(["connections", "test", "legacy", "nobody@example.com"]);
      expect(linesOf(unknown.stdout).at(-1)).toBe(
        "no user nobody@example.com (or more than one with that email)",
      );
    });

    it("set changes the store after checking it; signup cannot be opened on it", async () => {
      const refused = await passdesk(["connections", "set", "legacy", "--signup", "open"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("keeps its users in the organisation's own store");
      const changed = await passdesk([
        "connections",
        "set",
        "legacy",
        ...sqlStore("--bcrypt-cost", "10").slice(2),
      ]);
      expect(changed.stderr).toBe("");
      expect(changed.stdout).toContain(
        "store=sql($LEGACY_DB_URL, table users, bcrypt $2a$ cost 10)",
      );
      const unreachable = await passdesk(
        ["connections", "test", "legacy", "jane.doe@example.com"],
        { LEGACY_DB_URL: "postgres://postgres:s3cret@127.0.0.1:1/nowhere" },
      );
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/^passdesk: connection legacy: cannot reach the database/);
      expect(unreachable.stderr).not.toContain("s3cret");
    });
  },
);
