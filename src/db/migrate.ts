import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { DatabaseHandle } from "./client.ts";

/**
 * The committed `drizzle/` folder at the package root: two levels up from this file in src/db,
 * one level up from the bundle in dist/ (`npm start`), found by walking up to its journal.
 */
export const migrationsFolder = findMigrationsFolder(dirname(fileURLToPath(import.meta.url)));
/** Passdesk's package root: where package.json, drizzle/ and node_modules/ live. */
export const packageRoot = dirname(migrationsFolder);

function findMigrationsFolder(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "drizzle");
    if (existsSync(join(candidate, "meta", "_journal.json"))) return candidate;
    if (dirname(dir) === dir) throw new Error(`no drizzle/meta/_journal.json above ${from}`);
  }
}

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
