import { randomBytes } from "node:crypto";
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import mysql from "mysql2/promise";
import type { Repository } from "../../src/db/stores.ts";
import type { StoreConfig } from "../../src/users/external-store.ts";
import {
  appAccepts,
  createDeviseDatabase,
  createLaravelUsersTable,
  probeMysql,
} from "./app-users.ts";
import { createHttpUserStoreServer, type HttpUserStoreServer } from "./http-user-store.ts";
import { createTcpProxy } from "./tcp-proxy.ts";
import { sleep } from "./wait-for.ts";

/*
 * The organisation's own user stores as a running Passdesk meets them, for tests that drive the
 * public endpoints, the reset page, Slack and /oauth/token against a connection with a store:
 *  - a Devise-shaped `users` table in a fresh PostgreSQL database (bcrypt `$2a$`),
 *  - a Laravel-shaped table on MariaDB (bcrypt `$2y$`, an `is_banned` tinyint),
 *  - a signed HTTP store (test/support/http-user-store.ts) over a PostgreSQL table.
 * A SQL store is reached through a TCP proxy (a TCP forwarder on 127.0.0.1) and the HTTP store
 * through an HTTP forwarder, so that a test can take either down and bring it back, or make only
 * the store's password writes fail. The URL or secret lives in an environment variable whose
 * name is unique to the store (tests that start Passdesk with process.env may set it there).
 */

export const STORE_CONNECTION = "app-users";

export interface StoreUser {
  email: string;
  password: string;
  name?: string;
  /** The app's ban flag (Devise `banned`, Laravel `is_banned` = 1, the HTTP store's `disabled`). */
  blocked?: boolean;
}

export interface AppStore {
  /** The connection's `store` setting. */
  store: StoreConfig;
  /** The environment variable (unique name) that holds the store's URL or secret. */
  env: Record<string, string>;
  /** Adds a user with the app's own hashing; returns the store's id. */
  addUser(user: StoreUser): Promise<string>;
  /** The app's own check of a password: its bcrypt on the row's hash, or its server's check. */
  accepts(email: string, password: string): Promise<boolean>;
  /** The row's hash (SQL stores), to check the app's format was kept. */
  hashOf?(email: string): Promise<string | undefined>;
  /** The bcrypt prefix the app writes (SQL stores). */
  prefix?: "2a" | "2y";
  /** Down: connections refused and open ones cut until up(). */
  down(): Promise<void>;
  up(): Promise<void>;
  /** While true, the store refuses password changes with a 503 (HTTP store only). */
  failChanges?: boolean;
  /** The HTTP store's server, for its controls and records. */
  server?: HttpUserStoreServer;
  close(): Promise<void>;
}

export interface StoreKind {
  name: string;
  /** A short label for emails and table names. */
  slug: string;
  http: boolean;
  /** Why it cannot run here, or undefined. */
  skip: string | undefined;
  open(): Promise<AppStore>;
}

const NO_POSTGRES = "TEST_DATABASE_URL is unset (a PostgreSQL URL holds the app's database)";

/** The three kinds of store, each with why it is skipped here, if it is. */
export async function listStoreKinds(): Promise<StoreKind[]> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  const mysqlUrl = process.env.TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test";
  const mysqlProblem = await probeMysql(mysqlUrl);
  return [
    {
      name: "SQL store on a Devise table in PostgreSQL",
      slug: "devise",
      http: false,
      skip: adminUrl ? undefined : NO_POSTGRES,
      open: () => openDeviseStore(adminUrl as string),
    },
    {
      name: "SQL store on a Laravel table in MariaDB",
      slug: "laravel",
      http: false,
      skip: mysqlProblem,
      open: () => openLaravelStore(mysqlUrl),
    },
    {
      name: "HTTP store",
      slug: "http",
      http: true,
      skip: adminUrl ? undefined : NO_POSTGRES,
      open: () => openHttpStore(adminUrl as string),
    },
  ];
}

/** Adds the store's connection to Passdesk's database (before the server starts). */
export async function addStoreConnection(
  repo: Repository,
  store: StoreConfig,
  name = STORE_CONNECTION,
): Promise<void> {
  await repo.connections.add({ name, strategy: "database", store });
}

/** A port nothing listens on right now (another process could take it first: fine for a test). */
export async function findFreePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const uniqueEnvName = (prefix: string) =>
  `${prefix}_${randomBytes(4).toString("hex").toUpperCase()}`;

function throughProxy(url: string, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = "127.0.0.1";
  proxied.port = String(port);
  return proxied.toString();
}

function targetOf(url: string, defaultPort: number) {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : defaultPort };
}

