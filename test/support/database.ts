import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { type DatabaseHandle, openDatabase } from "../../src/db/client.ts";
import { migrateDatabase } from "../../src/db/migrate.ts";
import { createRepository, type Repository } from "../../src/db/stores.ts";

export type BackendName = "pglite" | "postgres";

/** What a spawned Passdesk (CLI or server) needs in its environment to use this database. */
export type DatabaseEnv = { DATABASE_URL: string } | { PGLITE_DATA_DIR: string };

export interface TestDatabase {
  backend: BackendName;
  env: DatabaseEnv;
  /**
   * Opens a handle (migrated). PGlite allows one open handle at a time per directory; with
   * `throughRunningServer`, a directory a server holds is reached through its CLI socket.
   */
  open(options?: {
    throughRunningServer?: boolean;
  }): Promise<{ handle: DatabaseHandle; repo: Repository }>;
  drop(): Promise<void>;
}

/** PGlite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const backends: BackendName[] = process.env.TEST_DATABASE_URL
  ? ["pglite", "postgres"]
  : ["pglite"];

/** A database of its own for one test file: a fresh PGlite directory, or a new Postgres database. */
export async function createTestDatabase(backend: BackendName): Promise<TestDatabase> {
  const env =
    backend === "postgres" ? await createPostgresDatabase() : await createPgliteDirectory();
  return {
    backend,
    env,
    async open(options = {}) {
      const handle = await openDatabase({
        databaseUrl: "DATABASE_URL" in env ? env.DATABASE_URL : undefined,
        pgliteDataDir: "PGLITE_DATA_DIR" in env ? env.PGLITE_DATA_DIR : "memory://",
        ...options,
      });
      await migrateDatabase(handle);
      return { handle, repo: createRepository(handle) };
    },
    async drop() {
      if ("DATABASE_URL" in env) await dropPostgresDatabase(env.DATABASE_URL);
      else await rm(join(env.PGLITE_DATA_DIR, ".."), { recursive: true, force: true });
    },
  };
}

/** A migrated, in-process database for tests that need no second process. */
export async function openMigratedDatabase(backend: BackendName) {
  if (backend === "pglite") {
    const handle = await openDatabase({ pgliteDataDir: "memory://" });
    await migrateDatabase(handle);
    return { handle, repo: createRepository(handle), close: () => handle.close() };
  }
  const database = await createTestDatabase("postgres");
  const { handle, repo } = await database.open();
  return {
    handle,
    repo,
    async close() {
      await handle.close();
      await database.drop();
    },
  };
}

async function createPgliteDirectory(): Promise<DatabaseEnv> {
  const dir = await mkdtemp(join(tmpdir(), "passdesk-pglite-"));
  return { PGLITE_DATA_DIR: join(dir, "data") };
}

function adminClient() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL is not set");
  return { url, sql: postgres(url, { max: 1, onnotice: () => {} }) };
}

async function createPostgresDatabase(): Promise<DatabaseEnv> {
  const { url, sql } = adminClient();
  const name = `passdesk_test_${randomBytes(6).toString("hex")}`;
  try {
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end();
  }
  const target = new URL(url);
  target.pathname = `/${name}`;
  return { DATABASE_URL: target.toString() };
}

async function dropPostgresDatabase(databaseUrl: string): Promise<void> {
  const { sql } = adminClient();
  const name = new URL(databaseUrl).pathname.slice(1);
  try {
    await sql.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await sql.end();
  }
}
