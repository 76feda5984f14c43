import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { openDatabase } from "../src/db/client.ts";
import { migrateDatabase } from "../src/db/migrate.ts";
import { createTicketToken, hashTicketToken } from "../src/password-reset/tokens.ts";

export type Sql = postgres.Sql;

export const DEFAULT_CONNECTION = "Username-Password-Authentication";

/** A database of the bench's own, created fresh and dropped at the end. */
export interface BenchDatabase {
  name: string;
  url: string;
  sql: Sql;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const target = new URL(url);
  target.pathname = `/${name}`;
  return target.toString();
}

export async function serverVersion(adminUrl: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ version: string }[]>`
      select current_setting('server_version') as version`;
    return row?.version ?? "unknown";
  } finally {
    await sql.end();
  }
}

/** When the cluster last started: a change during a run means someone restarted it meanwhile. */
export async function postmasterStartTime(adminUrl: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ started: string }[]>`
      select pg_postmaster_start_time()::text as started`;
    return row?.started ?? "unknown";
  } finally {
    await sql.end();
  }
}

/** Creates `passdesk_bench_<random>`; with `migrate`, brings it to Passdesk's schema. */
export async function createBenchDatabase(
  adminUrl: string,
  label: string,
  { migrate = true } = {},
): Promise<BenchDatabase> {
  const name = `passdesk_bench_${label}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(adminUrl, name);
  if (migrate) {
    const handle = await openDatabase({ databaseUrl: url, pgliteDataDir: "memory://" });
    try {
      await migrateDatabase(handle);
    } finally {
      await handle.close();
    }
  }
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      // Retried: on a shared machine the cluster may be restarting (other suites do that).
      for (let attempt = 1; ; attempt++) {
        const dropper = postgres(adminUrl, { max: 1, onnotice: () => {} });
        try {
          await dropper.unsafe(`drop database if exists "${name}" with (force)`);
          return;
        } catch (error) {
          if (attempt >= 30) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        } finally {
          await dropper.end();
        }
      }
    },
  };
}

export async function addConnection(sql: Sql, name: string, historySize: number): Promise<void> {
  await sql`
    insert into connections (name, strategy, password_history_size)
    values (${name}, 'database', ${historySize})`;
}

/**
 * Inserts users with one precomputed hash (hashing each with OWASP's cost would take minutes),
 * and that hash as their only history entry, as `passdesk users add` would leave it.
 */
export async function seedUsers(
  sql: Sql,
  connection: string,
  emails: string[],
  passwordHash: string,
): Promise<number[]> {
  const rows = await sql<{ id: string }[]>`
    insert into users (connection_id, email, password_hash, password_changed_at)
    select c.id, e.email, ${passwordHash}, now()
    from connections c, unnest(${emails}::text[]) as e(email)
    where c.name = ${connection}
    returning id`;
  const ids = rows.map((row) => Number(row.id));
  await sql`
    insert into password_history (user_id, password_hash)
    select id, password_hash from users where id = any(${ids}::bigint[])`;
  return ids;
}

/** One usable ticket per user; returns the plaintext tokens, as the emails would carry them. */
export async function issueTickets(sql: Sql, userIds: number[]): Promise<string[]> {
  const tokens = userIds.map(() => createTicketToken());
  await sql`
    insert into tickets (token_hash, user_id, expires_at)
    select t.hash, t.user_id, now() + interval '1 day'
    from unnest(${tokens.map(hashTicketToken)}::text[], ${userIds}::bigint[]) as t(hash, user_id)`;
  return tokens;
}

export function emailsFor(prefix: string, count: number): string[] {
  return Array.from(
    { length: count },
    (_, k) => `${prefix}${String(k).padStart(5, "0")}@bench.example`,
  );
}
