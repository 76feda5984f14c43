import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import argon2 from "argon2";
import bcryptjs from "bcryptjs";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DatabaseHandle, openDatabase } from "../../src/db/client.ts";
import { migrateDatabase, migrationsFolder } from "../../src/db/migrate.ts";
import { createArgon2Hasher, OWASP_ARGON2ID } from "../../src/passwords/argon2-hasher.ts";
import { canonicalizeArgon2Hash } from "../../src/passwords/argon2-phc.ts";
import { backends, createTestDatabase, type TestDatabase } from "../support/database.ts";
import { verifyWithLibsodium } from "../support/libsodium.ts";

/** The release before the hardening migration: drizzle/ up to 0001. */
const OLD_MIGRATION_COUNT = 2;

async function copyFirstMigrations(count: number): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), "passdesk-migrations-"));
  const journal = JSON.parse(await readFile(join(migrationsFolder, "meta/_journal.json"), "utf8"));
  const entries = journal.entries.slice(0, count) as Array<{ tag: string }>;
  await mkdir(join(folder, "meta"));
  await writeFile(join(folder, "meta/_journal.json"), JSON.stringify({ ...journal, entries }));
  for (const { tag } of entries) {
    await copyFile(join(migrationsFolder, `${tag}.sql`), join(folder, `${tag}.sql`));
  }
  return folder;
}

/** postgres.js returns the rows; PGlite returns `{ rows }`. */
async function queryRows<T>(handle: DatabaseHandle, query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await handle.db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

interface StoredUser {
  email: string;
  password: string;
  hash: string;
  history: string[];
}

/** node-argon2 0.45's own serialisation (m,p,t), as Passdesk stored hashes before the fix. */
function hashWithNodeArgon2(password: string, options: argon2.HashOptions): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, ...options });
}

describe.each(backends)("migrating argon2 hashes to m,t,p on %s", (backend) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let oldMigrations: string;
  const users: StoredUser[] = [];

  async function storeUser(user: StoredUser): Promise<void> {
    const [row] = await queryRows<{ id: number }>(
      handle,
      sql`insert into users (connection_id, email, password_hash)
          select id, ${user.email}, ${user.hash} from connections
          where name = 'Username-Password-Authentication' returning id`,
    );
    for (const hash of [...user.history, user.hash]) {
      await handle.db.execute(
        sql`insert into password_history (user_id, password_hash) values (${row?.id}, ${hash})`,
      );
    }
    users.push(user);
  }

  async function readHashes(email: string) {
    const [user] = await queryRows<{ id: number; password_hash: string }>(
      handle,
      sql`select id, password_hash from users where email = ${email}`,
    );
    const history = await queryRows<{ password_hash: string }>(
      handle,
      sql`select password_hash from password_history where user_id = ${user?.id} order by id`,
    );
    return { hash: user?.password_hash, history: history.map((row) => row.password_hash) };
  }

  beforeAll(async () => {
    [database, oldMigrations] = await Promise.all([
      createTestDatabase(backend),
      copyFirstMigrations(OLD_MIGRATION_COUNT),
    ]);
    const { env } = database;
    handle = await openDatabase({
      databaseUrl: "DATABASE_URL" in env ? env.DATABASE_URL : undefined,
      pgliteDataDir: "PGLITE_DATA_DIR" in env ? env.PGLITE_DATA_DIR : "memory://",
    });
    await migrateDatabase(handle, oldMigrations);

    const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
    await storeUser({
      email: "owasp@example.com",
      password: "violet lanterns drift upstream",
      hash: await hashWithNodeArgon2("violet lanterns drift upstream", OWASP_ARGON2ID),
      history: [await hashWithNodeArgon2("an older passphrase", cheap)],
    });
    await storeUser({
      email: "four-lanes@example.com",
      password: "correct horse battery staple",
      hash: await hashWithNodeArgon2("correct horse battery staple", {
        ...cheap,
        parallelism: 4,
      }),
      history: [],
    });
    await storeUser({
      email: "argon2i@example.com",
      password: "an argon2i passphrase",
      hash: await argon2.hash("an argon2i passphrase", { type: argon2.argon2i, ...cheap }),
      history: [],
    });
  });

  afterAll(async () => {
    await handle?.close();
    await database?.drop();
    if (oldMigrations) await rm(oldMigrations, { recursive: true, force: true });
  });

  it("starts from hashes in node-argon2's m,p,t order, which libsodium refuses", async () => {
    for (const user of users) {
      expect(user.hash).toMatch(/^\$argon2(id|i)\$v=19\$m=\d+,p=\d+,t=\d+\$/);
      expect(await verifyWithLibsodium(user.hash, user.password)).toBe(false);
    }
  });

  it("rewrites them, in users and password_history, as m,t,p strings that verify everywhere", async () => {
    const bcryptHash = bcryptjs.hashSync("an imported password", 4);
    const canonical = await createArgon2Hasher(OWASP_ARGON2ID).hash("already canonical");
    await storeUser({ email: "bcrypt@example.com", password: "", hash: bcryptHash, history: [] });
    await storeUser({ email: "canonical@example.com", password: "", hash: canonical, history: [] });

    await migrateDatabase(handle);

    const hasher = createArgon2Hasher(OWASP_ARGON2ID);
    for (const user of users.slice(0, 3)) {
      const stored = await readHashes(user.email);
      expect(stored.hash).toBe(canonicalizeArgon2Hash(user.hash));
      expect(stored.hash).toMatch(/^\$argon2(id|i)\$v=19\$m=\d+,t=\d+,p=\d+\$/);
      expect(stored.history).toEqual([...user.history, user.hash].map(canonicalizeArgon2Hash));
      expect(await hasher.verify(stored.hash ?? "", user.password)).toBe(true);
      expect(await hasher.verify(stored.hash ?? "", `${user.password}!`)).toBe(false);
      expect(await verifyWithLibsodium(stored.hash ?? "", user.password)).toBe(true);
      expect(await verifyWithLibsodium(stored.hash ?? "", `${user.password}!`)).toBe(false);
    }
    expect(
      await verifyWithLibsodium(
        (await readHashes("owasp@example.com")).history[0] ?? "",
        "an older passphrase",
      ),
    ).toBe(true);
    // Now exactly what Passdesk writes today: no rehash at the next sign-in.
    expect(hasher.needsRehash((await readHashes("owasp@example.com")).hash ?? "")).toBe(false);
    expect(await readHashes("bcrypt@example.com")).toEqual({
      hash: bcryptHash,
      history: [bcryptHash],
    });
    expect(await readHashes("canonical@example.com")).toEqual({
      hash: canonical,
      history: [canonical],
    });
  });
});
