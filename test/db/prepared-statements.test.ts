import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, type Executor, openDatabase } from "../../src/db/client.ts";
import { rowsOf } from "../../src/db/rows.ts";
import { users } from "../../src/db/schema.ts";
import { createTestDatabase, type TestDatabase } from "../support/database.ts";

/** Server-side prepared statements of the executor's connection (a simple query: not listed). */
async function preparedStatements(db: Executor): Promise<string[]> {
  const result = await db.execute(sql`select statement from pg_prepared_statements`);
  return rowsOf<{ statement: string }>(result).map((row) => row.statement);
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("statements drizzle sends to PostgreSQL", () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const migrated = await database.open();
    await migrated.handle.close();
    if (!("DATABASE_URL" in database.env)) throw new Error("expected a PostgreSQL database");
    // One connection, so pg_prepared_statements is read on the connection that ran the queries.
    handle = await openDatabase({
      databaseUrl: database.env.DATABASE_URL,
      pgliteDataDir: "memory://",
      maxConnections: 1,
    });
  });
  afterAll(async () => {
    await handle?.close();
    await database?.drop();
  });

  it("are prepared once per connection and reused", async () => {
    for (const email of ["a@example.com", "b@example.com"]) {
      await handle.db.select().from(users).where(eq(users.email, email));
    }

    const selects = (await preparedStatements(handle.db)).filter((statement) =>
      statement.includes('from "users" where "users"."email" = $1'),
    );
    expect(selects).toHaveLength(1);
  });

  it("are prepared inside a transaction and a savepoint", async () => {
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`select ${1}::int as in_transaction`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`select ${2}::int as in_savepoint`);
      });
    });

    const statements = await preparedStatements(handle.db);
    expect(statements.some((statement) => statement.includes("in_transaction"))).toBe(true);
    expect(statements.some((statement) => statement.includes("in_savepoint"))).toBe(true);
  });

  it("are prepared on the advisory lock's own connection", async () => {
    const statements = await handle.withAdvisoryLock(7_310_245_999, async (db) => {
      await db.execute(sql`select ${1}::int as under_lock`);
      return preparedStatements(db);
    });

    expect(statements.some((statement) => statement.includes("under_lock"))).toBe(true);
  });
});
