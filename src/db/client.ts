import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { acquireDataDirLock, type DataDirLock } from "./data-dir-lock.ts";
import { DatabaseOpenError, DataDirInUseError } from "./errors.ts";
import {
  type CliSocket,
  cliSocketPath,
  MAX_SOCKET_PATH_BYTES,
  serveCliSocket,
} from "./pglite-cli-socket.ts";
import { readPgliteTemplate } from "./pglite-template.ts";
import { describePostgresConnectFailure, describePostgresTarget } from "./postgres-errors.ts";
import { pgliteQuery, postgresQuery, type RawQuery } from "./raw-query.ts";
import * as schema from "./schema.ts";
import { openThroughServer, waitForCliSocket } from "./through-server.ts";

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Transaction = Parameters<Parameters<Database["transaction"]>[0]>[0];
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  /** "pglite-server": an embedded database reached through the server that holds it. */
  kind: "pglite" | "postgres" | "pglite-server";
  /** Runs statement text on the pool (or PGlite) directly, without drizzle: see RawQuery. */
  query: RawQuery;
  /** Runs a statement with a session-level advisory lock held (one connection for its span). */
  withAdvisoryLock<T>(key: number, work: (db: Database) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /**
   * An embedded database on disk: serve it to `passdesk` commands on an owner-only Unix socket
   * beside the data directory, until close(). Absent for PostgreSQL and memory://.
   */
  serveCliSocket?(): Promise<CliSocketOutcome>;
  close(): Promise<void>;
}

export type CliSocketOutcome =
  | { ok: true; path: string }
  | { ok: false; path: string; reason: string };

export interface OpenOptions {
  databaseUrl?: string | undefined;
  pgliteDataDir: string;
  /** postgres.js pool size; small by default, the service is mostly I/O bound. */
  maxConnections?: number;
  /**
   * When another process holds the embedded database, reach it through that server's CLI
   * socket (see serveCliSocket) instead of failing. For `passdesk` commands, not servers.
   */
  throughRunningServer?: boolean;
}

export async function openDatabase(options: OpenOptions): Promise<DatabaseHandle> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.maxConnections ?? 10);
  if (!options.throughRunningServer) return openPglite(options.pgliteDataDir);
  for (;;) {
    try {
      return await openPglite(options.pgliteDataDir);
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      if ((await waitForCliSocket(error)) === "socket") return openThroughServer(error);
    }
  }
}

type TransactionWork<T> = (sql: postgres.TransactionSql) => T | Promise<T>;

/**
 * drizzle's postgres-js driver passes `prepare: false` with every statement it is not given a
 * name for, which overrides the client's `prepare: true`: postgres.js then parses and describes
 * each parameterised statement in a round trip of its own before running it, and PostgreSQL plans
 * it every time. This client prepares whatever drizzle sends, in transactions and savepoints too.
 * Statements without parameters still go as simple queries (migrations hold several at once).
 * Each connection caches its statements until postgres.js retires it (`max_lifetime`); Passdesk
 * sends few distinct ones.
 */
function preparingStatements<S extends postgres.Sql | postgres.TransactionSql>(client: S): S {
  const unsafe = (
    query: string,
    parameters?: Parameters<postgres.Sql["unsafe"]>[1],
    options?: postgres.UnsafeQueryOptions,
  ) => client.unsafe(query, parameters, { ...options, prepare: true });
  const begin = <T>(...args: [TransactionWork<T>] | [string, TransactionWork<T>]) => {
    const [options, work] = args.length === 1 ? ["", args[0]] : args;
    return (client as postgres.Sql).begin(options, (sql) => work(preparingStatements(sql)));
  };
  const savepoint = <T>(...args: [TransactionWork<T>] | [string, TransactionWork<T>]) => {
    const [name, work] = args.length === 1 ? ["", args[0]] : args;
    return (client as postgres.TransactionSql).savepoint(name, (sql) =>
      work(preparingStatements(sql)),
    );
  };
  return new Proxy(client, {
    get(target, property) {
      if (property === "unsafe") return unsafe;
      if (property === "begin" && "begin" in target) return begin;
      if (property === "savepoint" && "savepoint" in target) return savepoint;
      return Reflect.get(target, property);
    },
  });
}

function connectPostgres(url: string, max: number) {
  return postgres(url, { max, onnotice: () => {}, connect_timeout: 5, prepare: true });
}

async function openPostgres(url: string, max: number): Promise<DatabaseHandle> {
  const client = connectPostgres(url, max);
  try {
    await client`select 1`;
  } catch (error) {
    await client.end({ timeout: 1 });
    throw new DatabaseOpenError(
      describePostgresConnectFailure(error, describePostgresTarget(url)),
      { cause: error },
    );
  }
  const db = drizzlePostgres(preparingStatements(client), { schema }) as unknown as Database;
  return {
    db,
    kind: "postgres",
    query: postgresQuery(client),
    async withAdvisoryLock(key, work) {
      // A one-connection pool: the session-level lock and the work share that connection.
      const single = connectPostgres(url, 1);
      try {
        await single`select pg_advisory_lock(${key})`;
        const locked = drizzlePostgres(preparingStatements(single), { schema });
        return await work(locked as unknown as Database);
      } finally {
        await single.end({ timeout: 5 });
      }
    },
    async ping() {
      await client`select 1`;
    },
    async close() {
      await client.end({ timeout: 5 });
    },
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const inMemory = dataDir === "memory://";
  const lock: DataDirLock | undefined = inMemory ? undefined : acquireDataDirLock(dataDir);
  let client: PGlite;
  try {
    // A new cluster starts from the install-time template when there is one (no initdb).
    const fresh = inMemory || !existsSync(join(dataDir, "PG_VERSION"));
    const template = fresh ? readPgliteTemplate() : undefined;
    client = await PGlite.create(inMemory ? undefined : dataDir, {
      ...(template && { loadDataDir: template }),
    });
  } catch (error) {
    lock?.release();
    throw new DatabaseOpenError(`the embedded database at ${dataDir} could not be opened`, {
      cause: error,
    });
  }
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  // PGlite serves one process (the directory lock sees to that), so an in-process queue
  // stands in for Postgres's advisory locks.
  let queue: Promise<unknown> = Promise.resolve();
  let cliSocket: CliSocket | undefined;
  return {
    db,
    kind: "pglite",
    query: pgliteQuery(client),
    withAdvisoryLock(_key, work) {
      const run = queue.then(() => work(db));
      queue = run.catch(() => {});
      return run;
    },
    async ping() {
      await client.query("select 1");
    },
    ...(!inMemory && {
      async serveCliSocket(): Promise<CliSocketOutcome> {
        const path = cliSocketPath(resolve(dataDir));
        if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
          return { ok: false, path, reason: `its path is over ${MAX_SOCKET_PATH_BYTES} bytes` };
        }
        try {
          cliSocket ??= await serveCliSocket(client, path);
        } catch (error) {
          // Commands then need the server stopped; the server itself is fine without it.
          const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
          return { ok: false, path, reason: `it cannot be created: ${code}` };
        }
        return { ok: true, path };
      },
    }),
    async close() {
      await cliSocket?.stop();
      await client.close();
      lock?.release();
    },
  };
}
