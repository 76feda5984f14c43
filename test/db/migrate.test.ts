import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, type DatabaseHandle, openDatabase } from "../../src/db/client.ts";
import { migrateDatabase, migrationsFolder } from "../../src/db/migrate.ts";
import { createRepository } from "../../src/db/stores.ts";
import { repoRoot, runProcess } from "../support/cli.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";

const journal = JSON.parse(await readFile(join(migrationsFolder, "meta/_journal.json"), "utf8"));
const migrationCount: number = journal.entries.length;

/** postgres.js returns the rows; PGlite returns `{ rows }`. */
async function rowsOf<T>(db: Database, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

async function appliedMigrations(db: Database): Promise<number> {
  const [row] = await rowsOf<{ count: number }>(
    db,
    sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
  );
  return row?.count ?? 0;
}

async function publicTables(db: Database): Promise<string[]> {
  const rows = await rowsOf<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables
        where table_schema = 'public' order by table_name`,
  );
  return rows.map((row) => row.name);
}

function openHandle(database: TestDatabase): Promise<DatabaseHandle> {
  const { env } = database;
  return openDatabase({
    databaseUrl: "DATABASE_URL" in env ? env.DATABASE_URL : undefined,
    pgliteDataDir: "PGLITE_DATA_DIR" in env ? env.PGLITE_DATA_DIR : "memory://",
  });
}

describe.each(backends)("migrateDatabase on %s", (backend) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    handle = await openHandle(database);
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("turns a fresh database into the whole data model", async () => {
    expect(await publicTables(handle.db)).toEqual([]);
    await migrateDatabase(handle);
    expect(await appliedMigrations(handle.db)).toBe(migrationCount);
    expect(await publicTables(handle.db)).toEqual(
      expect.arrayContaining([
        "audit_log",
        "clients",
        "connections",
        "email_outbox",
        "email_template_versions",
        "email_templates",
        "password_history",
        "reset_requests",
        "role_grants",
        "tickets",
        "users",
      ]),
    );
  });

  it("creates the Username-Password-Authentication connection with NIST SP 800-63B-4's policy", async () => {
    const connection = await createRepository(handle).connections.findByName(
      "Username-Password-Authentication",
    );
    expect(connection).toMatchObject({
      strategy: "database",
      policy: {
        level: "none",
        minLength: 15,
        historySize: 5,
        dictionary: true,
        noPersonalInfo: true,
      },
    });
  });

  it("changes nothing when run again", async () => {
    const repo = createRepository(handle);
    const tablesBefore = await publicTables(handle.db);
    const connectionsBefore = await repo.connections.list();
    await migrateDatabase(handle);
    expect(await appliedMigrations(handle.db)).toBe(migrationCount);
    expect(await publicTables(handle.db)).toEqual(tablesBefore);
    expect(await repo.connections.list()).toEqual(connectionsBefore);
  });

  it("runs two migrations started at once through one handle one after the other", async () => {
    await Promise.all([migrateDatabase(handle), migrateDatabase(handle)]);
    expect(await appliedMigrations(handle.db)).toBe(migrationCount);
  });
});

describe.runIf(backends.includes("postgres"))("concurrent migrators on postgres", () => {
  let database: TestDatabase;
  const handles: DatabaseHandle[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    handles.push(await openHandle(database), await openHandle(database));
  });

  afterAll(async () => {
    for (const handle of handles) await handle.close();
    await database?.drop();
  });

  it("two processes' handles migrating a fresh database at once both succeed, once", async () => {
    const [first, second] = handles as [DatabaseHandle, DatabaseHandle];
    await Promise.all([migrateDatabase(first), migrateDatabase(second)]);
    expect(await appliedMigrations(first.db)).toBe(migrationCount);
    const connections = await createRepository(second).connections.list();
    expect(connections.map((connection) => connection.name)).toEqual([
      "Username-Password-Authentication",
    ]);
  });
});

describe("scripts/check-migrations.mjs", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "passdesk-schema-"));
    // The copy imports drizzle-orm like the original, so it needs the repository's packages.
    await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"), "dir");
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("passes when the committed migrations match src/db/schema.ts", async () => {
    const result = await runProcess(process.execPath, ["scripts/check-migrations.mjs"]);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("migrations match the schema");
    expect(result.code).toBe(0);
  });

  it("fails, showing the missing SQL, when the schema has a column the migrations lack", async () => {
    const schema = await readFile(join(repoRoot, "src/db/schema.ts"), "utf8");
    const withColumn = schema.replace(
      /pgTable\(\s*"users",\s*\{/,
      (opening) => `${opening}\n    probeColumn: text("probe_column"),`,
    );
    expect(withColumn).not.toBe(schema);
    await writeFile(join(dir, "schema.ts"), withColumn);

    const result = await runProcess(process.execPath, [
      "scripts/check-migrations.mjs",
      join(dir, "schema.ts"),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("the schema and the committed migrations disagree");
    expect(result.stderr).toContain('ALTER TABLE "users" ADD COLUMN "probe_column" text;');
  });
});