async function openDeviseStore(adminUrl: string): Promise<AppStore> {
  const app = await createDeviseDatabase(adminUrl);
  await app.createUsersTable();
  const proxy = await createTcpProxy(targetOf(app.url, 5432));
  const urlEnv = uniqueEnvName("DEVISE_DB_URL");
  const hashOf = async (email: string) => {
    const [row] = await app.sql<{ hash: string }[]>`
      select encrypted_password as hash from users where lower(email) = lower(${email})`;
    return row?.hash;
  };
  return {
    store: {
      kind: "sql",
      urlEnv,
      table: "users",
      columns: {
        id: "id",
        email: "email",
        passwordHash: "encrypted_password",
        name: "name",
        emailVerified: "confirmed_at",
        blocked: "banned",
      },
      hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2a" },
    },
    env: { [urlEnv]: throughProxy(app.url, proxy.port) },
    prefix: "2a",
    addUser: (user) => app.insertUser({ ...user, verified: true }),
    hashOf,
    async accepts(email, password) {
      const hash = await hashOf(email);
      return hash ? appAccepts(hash, password) : false;
    },
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async close() {
      await proxy.close();
      await app.drop();
    },
  };
}

async function openLaravelStore(url: string): Promise<AppStore> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
  const users = await createLaravelUsersTable(pool);
  const proxy = await createTcpProxy(targetOf(url, 3306));
  const urlEnv = uniqueEnvName("LARAVEL_DB_URL");
  const hashOf = async (email: string) => {
    const [rows] = await pool.execute<mysql.RowDataPacket[]>(
      `select password from \`${users.table}\` where email = ?`,
      [email],
    );
    return rows[0] ? String(rows[0].password) : undefined;
  };
  return {
    store: {
      kind: "sql",
      urlEnv,
      table: users.table,
      columns: {
        id: "id",
        email: "email",
        passwordHash: "password",
        name: "name",
        emailVerified: "email_verified_at",
        blocked: "is_banned",
      },
      blockedValue: "1",
      hashFormat: { algorithm: "bcrypt", cost: 5, prefix: "2y" },
    },
    env: { [urlEnv]: throughProxy(url, proxy.port) },
    prefix: "2y",
    addUser: (user) => users.insertUser({ ...user, verified: true }),
    hashOf,
    async accepts(email, password) {
      const hash = await hashOf(email);
      return hash ? appAccepts(hash, password) : false;
    },
    down: () => proxy.stop(),
    up: () => proxy.start(),
    async close() {
      await proxy.close();
      await users.drop();
      await pool.end();
    },
  };
}

async function openHttpStore(adminUrl: string): Promise<AppStore> {
  const app = await createDeviseDatabase(adminUrl);
  const secret = `pdsk_test_${randomBytes(12).toString("hex")}`;
  const server = await createHttpUserStoreServer({ sql: app.sql, table: "crm_users", secret });
  const front = await startHttpForwarder(server.url);
  const secretEnv = uniqueEnvName("CRM_STORE_SECRET");
  const store: AppStore = {
    store: { kind: "http", baseUrl: front.url, secretEnv },
    env: { [secretEnv]: secret },
    addUser: (user) =>
      server.addUser({
        email: user.email,
        password: user.password,
        ...(user.name !== undefined && { name: user.name }),
        ...(user.blocked !== undefined && { disabled: user.blocked }),
      }),
    accepts: (email, password) => server.verify(email, password),
    // Both the server and its front stop listening: Passdesk's connections are refused. Then a
    // moment, so that Passdesk no longer holds a connection they closed (a request on one of
    // those is "outcome unknown", not "down").
    async down() {
      await front.stop();
      await server.stop();
      await sleep(50);
    },
    async up() {
      await server.start();
      await front.start();
    },
    get failChanges() {
      return front.failChanges;
    },
    set failChanges(value) {
      front.failChanges = value;
    },
    server,
    async close() {
      await front.close();
      await server.close();
      await app.drop();
    },
  };
  return store;
}

/**
 * A plain HTTP forwarder on 127.0.0.1 in front of the store's server: passes every request and
 * answer through unchanged (signatures included), except that while `failChanges` is set it
 * answers `change_password` with an unsigned 503 itself: the store found the user, but its
 * password write fails (a database behind the app that refuses writes, say).
 */
async function startHttpForwarder(target: string) {
  const state = { failChanges: false };
  const server: Server = createServer((request, response) => {
    forward(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(502).end();
      else response.destroy();
    });
  });
  async function forward(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    if (state.failChanges && request.url?.endsWith("/change_password")) {
      response.writeHead(503, { "content-type": "text/plain" }).end("write refused");
      return;
    }
    // A connection of its own per request (no pool): a store restarted meanwhile leaves no
    // stale socket behind.
    const answer = await new Promise<IncomingMessage>((resolve, reject) => {
      const upstream = httpRequest(
        `${target}${request.url ?? ""}`,
        {
          method: request.method ?? "POST",
          headers: { ...request.headers, host: new URL(target).host },
          agent: false,
        },
        resolve,
      );
      upstream.on("error", reject);
      upstream.end(Buffer.concat(chunks));
    });
    const body: Buffer[] = [];
    for await (const chunk of answer) body.push(chunk as Buffer);
    response.writeHead(answer.statusCode ?? 502, answer.headers).end(Buffer.concat(body));
  }
  await listen(server, 0);
  const { port } = server.address() as AddressInfo;
  let listening = true;
  async function stop() {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    get failChanges() {
      return state.failChanges;
    },
    set failChanges(value: boolean) {
      state.failChanges = value;
    },
    stop,
    async start() {
      if (listening) return;
      await listen(server, port);
      listening = true;
    },
    close: stop,
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}
