import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import { packageRoot } from "../package-root.ts";
import type { DatabaseHandle } from "./client.ts";

export { packageRoot };

/** The committed `drizzle/` folder at the package root. */
export const migrationsFolder = join(packageRoot, "drizzle");

/** Arbitrary but fixed: every Passdesk process agrees on it, so concurrent starts migrate once. */
const MIGRATION_LOCK_KEY = 7_310_245_001;

/** The database could not be brought up to date; the message is one readable line. */
export class MigrationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MigrationError";
  }
}

/**
 * Applies pending migrations; safe when several processes start at once. `folder` is for tests
 * that need a database as an older release left it (a copy holding only the first migrations).
 */
export async function migrateDatabase(
  handle: DatabaseHandle,
  folder: string = migrationsFolder,
): Promise<void> {
  if (handle.kind === "pglite-server") return checkServerMigrated(handle);
  try {
    await applyMigrations(handle, folder);
  } catch (error) {
    const cause =
      (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new MigrationError(`database migration failed: ${cause.split("\n")[0]}`, {
      cause: error,
    });
  }
}

async function applyMigrations(handle: DatabaseHandle, folder: string): Promise<void> {
  await handle.withAdvisoryLock(MIGRATION_LOCK_KEY, async (db) => {
    if (handle.kind === "pglite") {
      await migratePglite(db as unknown as PgliteDatabase, { migrationsFolder: folder });
    } else {
      await migratePostgres(db as unknown as PostgresJsDatabase, { migrationsFolder: folder });
    }
  });
}

/**
 * A command reaching the embedded database through its running server leaves migrations to that
 * server (it ran them at start): migrating under a live server would change tables its code
 * still reads. The command refuses when this checkout has migrations the server lacks.
 */
async function checkServerMigrated(handle: DatabaseHandle): Promise<void> {
  const [applied] = await handle.query<{ latest: string | null }>(
    "select max(created_at)::text as latest from drizzle.__drizzle_migrations",
    [],
  );
  const latest = Number(applied?.latest ?? 0);
  const pending = readMigrationFiles({ migrationsFolder }).filter((m) => m.folderMillis > latest);
  if (pending.length > 0) {
    throw new MigrationError(
      `the running server has not applied ${pending.length} migration(s) of this version of passdesk; restart the server to apply them`,
    );
  }
}
