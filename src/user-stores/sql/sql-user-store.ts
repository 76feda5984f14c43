import { normalizeEmail } from "../../users/email.ts";
import {
  ExternalStoreUnavailableError,
  type ExternalUserStore,
  type SqlStoreConfig,
} from "../../users/external-store.ts";
import {
  openSqlDriver,
  parseSqlUrl,
  type SqlDialect,
  type SqlDriver,
  type SqlRow,
} from "./sql-drivers.ts";
import { explainDriverError, mayHaveApplied } from "./sql-errors.ts";
import { rowToProfile } from "./sql-rows.ts";
import { buildStatements, EMAIL_KEY, type SqlStatements } from "./sql-statements.ts";

export interface SqlUserStoreOptions {
  /** Passdesk's name for the connection, for messages. */
  connection: string;
  config: SqlStoreConfig;
  /** postgres://, postgresql://, mysql:// or mariadb:// (read from `config.urlEnv` by the caller). */
  url: string;
  /** Hashes in the app's own format (createFormatHasher). */
  hashPassword: (password: string) => Promise<string>;
  /** Passdesk's bounded verify, which knows bcrypt ($2a$, $2b$, $2y$) and Argon2. */
  verifyHash: (hash: string, password: string) => Promise<boolean>;
  /** Bounds connecting and each statement; 5000 by default. */
  timeoutMillis?: number;
}

/** mysql2 sends one placeholder per email; this bounds a statement's size. */
const BATCH_SIZE = 500;

/** The organisation's own users table, in PostgreSQL or MySQL/MariaDB, as an ExternalUserStore. */
export function createSqlUserStore(options: SqlUserStoreOptions): ExternalUserStore {
  const { connection, config } = options;
  const timeoutMillis = options.timeoutMillis ?? 5000;
  const target = parseSqlUrl(options.url, connection);
  const statements = buildStatements(target.dialect, config.table, config.columns);
  const address = `${target.host}:${target.port}`;
  const context = { timeoutMillis, address, secrets: target.secrets };
  const explain = (error: unknown) => explainDriverError(error, context);
  const driver = openDriver(options.url, target.dialect, timeoutMillis, (error) => {
    throw new Error(
      `connection ${connection}: cannot open the database client (${explain(error).reason})`,
    );
  });
  const toProfile = (row: SqlRow) => rowToProfile(row, config.blockedValue);

  /**
   * Any driver failure means "try again later". Only a connection never made, or a statement
   * the server refused, surely applied nothing (mayHaveApplied).
   */
  async function query<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const { problem, reason } = explain(error);
      throw new ExternalStoreUnavailableError(connection, reason, mayHaveApplied(error, problem));
    }
  }

  return {
    description: `sql ${target.engine} ${address}/${target.database} table ${config.table}`,

    async getUser(email) {
      const key = normalizeEmail(email);
      if (key === "") return undefined;
      const rows = await query(() => driver.select(statements.byEmail, [key]));
      const [row] = rows;
      return rows.length === 1 && row ? toProfile(row) : undefined;
    },

    async getUsers(emails) {
      const keys = [...new Set(emails.map(normalizeEmail))].filter((key) => key !== "");
      const rows: SqlRow[] = [];
      for (let start = 0; start < keys.length; start += BATCH_SIZE) {
        const { text, params } = statements.byEmails(keys.slice(start, start + BATCH_SIZE));
        rows.push(...(await query(() => driver.select(text, params))));
      }
      return unambiguous(rows).map(toProfile);
    },

    async verifyPassword(profile, password) {
      return profile.passwordHash ? options.verifyHash(profile.passwordHash, password) : false;
    },

    // Idempotent by nature: a retry sets the same password again (with a new salt), so the
    // change's idempotencyKey is not needed here.
    async changePassword(profile, { password }) {
      const hash = await options.hashPassword(password);
      const params = [hash, profile.externalId];
      const matched = await query(() => driver.update(statements.setHash, params));
      return matched === 0 ? "not_found" : "changed";
    },

    async check() {
      try {
        await driver.select(statements.probe, []);
      } catch (error) {
        throw new Error(`connection ${connection}: ${await diagnose(error)}`);
      }
    },

    close: () => driver.end(),
  };

  /** One line saying what is wrong with the URL or the mapping. */
  async function diagnose(error: unknown): Promise<string> {
    const { problem, reason } = explain(error);
    if (problem === "missing_table") return `table "${config.table}" does not exist`;
    if (problem === "missing_database") return `database "${target.database}" does not exist`;
    if (problem !== "missing_column") return reason;
    const isMissing = (probeError: unknown) => explain(probeError).problem === "missing_column";
    const missing = await missingColumns(driver, statements, config, isMissing);
    if (missing.length === 0) return reason;
    const names = missing.map((column) => `"${column}"`).join(", ");
    return `table "${config.table}" has no column${missing.length > 1 ? "s" : ""} ${names}`;
  }
}

/** The drivers parse the rest of the URL (options, TLS) themselves, and may refuse it. */
function openDriver(
  url: string,
  dialect: SqlDialect,
  timeoutMillis: number,
  refused: (error: unknown) => never,
): SqlDriver {
  try {
    return openSqlDriver(url, dialect, timeoutMillis);
  } catch (error) {
    return refused(error);
  }
}

/** The rows whose email key no other row shares: as getUser, ambiguous emails find nobody. */
function unambiguous(rows: SqlRow[]): SqlRow[] {
  const keyOf = (row: SqlRow) => String(row[EMAIL_KEY]);
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(keyOf(row), (counts.get(keyOf(row)) ?? 0) + 1);
  return rows.filter((row) => counts.get(keyOf(row)) === 1);
}

/** Probes the mapped columns one by one: only asked when the full probe named a missing one. */
async function missingColumns(
  driver: SqlDriver,
  statements: SqlStatements,
  config: SqlStoreConfig,
  isMissing: (error: unknown) => boolean,
): Promise<string[]> {
  const missing: string[] = [];
  for (const column of new Set(Object.values(config.columns))) {
    if (column === undefined) continue;
    try {
      await driver.select(statements.probeColumn(column), []);
    } catch (error) {
      if (isMissing(error)) missing.push(column);
    }
  }
  return missing;
}
