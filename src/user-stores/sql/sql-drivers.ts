import mysql, { type ResultSetHeader, type RowDataPacket } from "mysql2/promise";
import postgres from "postgres";

/*
 * The two database clients behind the SQL user store, reduced to what it asks of them: run one
 * parameterised statement, bounded in time. Only this file knows the drivers.
 */

export type SqlDialect = "postgresql" | "mysql";
export type SqlParam = string | string[];
/** A row keyed by the select list's aliases. */
export type SqlRow = Record<string, unknown>;

export interface SqlDriver {
  select(text: string, params: SqlParam[]): Promise<SqlRow[]>;
  /** How many rows the update matched. */
  update(text: string, params: SqlParam[]): Promise<number>;
  end(): Promise<void>;
}

/** Where a store's URL points; `secrets` (its password) are kept only to redact messages. */
export interface SqlTarget {
  dialect: SqlDialect;
  /** postgresql, mysql or mariadb: what the description shows. */
  engine: string;
  host: string;
  port: number;
  database: string;
  secrets: string[];
}

const SCHEMES: Record<string, { dialect: SqlDialect; engine: string; port: number }> = {
  "postgres:": { dialect: "postgresql", engine: "postgresql", port: 5432 },
  "postgresql:": { dialect: "postgresql", engine: "postgresql", port: 5432 },
  "mysql:": { dialect: "mysql", engine: "mysql", port: 3306 },
  "mariadb:": { dialect: "mysql", engine: "mariadb", port: 3306 },
};

/** Reads the dialect and address from the URL; its messages never quote the URL itself. */
export function parseSqlUrl(url: string, connection: string): SqlTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`connection ${connection}: the database URL is not a valid URL`);
  }
  const scheme = SCHEMES[parsed.protocol];
  if (!scheme) {
    throw new Error(
      `connection ${connection}: unsupported database URL scheme "${parsed.protocol}" ` +
        "(use postgres://, postgresql://, mysql:// or mariadb://)",
    );
  }
  return {
    dialect: scheme.dialect,
    engine: scheme.engine,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : scheme.port,
    database: decodeLeniently(parsed.pathname.slice(1)),
    secrets: [parsed.password, decodeLeniently(parsed.password)].filter((secret) => secret !== ""),
  };
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Thrown by the client-side deadline; explained like a driver's own timeout. */
export class SqlDeadlineError extends Error {
  readonly code = "PASSDESK_DEADLINE";
  constructor(readonly millis: number) {
    super(`no answer within ${millis} ms`);
    this.name = "SqlDeadlineError";
  }
}

/**
 * Rejects after `millis` whatever the driver does: server-side timeouts do not cover a server
 * that accepted the connection and went silent, nor a wait for a free pooled connection.
 */
async function withDeadline<T>(work: Promise<T>, millis: number, giveUp?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      giveUp?.();
      reject(new SqlDeadlineError(millis));
    }, millis);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A small pool for one store. `timeoutMillis` bounds connecting and, separately, each statement;
 * the client-side deadline allows both plus a margin.
 */
export function openSqlDriver(url: string, dialect: SqlDialect, timeoutMillis: number): SqlDriver {
  const deadline = 2 * timeoutMillis + 500;
  return dialect === "postgresql"
    ? openPostgres(url, timeoutMillis, deadline)
    : openMysql(url, timeoutMillis, deadline);
}

function openPostgres(url: string, timeoutMillis: number, deadline: number): SqlDriver {
  const sql = postgres(url, {
    max: 4,
    connect_timeout: timeoutMillis / 1000,
    idle_timeout: 60,
    onnotice: () => {},
    connection: { statement_timeout: timeoutMillis, application_name: "passdesk" },
  });
  const run = (text: string, params: SqlParam[]) => {
    const query = sql.unsafe(text, params);
    return withDeadline(query, deadline, () => query.cancel());
  };
  return {
    async select(text, params) {
      return [...(await run(text, params))];
    },
    async update(text, params) {
      return (await run(text, params)).count;
    },
    end: () => sql.end({ timeout: 5 }),
  };
}

function openMysql(url: string, timeoutMillis: number, deadline: number): SqlDriver {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: 4,
    maxIdle: 4,
    idleTimeout: 60_000,
    connectTimeout: timeoutMillis,
    enableKeepAlive: true,
    // BIGINT UNSIGNED ids past 2^53 stay exact as text.
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  return {
    async select(text, params) {
      const work = pool.execute<RowDataPacket[]>({ sql: text, timeout: timeoutMillis }, params);
      const [rows] = await withDeadline(work, deadline);
      return rows;
    },
    async update(text, params) {
      const work = pool.execute<ResultSetHeader>({ sql: text, timeout: timeoutMillis }, params);
      const [result] = await withDeadline(work, deadline);
      return result.affectedRows;
    },
    end: () => pool.end(),
  };
}
