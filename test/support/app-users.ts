import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import mysql from "mysql2/promise";
import postgres from "postgres";

/*
 * Users tables shaped as the organisation's own app made them (Rails/Devise on PostgreSQL,
 * Laravel on MariaDB), filled with bcrypt hashes written as that app writes them: what Passdesk's
 * SQL user store reads and writes in tests.
 */

export interface AppUser {
  email: string;
  password: string;
  name?: string;
  /** Sets the app's "verified at" timestamp. */
  verified?: boolean;
  /** Sets the app's ban flag. */
  blocked?: boolean;
}

/** bcrypt as the app's own library writes it: bcryptjs's `$2b$` renamed to the app's prefix. */
export async function appBcrypt(password: string, prefix: "2a" | "2y", cost = 4): Promise<string> {
  const hash = await bcrypt.hash(password, cost);
  return `$${prefix}$${hash.slice(4)}`;
}

/** The app's own check: bcryptjs accepts `$2a$`, `$2b$` and `$2y$` alike, as PHP and Ruby do. */
export function appAccepts(hash: string, password: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** A table of a test of its own: `users_<hex>`. */
export function randomTableName(prefix = "users"): string {
  return `${prefix}_${randomBytes(4).toString("hex")}`;
}

/* PostgreSQL: a Rails app's database, Devise's users table. */

export interface DeviseDatabase {
  /** The app database's URL (what the connection's urlEnv would hold). */
  url: string;
  sql: postgres.Sql;
  createUsersTable(table?: string): Promise<void>;
  /** Inserts and returns the id (bigserial, as text). */
  insertUser(user: AppUser, table?: string): Promise<string>;
  drop(): Promise<void>;
}

/** A fresh `legacy_app_<hex>` database in the cluster `adminUrl` reaches; drop() removes it. */
export async function createDeviseDatabase(adminUrl: string): Promise<DeviseDatabase> {
  const name = `legacy_app_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const sql = postgres(url, { max: 2, onnotice: () => {} });
  return {
    url,
    sql,
    createUsersTable: (table = "users") => createDeviseUsersTable(sql, table),
    insertUser: (user, table = "users") => insertDeviseUser(sql, user, table),
    async drop() {
      await sql.end();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await cleanup.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}

/** Devise's migration, plus the `banned` boolean apps add for an admin's ban. */
async function createDeviseUsersTable(sql: postgres.Sql, table: string): Promise<void> {
  await sql.unsafe(`
    create table "${table}" (
      id bigserial primary key,
      email varchar not null default '',
      encrypted_password varchar not null default '',
      name varchar,
      confirmed_at timestamp,
      locked_at timestamp,
      banned boolean not null default false,
      created_at timestamp not null default now(),
      updated_at timestamp not null default now()
    )`);
  // Devise's own index: unique, but case-sensitive in PostgreSQL.
  await sql.unsafe(`create unique index "${table}_email" on "${table}" (email)`);
}

/** Devise writes `$2a$` (bcrypt-ruby); its default cost is 12, tests use 4. */
async function insertDeviseUser(sql: postgres.Sql, user: AppUser, table: string): Promise<string> {
  const hash = await appBcrypt(user.password, "2a");
  const [row] = await sql.unsafe<{ id: string }[]>(
    `insert into "${table}" (email, encrypted_password, name, confirmed_at, banned)
     values ($1, $2, $3, $4, $5) returning id`,
    [user.email, hash, user.name ?? null, user.verified ? new Date() : null, user.blocked ?? false],
  );
  if (!row) throw new Error("insert returned no id");
  return String(row.id);
}

/* MariaDB/MySQL: a Laravel app's users table. */

/**
 * Why MySQL/MariaDB at `url` cannot be used, or undefined when it answers. With REQUIRE_MYSQL
 * set (CI), an unreachable server fails the file instead of skipping its cases.
 */
export async function probeMysql(url: string): Promise<string | undefined> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 2000 });
    await connection.end();
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why = `MySQL/MariaDB at ${new URL(url).host} does not answer (${String(code ?? error)})`;
    if (process.env.REQUIRE_MYSQL) throw new Error(`${why}, and REQUIRE_MYSQL is set`);
    return why;
  }
}

export interface LaravelTable {
  table: string;
  insertUser(user: AppUser): Promise<string>;
  drop(): Promise<void>;
}

/**
 * Laravel's `create_users_table` migration plus an `is_banned` flag. `uniqueEmail: false` stands
 * for an older table without Laravel's unique index (which, under a case-insensitive collation,
 * would refuse case duplicates).
 */
export async function createLaravelUsersTable(
  pool: mysql.Pool,
  options: { uniqueEmail?: boolean } = {},
): Promise<LaravelTable> {
  const table = randomTableName();
  const unique = options.uniqueEmail === false ? "" : "unique";
  await pool.query(`
    create table \`${table}\` (
      id bigint unsigned not null auto_increment primary key,
      name varchar(255) not null,
      email varchar(255) not null ${unique},
      email_verified_at timestamp null,
      password varchar(255) not null,
      is_banned tinyint(1) not null default 0,
      remember_token varchar(100) null,
      created_at timestamp null,
      updated_at timestamp null
    ) default charset=utf8mb4 collate=utf8mb4_unicode_ci`);
  return {
    table,
    insertUser: (user) => insertLaravelUser(pool, table, user),
    async drop() {
      await pool.query(`drop table if exists \`${table}\``);
    },
  };
}

/** Laravel's Hash::make: PHP's password_hash writes `$2y$`. */
async function insertLaravelUser(pool: mysql.Pool, table: string, user: AppUser): Promise<string> {
  const hash = await appBcrypt(user.password, "2y");
  const [result] = await pool.execute<mysql.ResultSetHeader>(
    `insert into \`${table}\` (name, email, email_verified_at, password, is_banned, created_at, updated_at)
     values (?, ?, ?, ?, ?, now(), now())`,
    [user.name ?? "", user.email, user.verified ? new Date() : null, hash, user.blocked ? 1 : 0],
  );
  return String(result.insertId);
}
