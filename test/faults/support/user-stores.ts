import { randomBytes } from "node:crypto";
import type postgres from "postgres";
import { appAccepts, createDeviseDatabase } from "../../support/app-users.ts";
import {
  createHttpUserStoreServer,
  type HttpUserStoreServer,
} from "../../support/http-user-store.ts";
import { sleep } from "../../support/wait-for.ts";
import { createHoldingProxy, type HoldingProxy } from "./holding-proxy.ts";

/*
 * The organisation's own user stores a spawned Passdesk is pointed at in fault tests: a signed
 * HTTP API (test/support/http-user-store.ts) and a Rails/Devise users table in PostgreSQL reached
 * through a proxy that can hold or cut the answer to an UPDATE. Each counts the password writes
 * it made per user, with a trigger on its table, so a test can tell "changed once" from "changed
 * twice" whatever Passdesk says.
 */

export interface FaultStore {
  kind: "http" | "sql";
  /** The Passdesk connection's name. */
  connection: string;
  /** `passdesk connections add <connection> …` arguments after the name. */
  cliArgs: string[];
  /** What the CLI and the server need in their environment for this store. */
  env: Record<string, string>;
  addUser(user: { email: string; name: string; password: string }): Promise<void>;
  /** The app's own check of a password. */
  accepts(email: string, password: string): Promise<boolean>;
  /** Password writes the store made for this user. */
  writes(email: string): Promise<number>;
  /** Hold the answers to password changes once they are written (committed); false sends them. */
  holdChangeAnswers(hold: boolean): void;
  /** Password-change answers held right now. */
  heldAnswers(): number;
  /** The store refuses connections (open ones are cut) until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export interface HttpFaultStore extends FaultStore {
  kind: "http";
  server: HttpUserStoreServer;
}

export interface SqlFaultStore extends FaultStore {
  kind: "sql";
  proxy: HoldingProxy;
}

/** A trigger that records each write of `column` in `<table>_writes`. */
async function countWrites(
  sql: postgres.Sql,
  table: string,
  column: string,
  idType: string,
): Promise<(email: string) => Promise<number>> {
  await sql.unsafe(`
    create table "${table}_writes" (id bigserial primary key, user_id ${idType} not null);
    create function "${table}_record_write"() returns trigger language plpgsql as $$
      begin insert into "${table}_writes" (user_id) values (new.id); return new; end $$;
    create trigger "${table}_write" after update of "${column}" on "${table}"
      for each row execute function "${table}_record_write"();`);
  return async (email) => {
    const [row] = await sql.unsafe<{ count: number }[]>(
      `select count(*)::int as count from "${table}_writes" w
       join "${table}" u on u.id = w.user_id where lower(u.email) = lower($1)`,
      [email],
    );
    return Number(row?.count ?? 0);
  };
}

/** An HTTP store over a table in a database of its own in the cluster `adminUrl` reaches. */
export async function openHttpFaultStore(
  adminUrl: string,
  connection: string,
): Promise<HttpFaultStore> {
  const app = await createDeviseDatabase(adminUrl);
  const secret = `pdsk_fault_${randomBytes(16).toString("hex")}`;
  const server = await createHttpUserStoreServer({ sql: app.sql, table: "crm_users", secret });
  const writes = await countWrites(app.sql, "crm_users", "password_digest", "uuid");
  return {
    kind: "http",
    connection,
    server,
    cliArgs: ["--store", "http", "--store-url", server.url, "--secret-env", "CRM_STORE_SECRET"],
    env: { CRM_STORE_SECRET: secret },
    async addUser(user) {
      await server.addUser(user);
    },
    accepts: (email, password) => server.verify(email, password),
    writes,
    holdChangeAnswers(hold) {
      server.holdChangeAnswers = hold;
    },
    heldAnswers: () => server.heldAnswers,
    async down() {
      await server.stop();
      // Passdesk's pooled connections to it are closed by then: its next call is refused,
      // rather than lost on a connection the store had closed.
      await sleep(50);
    },
    up: () => server.start(),
    async close() {
      await server.close();
      await app.drop();
    },
  };
}

/** A Devise users table (bcrypt `$2a$`) in a database of its own, behind a HoldingProxy. */
export async function openSqlFaultStore(
  adminUrl: string,
  connection: string,
): Promise<SqlFaultStore> {
  const app = await createDeviseDatabase(adminUrl);
  await app.createUsersTable();
  const writes = await countWrites(app.sql, "users", "encrypted_password", "bigint");
  const target = new URL(app.url);
  const proxy = await createHoldingProxy({
    host: target.hostname,
    port: Number(target.port || 5432),
  });
  const proxied = new URL(app.url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(proxy.port);
  return {
    kind: "sql",
    connection,
    proxy,
    cliArgs: [
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
      "--blocked-column",
      "banned",
      "--hash",
      "bcrypt",
      "--bcrypt-prefix",
      "2a",
      "--bcrypt-cost",
      "4",
    ],
    env: { LEGACY_DB_URL: proxied.toString() },
    async addUser(user) {
      await app.insertUser({ ...user, verified: true });
    },
    async accepts(email, password) {
      const [row] = await app.sql<{ hash: string }[]>`
        select encrypted_password as hash from users where lower(email) = lower(${email})`;
      return row ? appAccepts(row.hash, password) : false;
    },
    writes,
    holdChangeAnswers(hold) {
      if (hold) proxy.holdUpdateAnswers = true;
      else proxy.release();
    },
    heldAnswers: () => proxy.held,
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async close() {
      await proxy.close();
      await app.drop();
    },
  };
}
